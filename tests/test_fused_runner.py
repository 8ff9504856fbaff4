"""``--fuse`` through the runner: alike runs of a plan train as one, and each still gets its own
record, evaluation, skip and refusal behaviour. Synthetic data, a stand-in evaluation."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from synthetic import synthetic_mnist

import benchmarks.runner.execute
from benchmarks.run import main
from benchmarks.runner.execute import RunServices
from benchmarks.runner.plan import RunSpec, fuse_groups

FAST = [
    *("--models", "gan", "--budget", "smoke", "--no-progress", "--set", "batch_size=16"),
    *("--num-samples", "200"),
]


@pytest.fixture
def evaluated(monkeypatch):
    data = synthetic_mnist(256)
    seeds: list[int] = []

    def fake_evaluate(model, dataset, run_dir, seed=0, **kwargs):
        seeds.append(seed)
        return {"fid": 10.0 + seed}, {"run_dir": str(run_dir)}

    services = RunServices(dataset=lambda name, root: data, evaluate=fake_evaluate)
    monkeypatch.setattr(benchmarks.runner.execute, "SERVICES", services)
    return seeds


def records(out: Path) -> dict[int, dict]:
    found = (json.loads(p.read_text()) for p in (out / "records").glob("*.json"))
    return {r["seed"]: r for r in found}


def test_fused_runs_are_each_recorded_as_alone_and_skipped_when_complete(
    tmp_path, evaluated, capsys, checkpoints
):
    assert main([*FAST, "--seeds", "3", "--fuse", "2", "--out", str(tmp_path)]) == 0
    got = records(tmp_path)
    assert sorted(got) == [0, 1, 2] and sorted(evaluated) == [0, 1, 2]
    assert [got[s].get("fused") for s in (0, 1, 2)] == [2, 2, None]  # seed 2 was alone
    for seed, record in got.items():
        assert record["status"] == "complete" and record["steps"] == 30
        assert record["metrics"] == {"fid": 10.0 + seed}
        assert checkpoints.path(tmp_path / "runs" / record["run_id"]).exists()
    assert got[0]["history"] != got[1]["history"]  # two runs, not one copied
    capsys.readouterr()
    assert main([*FAST, "--seeds", "3", "--fuse", "2", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out.count("skipped (complete)") == 3


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--fuse", "0"], "--fuse must be at least 1"),
        (["--fuse", "2", "--executor", "ray"], "not Ray"),
    ],
)
def test_fuse_that_cannot_be_done_is_one_line_and_exit_2(tmp_path, capsys, extra, message):
    assert main([*FAST, "--seeds", "2", *extra, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "records").exists()


def test_fuse_groups_alike_runs_in_chunks_and_leaves_others_apart():
    specs = [RunSpec(m, "mnist", s, "smoke") for s in range(3) for m in ("gan", "cgan")]
    groups = fuse_groups(specs, 2)
    assert [[(r.model, r.seed) for r in g] for g in groups] == [
        [("gan", 0), ("gan", 1)],
        [("gan", 2)],
        [("cgan", 0), ("cgan", 1)],
        [("cgan", 2)],
    ]
    assert fuse_groups(specs, 1) == [[s] for s in specs]


def test_fused_runs_write_each_its_own_live_log(tmp_path, evaluated):
    pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    argv = [*FAST, "--seeds", "2", "--fuse", "2", "--log", "tensorboard", "--out", str(tmp_path)]
    assert main(argv) == 0
    got = records(tmp_path)
    for record in got.values():
        assert record["fused"] == 2
        events = EventAccumulator(str(tmp_path / "runs" / record["run_id"] / "tensorboard"))
        events.Reload()
        logged = events.Scalars("train/loss_d")
        assert [e.step for e in logged] == [int(row["step"]) for row in record["history"]]
        assert [e.value for e in logged] == pytest.approx([r["loss_d"] for r in record["history"]])


def test_a_forced_fused_rerun_that_fails_keeps_each_previous_complete_result(
    tmp_path, evaluated, monkeypatch
):
    """``--force --fuse``: the members' evaluation fails, so every complete record and its run
    folder (checkpoints, history) stay as they were, as for a run forced alone."""
    assert main([*FAST, "--seeds", "2", "--fuse", "2", "--out", str(tmp_path)]) == 0
    before = records(tmp_path)
    folders = {seed: tmp_path / "runs" / rec["run_id"] for seed, rec in before.items()}
    files = {
        seed: {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
        for seed, folder in folders.items()
    }

    def failing_evaluation(*args, **kwargs):
        raise RuntimeError("the judge broke")

    services = replace(benchmarks.runner.execute.SERVICES, evaluate=failing_evaluation)
    monkeypatch.setattr(benchmarks.runner.execute, "SERVICES", services)
    assert main([*FAST, "--seeds", "2", "--fuse", "2", "--out", str(tmp_path), "--force"]) == 1
    assert records(tmp_path) == before
    for seed, folder in folders.items():
        assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == files[seed]
        assert not (folder / "previous").exists()


def test_a_fused_rerun_after_a_failed_record_write_reuses_the_kept_evaluations(tmp_path):
    """SIGTERM as the first record is written: both evaluations are kept in their run folders,
    and the rerun writes their records without training or evaluating again."""
    from test_runner_behaviour import _probe

    out = tmp_path / "out"
    victim = _probe(out, "--seeds", "2", "--fuse", "2", env={"PROBE_SIGNAL": "record:SIGTERM"})
    assert victim.returncode == 143, victim.stderr
    assert "probe: evaluated" in victim.stderr
    assert not (out / "records").exists() or not list((out / "records").glob("*.json"))
    assert len(list((out / "runs").glob("*/result.json"))) == 2

    rerun = _probe(out, "--seeds", "2", "--fuse", "2")
    assert rerun.returncode == 0, rerun.stderr
    assert "probe: trained steps none (0)" in rerun.stderr
    assert "probe: evaluated" not in rerun.stderr
    records = [json.loads(p.read_text()) for p in sorted((out / "records").glob("*.json"))]
    assert [r["status"] for r in records] == ["complete", "complete"]
    assert [r["fused"] for r in records] == [2, 2]
    assert not list((out / "runs").glob("*/result.json"))
