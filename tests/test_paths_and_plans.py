"""Paths and plans say what they do: the runner's closing lines name the folders it used, a
missing record names the ``--out`` to pass, written files follow the umask, and ``--dry-run``
says what would happen to each run and what it may cost, changing nothing.

Nothing here trains: the records are committed or hand-made, the checkpoints hand-made.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

import pytest
import torch

import benchmarks.runner.execute
from benchmarks import sample
from benchmarks.records import write_record
from benchmarks.run import main
from benchmarks.runner.execute import RunServices
from benchmarks.runner.run_lock import RunLock
from gan_zoo.io import atomic_write_json
from gan_zoo.metrics.traversal import write_sample_grid
from gan_zoo.train.checkpoints import REQUIRED, CheckpointFiles

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "results" / "records"
SMOKE = ["--models", "gan", "--budget", "smoke", "--device", "cpu", "--no-progress"]


@pytest.fixture
def no_data_check(monkeypatch):
    """The runner's services without the check of the plan's data files (nothing trains)."""
    monkeypatch.setattr(
        benchmarks.runner.execute, "SERVICES", RunServices(verify=lambda name, root: None)
    )


def _modes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mode & 0o777 for p in folder.rglob("*")}


# --- the closing lines name the real folders --------------------------------------------------


def test_the_closing_hint_names_the_out_folder_and_gan_zoo_runs(
    tmp_path, capsys, monkeypatch, no_data_check
):
    out, runs = tmp_path / "sweep out", tmp_path / "my runs"
    (out / "records").mkdir(parents=True)
    shutil.copy(COMMITTED / "mnist__gan__quick__seed0.json", out / "records")
    monkeypatch.setenv("GAN_ZOO_RUNS", str(runs))
    argv = ["--models", "gan", "--budget", "quick", "--seeds", "1", "--device", "cpu"]
    assert main([*argv, "--no-progress", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "mnist__gan__quick__seed0: skipped (complete)" in text
    assert f"GAN_ZOO_RUNS='{runs}' python -m benchmarks.report --out '{out}'" in text
    assert f"(then open {out / 'report' / 'index.html'})" in text
    assert "results/report" not in text
    assert f"records in {out / 'records'}, run folders in {runs} (GAN_ZOO_RUNS)" in text


def test_without_out_or_gan_zoo_runs_the_hint_is_the_plain_command(
    tmp_path, capsys, monkeypatch, no_data_check
):
    (tmp_path / "results" / "records").mkdir(parents=True)
    shutil.copy(COMMITTED / "mnist__gan__quick__seed0.json", tmp_path / "results" / "records")
    monkeypatch.chdir(tmp_path)
    argv = ["--models", "gan", "--budget", "quick", "--seeds", "1", "--device", "cpu"]
    assert main([*argv, "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "python -m benchmarks.report (then open results/report/index.html)" in text
    assert "GAN_ZOO_RUNS" not in text and "--out" not in text
    assert "run folders in results/runs" in text


# --- a missing record names the --out to pass -------------------------------------------------


def test_sample_of_a_record_under_another_out_names_that_out(tmp_path, capsys, monkeypatch):
    run_id = "mnist__gan__quick__seed0"
    (tmp_path / "elsewhere" / "records").mkdir(parents=True)
    shutil.copy(COMMITTED / f"{run_id}.json", tmp_path / "elsewhere" / "records")
    (tmp_path / "results").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sample, "CHECKOUT", tmp_path)  # the test's folder stands for a checkout
    assert sample.main([run_id]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: no record")
    assert "it is under elsewhere: pass --out elsewhere" in err


def test_sample_of_a_record_nowhere_says_to_pass_out(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sample, "CHECKOUT", tmp_path)
    assert sample.main(["mnist__gan__quick__seed9", "--out", "mine"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no record 'mnist__gan__quick__seed9' under mine/records" in err
    assert "pass --out DIR where its records are" in err
    assert not (tmp_path / "mine").exists()


# --- written files follow the umask -----------------------------------------------------------


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_records_checkpoints_and_figures_follow_the_umask(tmp_path, umask, mode):
    before = os.umask(umask)
    try:
        record = write_record(tmp_path, {"run_id": "r", "status": "complete", "metrics": {}})
        files = CheckpointFiles(tmp_path / "runs" / "r")
        files.save({"step": 1})
        files.save({"step": 2})  # the previous one becomes checkpoint.prev.pt
        grid = write_sample_grid(
            torch.zeros(4, 1, 8, 8, dtype=torch.uint8), tmp_path / "runs" / "r" / "samples.png"
        )
        other = atomic_write_json(tmp_path / "result.json", {"a": 1})
    finally:
        os.umask(before)
    for path in (record, files.current, files.previous, grid, other):
        assert oct(path.stat().st_mode & 0o777) == oct(mode), path
    assert not [p for p in tmp_path.rglob("*.tmp")]  # no temp file left beside them


# --- --dry-run: what each run would do, what it may cost, and nothing written -----------------


def _timed(out: Path, seed: int, train: float, evaluate: float, **extra) -> None:
    """A complete record of gan on mnist at the smoke budget with these timings."""
    run_id = f"mnist__gan__smoke__seed{seed}"
    record = {
        "run_id": run_id,
        "model": "gan",
        "dataset": "mnist",
        "budget": "smoke",
        "seed": seed,
        "overrides": {},
        "status": "complete",
        "metrics": {"fid": 1.0},
        "train_seconds": train,
        "eval_seconds": evaluate,
        "device": "cpu",
        "cpu": "Test CPU",
        "threads": 2,
        **extra,
    }
    (out / "records").mkdir(parents=True, exist_ok=True)
    (out / "records" / f"{run_id}.json").write_text(json.dumps(record))


def _checkpoint(run_dir: Path, step: int, status: str = "running") -> None:
    CheckpointFiles(run_dir).save({**{key: {} for key in REQUIRED}, "step": step, "status": status})


def _snapshot(folder: Path) -> dict[str, tuple]:
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_mode, p.read_bytes())
        for p in folder.rglob("*")
        if p.is_file()
    } | {str(p.relative_to(folder)): () for p in folder.rglob("*") if p.is_dir()}


def _dry_run(capsys, out: Path, *extra: str) -> tuple[dict[str, str], str]:
    """(run id -> the rest of its line, the total line) of a dry run over ``out``."""
    assert main([*SMOKE, "--out", str(out), "--dry-run", *extra]) == 0
    captured = capsys.readouterr()
    lines = {}
    for line in captured.out.splitlines():
        run_id, _, rest = line.partition(" ")
        lines[run_id] = rest.strip()
    return lines, captured.err.strip().splitlines()[-1]


def test_dry_run_says_complete_resumes_or_new_with_an_estimate_from_one_device(tmp_path, capsys):
    out = tmp_path / "out"
    _timed(out, 0, 100.0, 10.0)  # the plan's seed 0: complete
    _timed(out, 5, 120.0, 20.0)
    _timed(out, 6, 300.0, 30.0)
    _timed(out, 7, 5.0, 1.0, device="cuda:0", gpu="Test GPU")  # never mixed with the CPU's
    _checkpoint(out / "runs" / "mnist__gan__smoke__seed1", 15)  # half of the 30 steps
    before = _snapshot(tmp_path)
    lines, total = _dry_run(capsys, out, "--seeds", "3")
    assert list(lines) == [f"mnist__gan__smoke__seed{s}" for s in range(3)]
    source = "(median of 3 records on cpu (Test CPU, 2 threads))"
    assert lines["mnist__gan__smoke__seed0"] == "complete (skipped)"
    # medians 120 s training, 20 s evaluation; a resumed run trains the half it has left
    assert lines["mnist__gan__smoke__seed1"] == f"resumes at step 15 of 30; est. 80 s {source}"
    assert lines["mnist__gan__smoke__seed2"] == f"new; est. 140 s {source}"
    assert total.startswith("dry run: 3 runs (1 complete, 1 to resume, 1 new); estimated 220 s")
    assert f"run folders in {out / 'runs'}; nothing was written" in total
    assert _snapshot(tmp_path) == before


def test_dry_run_estimates_from_the_plans_device_where_it_has_records(tmp_path, capsys):
    out = tmp_path / "out"
    _timed(out, 5, 120.0, 20.0)
    _timed(out, 7, 5.0, 1.0, device="cuda:0", gpu="Test GPU")
    lines, _ = _dry_run(capsys, out, "--seeds", "1")  # --device cpu
    assert lines["mnist__gan__smoke__seed0"] == "new; est. 140 s (median of 1 record on cpu " + (
        "(Test CPU, 2 threads))"
    )
    (out / "records" / "mnist__gan__smoke__seed5.json").unlink()
    lines, _ = _dry_run(capsys, out, "--seeds", "1")  # only a GPU's: used, and named
    assert lines["mnist__gan__smoke__seed0"] == "new; est. 6 s (median of 1 record on Test GPU)"


def test_dry_run_without_records_says_no_estimate(tmp_path, capsys):
    lines, total = _dry_run(capsys, tmp_path / "out", "--seeds", "1", "--models", "cgan")
    assert lines == {
        "mnist__cgan__smoke__seed0": "new; no estimate (no complete record of cgan on mnist "
        "at smoke)"
    }
    assert total.startswith("dry run: 1 runs (1 new); no estimate;")
    assert not (tmp_path / "out").exists()


def test_dry_run_shows_the_overrides_a_run_ids_hash_stands_for(tmp_path, capsys):
    out = tmp_path / "out"
    _timed(out, 5, 120.0, 20.0)  # without overrides: used, and said to be
    assert main([*SMOKE, "--out", str(out), "--dry-run", "--set", "lr_g=5e-4"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    run_id, overrides, rest = line.split(maxsplit=2)
    assert run_id.startswith("mnist__gan__smoke__seed0__") and len(run_id.split("__")[-1]) == 8
    assert overrides == "[lr_g=5e-4]"
    assert rest == "new; est. 140 s (median of 1 record, run with other --set, on cpu " + (
        "(Test CPU, 2 threads))"
    )


@pytest.mark.parametrize(
    "status, said",
    [
        ("complete", "trained (30 steps); evaluates only; est. 20 s"),
        ("diverged", "diverged at step 30; recorded again, not retrained (--force retrains it)"),
    ],
)
def test_dry_run_of_a_trained_checkpoint_without_a_record(tmp_path, capsys, status, said):
    out = tmp_path / "out"
    _timed(out, 5, 120.0, 20.0)
    _checkpoint(out / "runs" / "mnist__gan__smoke__seed0", 30, status)
    lines, _ = _dry_run(capsys, out, "--seeds", "1")
    assert lines["mnist__gan__smoke__seed0"].startswith(said)


def test_dry_run_names_the_process_holding_a_run_and_takes_no_lock(tmp_path, capsys, monkeypatch):
    out, runs = tmp_path / "out", tmp_path / "runs"
    monkeypatch.setenv("GAN_ZOO_RUNS", str(runs))
    _checkpoint(runs / "mnist__gan__smoke__seed0", 15)
    with RunLock(runs / "mnist__gan__smoke__seed0.lock") as lock:
        assert lock.acquired
        before = _snapshot(tmp_path)
        lines, total = _dry_run(capsys, out, "--seeds", "1")
        # the runner takes the lock before --force counts: a held run is skipped either way
        forced, _ = _dry_run(capsys, out, "--seeds", "1", "--force")
        assert _snapshot(tmp_path) == before
    assert forced == lines
    assert lines["mnist__gan__smoke__seed0"] == (
        f"skipped: being run now (by pid {os.getpid()} on {socket.gethostname()}, at step 15 of 30)"
    )
    assert "1 held by another process" in total and f"{runs} (GAN_ZOO_RUNS)" in total


def test_dry_run_with_force_says_every_run_trains_again(tmp_path, capsys):
    out = tmp_path / "out"
    _timed(out, 0, 100.0, 10.0)
    _checkpoint(out / "runs" / "mnist__gan__smoke__seed1", 15)
    lines, _ = _dry_run(capsys, out, "--seeds", "2", "--force")
    assert lines["mnist__gan__smoke__seed0"].startswith(
        "--force: trains again from step 0 (the complete record stays until the rerun "
        "completes); est. 110 s"
    )
    assert lines["mnist__gan__smoke__seed1"].startswith("--force: trains again from step 0; est.")
