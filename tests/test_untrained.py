"""What an untrained model scores (issue 33): ``python -m benchmarks.untrained`` evaluates each
family at step 0, with a run's provenance, once per family, dataset and seed (cached); the
tables and the report show it as a reference row and never average it with the runs.

Synthetic data and a stand-in evaluation (through the runner's seam, ``benchmarks.runner.execute
.SERVICES``): the model built, the cache and the records are real.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from synthetic import synthetic_mnist

import benchmarks.runner.execute
from benchmarks.environment import git_commit, versions
from benchmarks.records import load_records, records_frame
from benchmarks.reporting.aggregate import aggregate
from benchmarks.reporting.tables import README_END, README_START, write_tables
from benchmarks.reporting.untrained_records import ROW_PREFIX, load_untrained
from benchmarks.runner.execute import RunServices
from benchmarks.untrained import main
from gan_zoo.run_config import RunConfig
from gan_zoo.train import train_run
from gan_zoo.train.trainer import Trainer

ARGS = ("--dataset", "mnist", "--device", "cpu", "--num-samples", "200")


@pytest.fixture
def stand_in(monkeypatch, tmp_path):
    """Synthetic MNIST, a cache of the test's own, and an evaluation stand-in that keeps a
    copy of the weights of every model it is given (and its seed and run folder)."""
    monkeypatch.setenv("GAN_ZOO_CACHE", str(tmp_path / "cache"))
    data = synthetic_mnist(256)
    calls: list[dict] = []

    def evaluate(model, dataset, run_dir, seed=0, **kwargs):
        assert dataset is data and kwargs["data"].train is data
        state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        calls.append({"seed": seed, "run_dir": run_dir, "state": state, **kwargs})
        return {"posthoc_mi": 0.9 + seed / 100, "fid": 300.0 + seed}, {"stand_in": True}

    services = RunServices(
        dataset=lambda name, root: data, evaluate=evaluate, verify=lambda name, root: None
    )
    monkeypatch.setattr(benchmarks.runner.execute, "SERVICES", services)
    return calls, data


def _untrained(out: Path, model: str = "gan", seed: int = 0) -> dict:
    return json.loads(
        (out / "records" / "untrained" / f"mnist__{model}__seed{seed}.json").read_text()
    )


def test_the_command_writes_a_record_with_provenance_and_evaluates_once(stand_in, tmp_path):
    calls, _ = stand_in
    out = tmp_path / "results"
    assert main([*ARGS, "--models", "gan", "--seeds", "1", "--out", str(out)]) == 0
    record = _untrained(out)
    config = RunConfig.resolve("gan", "mnist", 0, device="cpu")
    assert record["status"] == "untrained" and record["steps"] == 0
    assert (record["model"], record["dataset"], record["seed"]) == ("gan", "mnist", 0)
    assert record["hparams"] == json.loads(json.dumps(config.hparams))
    assert record["device"] == "cpu" and record["commit"] == git_commit()
    assert record["versions"] == versions() and "torch" in record["versions"]
    assert record["metrics"] == {"posthoc_mi": 0.9, "fid": 300.0}
    assert record["judge_digest"] != "none"  # MNIST is scored by its judge: part of the key
    assert record["evaluation_options"]["num_samples"] == 200
    assert calls[0]["num_samples"] == 200 and calls[0]["run_dir"] is None

    assert main([*ARGS, "--models", "gan", "--seeds", "1", "--out", str(out)]) == 0
    assert len(calls) == 1, "the second call reads the cache, it does not evaluate again"
    assert _untrained(out) == record
    # another sample count is another evaluation
    assert main([*ARGS[:-1], "300", "--models", "gan", "--seeds", "1", "--out", str(out)]) == 0
    assert len(calls) == 2


def test_the_model_evaluated_has_the_weights_a_run_with_that_seed_starts_from(
    stand_in, tmp_path, monkeypatch
):
    calls, data = stand_in
    assert main([*ARGS, "--models", "infogan", "--seeds", "1,2", "--out", str(tmp_path)]) == 0
    evaluated = {call["seed"]: call["state"] for call in calls}

    class FirstStep(Exception):
        pass

    def capture(self, total_steps=None):
        started.append({k: v.detach().clone() for k, v in self.model.state_dict().items()})
        raise FirstStep

    monkeypatch.setattr(Trainer, "train_step", capture)
    for seed in (1, 2):
        started: list[dict] = []
        with pytest.raises(FirstStep):
            train_run(RunConfig.resolve("infogan", "mnist", seed, device="cpu"), data, None, False)
        (run,) = started
        assert run.keys() == evaluated[seed].keys()
        for key, tensor in run.items():
            assert torch.equal(tensor, evaluated[seed][key]), f"seed {seed}: {key} differs"
    weights = [k for k in evaluated[1] if evaluated[1][k].is_floating_point()]
    assert any(not torch.equal(evaluated[1][k], evaluated[2][k]) for k in weights)


def _run_record(out: Path, model: str, seed: int, mi: float) -> None:
    rec = {
        "run_id": f"mnist__{model}__quick__seed{seed}",
        "model": model,
        "dataset": "mnist",
        "budget": "quick",
        "seed": seed,
        "overrides": {},
        "status": "complete",
        "metrics": {"posthoc_mi": mi, "fid": 20.0 + seed},
    }
    (out / "records").mkdir(parents=True, exist_ok=True)
    (out / "records" / f"{rec['run_id']}.json").write_text(json.dumps(rec))


def _md_rows(md: str) -> dict[str, list[str]]:
    return {
        line.split(" | ")[0].lstrip("| "): [c.strip(" |") for c in line.split(" | ")]
        for line in md.splitlines()
        if line.startswith("| ")
    }


def test_tables_show_the_untrained_row_and_never_aggregate_it(stand_in, tmp_path):
    out = tmp_path / "results"
    for seed in range(2):
        _run_record(out, "gan", seed, 0.95 + seed / 100)
    readme = tmp_path / "README.md"
    readme.write_text(f"{README_START}\n{README_END}\n")
    write_tables(out, readme)
    assert f"*{ROW_PREFIX}" not in (out / "tables" / "mnist.md").read_text()  # none: no row
    assert not (out / "tables" / "mnist_untrained.csv").exists()
    without = aggregate(load_records(out))

    assert main([*ARGS, "--models", "gan,infogan", "--seeds", "2", "--out", str(out)]) == 0
    untrained = load_untrained(out)
    assert len(untrained) == 4
    # the runs' records, frame and aggregates are as before: the untrained ones never enter
    assert {r["run_id"] for r in load_records(out)} == {
        f"mnist__gan__quick__seed{s}" for s in (0, 1)
    }
    assert set(records_frame(load_records(out))["run_id"]) == {
        r["run_id"] for r in load_records(out)
    }
    assert aggregate(load_records(out) + untrained).equals(without)

    write_tables(out, readme)
    md = (out / "tables" / "mnist.md").read_text()
    rows = _md_rows(md)
    col = {name: i for i, name in enumerate(rows["model"])}
    row = rows[f"*{ROW_PREFIX}: gan*"]
    assert row[col["seeds"]] == "2" and row[col["posthoc_mi"]] == "0.905 ± 0.0071"
    assert f"*{ROW_PREFIX}: infogan*" not in rows  # no infogan runs: no infogan reference
    assert "posthoc_mi: a barely trained generator scores near a trained one" in md
    assert f"*{ROW_PREFIX}: gan*" in readme.read_text()
    csv = (out / "tables" / "mnist_untrained.csv").read_text()
    assert "untrained (step 0),gan,mnist" in csv
    assert "untrained" not in (out / "tables" / "mnist.csv").read_text()

    from benchmarks.reporting.report.__main__ import main as report

    assert report(["--out", str(out)]) == 0
    html = (out / "report" / "index.html").read_text()
    assert f"{ROW_PREFIX}: gan" in html and f"{ROW_PREFIX}: infogan" not in html
    assert not list((out / "report" / "runs").glob("*untrained*"))  # no run page of its own


def test_the_registry_flags_the_metrics_an_untrained_model_scores_high(capsys):
    from benchmarks.run import print_listing
    from gan_zoo.metrics.registry import declared_keys

    flags = {k.name for k in declared_keys() if k.untrained_close}
    assert flags == {"posthoc_mi", "posthoc_r2", "precision"}
    print_listing()
    flagged = [
        line.split()[0] for line in capsys.readouterr().out.splitlines() if "untrained ~" in line
    ]
    assert flagged == ["precision", "posthoc_mi", "posthoc_r2", "untrained"]
