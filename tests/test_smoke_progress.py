"""A smoke run is a smoke test (issue 34, items 1 and 2): ``--curve off|cheap|full`` and the
budget's defaults, the line that starts each run, and the bf16 fallback said once per plan.

Synthetic data, a stand-in evaluation and a stand-in judged probe (what it scores is
``test_curves``' business; here only how many points, and what the record says), so nothing
here trains a judge.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from synthetic import synthetic_mnist

import benchmarks.runner.execute
from benchmarks.run import main
from benchmarks.runner.execute import RunServices
from gan_zoo import progress
from gan_zoo.config import BUDGETS
from gan_zoo.metrics.curves import CHEAP_POINTS, CHEAP_SAMPLES, CurveProbe, curve_probe
from gan_zoo.train import speed
from gan_zoo.train.probe import CURVE_POINTS

SMOKE = ["--models", "gan", "--budget", "smoke", "--no-progress", "--set", "batch_size=16"]


@pytest.fixture
def stand_ins(monkeypatch) -> list[dict]:
    """Synthetic MNIST, an evaluation that returns its options, no floors, and a judged probe
    that scores one number per point; returns the evaluation calls' options."""
    data = synthetic_mnist(256)
    calls: list[dict] = []

    def evaluate(model, dataset, run_dir, seed=0, **options):
        options.pop("data")
        calls.append(options)
        return {"fid": 1.0}, {}

    services = RunServices(
        dataset=lambda name, root: data, evaluate=evaluate, verify=lambda name, root: None
    )
    monkeypatch.setattr(benchmarks.runner.execute, "SERVICES", services)
    monkeypatch.setattr(benchmarks.runner.execute, "floors", lambda *args: {})
    monkeypatch.setattr(CurveProbe, "__call__", lambda self, model: {"fid": 1.0})
    return calls


def _records(out: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((out / "records").glob("*.json"))]


@pytest.mark.parametrize(
    ("option", "setting", "points"),
    [
        ([], "cheap", CHEAP_POINTS),
        (["--curve", "off"], "off", 0),
        (["--curve", "full"], "full", 10),
    ],
)
def test_the_curve_setting_decides_the_points_and_the_record_says_which(
    option, setting, points, tmp_path, stand_ins
):
    assert main([*SMOKE, *option, "--out", str(tmp_path)]) == 0
    (record,) = _records(tmp_path)
    assert record["curve_setting"] == setting
    if setting == "off":
        assert "curve" not in record and "curve_protocol" not in record
    else:
        assert len(record["curve"]) == points == len(record["curve_protocol"]["steps"])
        assert record["curve"][-1]["step"] == 30  # every curve ends at the budget


def test_smoke_evaluates_a_smaller_bank_and_draw_and_the_record_says_so(tmp_path, stand_ins):
    assert main([*SMOKE, "--out", str(tmp_path)]) == 0
    (record,) = _records(tmp_path)
    assert (record["eval_samples"], record["eval_draw"]) == (2000, "smoke")
    assert stand_ins[0]["num_samples"] == BUDGETS["smoke"].eval_samples == 2000
    assert stand_ins[0]["draw"] == "smoke"
    # an explicit count wins over the budget's
    assert main([*SMOKE, "--num-samples", "300", "--force", "--out", str(tmp_path)]) == 0
    assert _records(tmp_path)[0]["eval_samples"] == 300


def test_the_cheap_probe_has_a_few_points_on_a_small_bank() -> None:
    cheap = curve_probe("mnist", 1000, num_samples=10_000, setting="cheap")
    assert len(cheap.steps) == CHEAP_POINTS and cheap.steps[-1] == 1000
    assert cheap.num_samples == CHEAP_SAMPLES
    assert len(curve_probe("mnist", 1000, setting="full").steps) == CURVE_POINTS
    dsprites = curve_probe("dsprites", 1000, setting="cheap")
    assert len(dsprites.steps) == CHEAP_POINTS and dsprites.num_samples <= CHEAP_SAMPLES
    assert curve_probe("mnist", 1000, setting="off") is None
    assert BUDGETS["paper"].curve == "full" and BUDGETS["smoke"].curve == "cheap"


def test_a_bad_curve_value_is_one_line_and_exit_2(tmp_path, capsys):
    assert main([*SMOKE, "--curve", "some", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: --curve must be one of off, cheap, full, not 'some'"]
    assert not tmp_path.joinpath("records").exists()


def test_each_run_starts_with_a_line_naming_it_and_its_place_in_the_plan(
    tmp_path, stand_ins, capsys
):
    assert main([*SMOKE, "--seeds", "2", "--curve", "off", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    ids = [r["run_id"] for r in _records(tmp_path)]
    for i, run_id in enumerate(ids, 1):
        start = out.index(f"[{i}/2] {run_id}: training")
        assert out[start + 1 :].index(f"[{i}/2] {run_id}: complete") >= 0
    # a complete run is not started again: no start line, only its end line
    assert main([*SMOKE, "--seeds", "2", "--curve", "off", "--out", str(tmp_path)]) == 0
    again = capsys.readouterr().out
    assert ": training" not in again and f"[1/2] {ids[0]}: skipped (complete)" in again


def test_the_bf16_fallback_is_one_plain_line_per_plan(
    tmp_path, stand_ins, monkeypatch, capsys, recwarn
):
    monkeypatch.setattr(speed, "bf16_is_fast", lambda device: False)
    monkeypatch.setattr(progress, "_said", set())
    argv = [*SMOKE, "--seeds", "2", "--curve", "off", "--device", "cpu", "--set", "amp=1"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert err.count("asks for bf16") == 1
    assert "note: amp=1 asks for bf16, which cpu would only emulate" in err
    assert not [w for w in recwarn if "bf16" in str(w.message)]  # no warning, no source line
