"""The metric registry: every record key declared once, plugins found through entry points."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

from gan_zoo import plugins
from gan_zoo.errors import ConfigError
from gan_zoo.metrics import registry
from gan_zoo.metrics.context import EvalContext
from gan_zoo.metrics.registry import Key, register_metric, registered_metric, unregister_metric

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def toy_plugin(monkeypatch):
    """The toy metric's plugin group loaded afresh in this test; its metric unregistered after."""
    registry.metrics()
    monkeypatch.setattr(plugins, "_loaded", set(plugins._loaded))
    plugins._loaded.discard(plugins.METRICS_GROUP)
    yield
    unregister_metric("toy_brightness")


def test_every_key_of_the_committed_records_is_declared():
    keys = set()
    for path in (REPO / "results" / "records").glob("*.json"):
        keys |= set(json.loads(path.read_text()).get("metrics") or {})
    assert keys, "no committed records to read"
    assert registry.undeclared(keys) == []


def test_a_metric_declares_its_reference_levels_and_the_tables_and_runner_read_them():
    """Chance and floor come from the metric that owns the key: a new metric's levels reach
    the table's reference rows and the record's floors without the tables knowing it."""
    from benchmarks.reporting.tables import CHANCE_ROW, reference_rows

    with registered_metric(
        "toy_levels",
        (Key("toy_{code}", "a toy score per code", "higher"),),
        datasets=("toyset",),
        chance=lambda key, record: 0.5 / record["hparams"]["cat_size"],
        floor=lambda num_samples, context: {"toy_c1": num_samples / 1000},
    ):
        records = [
            {"metrics": {"toy_c1": 0.9}, "hparams": {"cat_size": size}} for size in (5, 5, 2)
        ]
        assert reference_rows(records, {"toy_c1"})[CHANCE_ROW]["toy_c1"] == "0.1"  # the usual
        assert registry.chance_level("toy_c2", records[2]) == 0.25
        assert registry.chance_level("fid", records[0]) is None  # FID declares no chance level
        assert registry.floors(200, EvalContext("toyset")) == {"toy_c1": 0.2}
        assert registry.floors(200, EvalContext("toyset"), keys=["fid"]) == {}  # not scored
        assert registry.floors(200, EvalContext("dsprites")) == {}  # no floor declared there
    assert registry.declaration("toy_c1") is None  # gone with the block


def test_a_metric_registered_for_a_block_is_gone_after_it_even_when_the_block_raises():
    with pytest.raises(RuntimeError), registered_metric("toy_block", (Key("toy_block", "x"),)):
        assert registry.get_metric("toy_block").keys[0].name == "toy_block"
        raise RuntimeError
    assert "toy_block" not in [m.name for m in registry.metrics()]
    register_metric("toy_block", (Key("toy_block", "x"),))  # its name and key are free again
    unregister_metric("toy_block")
    assert registry.declaration("toy_block") is None


def test_headlines_are_declared_and_in_order():
    assert registry.headline("mnist")[:4] == ["fid", "precision", "recall", "isc"]
    assert "code_acc_c1" in registry.headline("mnist")
    assert registry.headline("dsprites")[0] == "mig"
    assert "posthoc_r2" in registry.headline("dsprites")


def test_templated_keys_and_undeclared_ones():
    assert registry.declaration("code_acc_c2").name == "code_acc_{code}"
    assert registry.undeclared(["fid", "li_bound_c3", "made_up"]) == ["made_up"]
    assert registry.order_keys(["made_up", "recall", "fid"]) == ["fid", "recall", "made_up"]


def test_a_key_or_a_name_cannot_be_registered_twice():
    with pytest.raises(ConfigError, match="already declared by metric 'quality'"):
        register_metric("again", (Key("fid", "duplicate"),))
    with pytest.raises(ConfigError, match="already declared"):
        register_metric("again", (Key("code_acc_extra", "matches code_acc_{code}"),))
    with pytest.raises(ConfigError, match="already registered"):
        register_metric("quality", (Key("new_key", "new"),))
    with pytest.raises(ConfigError, match="needs unknown"):
        register_metric("odd", (Key("odd_key", "x"),), needs=("telepathy",))


def test_applicability_is_declarative():
    class Latent:
        label_classes, categorical, continuous = None, (), ()

    class Model:
        latent = Latent()

        def generate(self, latent):
            raise NotImplementedError

    class FromFile:  # samples read from a file: a layout, nothing to generate with
        latent = Latent()

    code_control = registry.get_metric("code_control")
    assert code_control.applies("mnist") and not code_control.applies("dsprites")
    assert not code_control.applies("mnist", Model())
    assert code_control.missing(Model()) == ["categorical_code"]
    assert registry.get_metric("mig").applies("dsprites", Model())
    assert not registry.get_metric("mig").applies("dsprites", FromFile())
    assert registry.get_metric("posthoc").missing(FromFile()) == ["model"]
    assert registry.get_metric("quality").applies("mnist", FromFile())


def write_plugin_dist(site: Path) -> None:
    """A minimal installed distribution whose entry point names the toy metric's module."""
    dist = site / "toy_metric_plugin-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-metric-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        f"[{plugins.METRICS_GROUP}]\ntoy_brightness = toy_metric\n"
    )
    (site / "toy_metric.py").write_text(
        (Path(__file__).parent / "plugins" / "toy_metric.py").read_text()
    )


def test_toy_metric_plugin_is_discovered_computed_tabulated_and_listed(
    toy_plugin, tmp_path, monkeypatch, mnist_small, capsys, train
):
    from benchmarks.reporting.tables import dataset_tables
    from benchmarks.run import print_listing
    from benchmarks.runner.summary import summary_table
    from gan_zoo.metrics.suite import evaluate

    write_plugin_dist(tmp_path / "site")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, "toy_metric", raising=False)
    importlib.invalidate_caches()
    assert "toy_brightness" in [m.name for m in registry.metrics()]

    model, _ = train("gan", mnist_small, "smoke", stop=2)
    metrics, _ = evaluate(model, mnist_small, None, num_samples=400)
    assert 0.0 < metrics["toy_brightness"] < 1.0
    assert "fid" in metrics  # the built-ins still run beside it

    record = _record(metrics)
    table, _ = dataset_tables([record], "mnist")
    assert "toy_brightness" in table.columns
    assert "toy_brightness" in summary_table([record])  # a headline key of mnist
    print_listing()
    assert "toy_brightness" in capsys.readouterr().out


def test_undeclared_record_keys_are_reported_and_still_tabulated(capsys):
    from benchmarks.reporting.tables import dataset_tables, report_undeclared

    record = _record({"fid": 10.0, "mystery": 1.5})
    lines = report_undeclared([record])
    assert len(lines) == 1 and "'mystery'" in lines[0] and "mnist__gan__quick__seed0" in lines[0]
    assert "mystery" in capsys.readouterr().err
    table, _ = dataset_tables([record], "mnist")
    assert list(table.columns)[1:3] == ["fid", "mystery"]


def _record(metrics: dict[str, float]) -> dict:
    """A complete quick-budget MNIST record of ``gan`` with these metrics."""
    return {
        "run_id": "mnist__gan__quick__seed0",
        "model": "gan",
        "dataset": "mnist",
        "budget": "quick",
        "seed": 0,
        "overrides": {},
        "status": "complete",
        "metrics": metrics,
    }


def known_answer_tests() -> dict[str, list[str]]:
    """Each key named by a ``@pytest.mark.known_answer(...)`` in tests/, with its tests.

    Read from the source (not from a pytest session, which may have collected one file), and
    only from tests that run by default (a ``slow`` test does not count).
    """
    import ast

    found: dict[str, list[str]] = {}
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            marks = [ast.unparse(d) for d in node.decorator_list]
            if any(m.startswith("pytest.mark.slow") for m in marks):
                continue
            for deco in node.decorator_list:
                if (
                    isinstance(deco, ast.Call)
                    and ast.unparse(deco.func) == "pytest.mark.known_answer"
                ):
                    for arg in deco.args:
                        found.setdefault(arg.value, []).append(f"{path.name}::{node.name}")
    return found


def keys_without_known_answer() -> list[str]:
    """The registered keys (templates as declared) that no default test pins."""
    marked = known_answer_tests()
    return [k.name for k in registry.declared_keys() if k.name not in marked]


def test_every_registered_key_has_a_known_answer_test():
    """A metric key enters the registry with a test that pins its value on a case whose answer
    is known (mark it ``@pytest.mark.known_answer("key")``); this lists the keys without one."""
    missing = keys_without_known_answer()
    assert not missing, f"registry keys without a known-answer test: {', '.join(missing)}"
    declared = {k.name for k in registry.declared_keys()}
    stale = sorted(set(known_answer_tests()) - declared)
    assert not stale, f"known_answer marks naming no registered key: {stale}"


def test_a_key_registered_without_a_known_answer_test_is_listed():
    with registered_metric("untested", (Key("untested_key", "a key no test pins"),)):
        assert keys_without_known_answer() == ["untested_key"]
