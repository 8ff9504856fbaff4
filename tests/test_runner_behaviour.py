"""The runner's behaviour that users rely on: resume after a kill, skip, --force, reruns of
failed and diverged runs, failure records, --jobs, exit codes, the commit it records, and a
record it writes going through aggregation into a table.

Runs on synthetic data with a stand-in evaluation (training, checkpoints and records are real),
so none of it needs real digits; the end-to-end run on real MNIST is in test_runner.py.
"""

from __future__ import annotations

import errno
import json
import logging
import math
import os
import platform
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import torch
from synthetic import synthetic_mnist

import benchmarks.runner.execute
from benchmarks.environment import git_commit
from benchmarks.records import load_records
from benchmarks.reporting.aggregate import aggregate
from benchmarks.reporting.tables import dataset_tables
from benchmarks.run import main
from benchmarks.runner.execute import RunServices
from gan_zoo.data.dataset import ImageDataset
from gan_zoo.errors import DataError
from gan_zoo.train.checkpoints import CHECKPOINT

ROOT = Path(__file__).resolve().parent.parent
#: one smoke run of gan; 200 samples keep its learning curve (ten judged points) to seconds
FAST = [
    *("--models", "gan", "--budget", "smoke", "--no-progress", "--set", "batch_size=16"),
    *("--num-samples", "200"),
]


def _spec(seed: int = 0, *sets: str):
    from benchmarks.runner.plan import plan_runs
    from gan_zoo.config import parse_overrides

    (spec,) = plan_runs(
        ["gan"], "mnist", [seed], "smoke", parse_overrides(["batch_size=16", *sets])
    )
    return spec


def _run_id(seed: int = 0, *sets: str) -> str:
    return _spec(seed, *sets).run_id


RUN = _run_id()


@pytest.fixture
def synthetic_runs(monkeypatch):
    """Synthetic data for every run, and an evaluation stand-in that records its calls (the
    seeds, in order) and returns as its details the folder and options it was called with."""
    data = synthetic_mnist(512)
    evaluated: list[int] = []

    def fake_evaluate(model, dataset, run_dir, seed=0, **kwargs):
        assert isinstance(dataset, ImageDataset), "the evaluation gets the run's training data"
        params = torch.cat([p.detach().flatten() for p in model.parameters()])
        assert torch.isfinite(params).all(), "a NaN model must never be evaluated"
        evaluated.append(seed)
        splits = kwargs.pop("data")
        assert splits.train is dataset, "the evaluation reuses the training split it was given"
        details = {"run_dir": str(run_dir), **kwargs}
        return {"fid": 10.0 + seed, "code_acc_c1": 0.5 + seed / 10}, details

    def fake_dataset(name, root):
        assert name == "mnist", f"the run asked for the dataset {name!r}"
        return data

    services = RunServices(
        dataset=fake_dataset, evaluate=fake_evaluate, verify=lambda name, root: None
    )
    monkeypatch.setattr(benchmarks.runner.execute, "SERVICES", services)
    return evaluated


def _serve(monkeypatch, **changes) -> None:
    """The runner's services with ``changes`` (step callbacks, a clock) for the rest of a test."""
    changed = replace(benchmarks.runner.execute.SERVICES, **changes)
    monkeypatch.setattr(benchmarks.runner.execute, "SERVICES", changed)


def _at_step(step: int, action):
    """A trainer callback that calls ``action(event)`` when ``step`` steps are done."""

    def callback(event) -> None:
        if event.step == step:
            action(event)

    return callback


def _kill(signum):
    return lambda event: os.kill(os.getpid(), signum)  # the trainer's handler sets a flag


def _record(out: Path, run_id: str = RUN) -> dict:
    return json.loads((out / "records" / f"{run_id}.json").read_text())


def _probe(
    out: Path, *extra: str, kill: bool = False, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    env = {**os.environ, "PROBE_SYNTHETIC": "1", "OMP_NUM_THREADS": "1", **(env or {})}
    if kill:
        env["PROBE_KILL_AFTER_CHECKPOINT"] = "1"
    cmd = [sys.executable, str(ROOT / "tests" / "cli_probe.py"), *FAST, "--out", str(out), *extra]
    return subprocess.run(
        cmd,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )


def _ctrl_c_as_in_a_terminal() -> None:
    """The child starts with SIGINT at its default, as a command typed in a terminal does.

    A pytest started in the background by a non-interactive shell (``pytest &``, nohup)
    inherits SIGINT ignored and so would its children: Python then installs no Ctrl-C handler
    and the signal tests would see a runner that, rightly, ignores SIGINT."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


# --- resume through the CLI -------------------------------------------------------------------


def test_a_cli_run_killed_mid_training_resumes_at_its_checkpoint_step(tmp_path, checkpoints):
    out = tmp_path / "killed"
    victim = _probe(out, kill=True)
    assert victim.returncode == -9, victim.stderr  # SIGKILL, right after a checkpoint
    ckpt = checkpoints.read(out / "runs" / RUN)
    # the kill landed during training: not before it, not during evaluation
    assert ckpt["status"] == "running" and 0 < ckpt["step"] < 30
    assert ckpt["step"] == 15  # the smoke budget checkpoints every 15 steps
    assert not (out / "records").exists()

    resumed = _probe(out)
    assert resumed.returncode == 0, resumed.stderr
    assert "probe: trained steps 15..30 (15)" in resumed.stderr  # restarted at 15, not 0
    record = _record(out)
    assert record["status"] == "complete" and record["steps"] == 30
    history_csv = (out / "runs" / RUN / "history.csv").read_text().splitlines()
    assert [float(line.split(",")[0]) for line in history_csv[1:]] == [5, 10, 15, 20, 25, 30]

    straight = _probe(tmp_path / "straight")
    assert "probe: trained steps 0..30 (30)" in straight.stderr
    assert _record(tmp_path / "straight")["history"] == record["history"]


# --- skip, --force, reruns --------------------------------------------------------------------


def test_complete_runs_are_skipped_and_force_retrains_them_from_step_0(
    tmp_path, synthetic_runs, counted, capsys, monkeypatch
):
    _serve(monkeypatch, callbacks=(counted,))
    assert main([*FAST, "--out", str(tmp_path)]) == 0
    assert len(counted) == 30 and synthetic_runs == [0]
    first = _record(tmp_path)
    assert "resumed_from_step" not in first and "signal" not in first  # a straight run

    counted.clear()
    assert main([*FAST, "--out", str(tmp_path)]) == 0
    assert f"{RUN}: skipped (complete)" in capsys.readouterr().out
    assert counted == [] and synthetic_runs == [0]
    assert _record(tmp_path) == first  # a skip does not rewrite the record

    assert main([*FAST, "--out", str(tmp_path), "--force"]) == 0
    assert counted == list(range(30))  # from scratch: the old checkpoint was removed
    assert synthetic_runs == [0, 0]
    assert f"{RUN}: complete" in capsys.readouterr().out
    assert _record(tmp_path)["status"] == "complete"


def test_a_resume_under_changed_hyperparameters_fails_in_one_line_and_force_starts_over(
    tmp_path, synthetic_runs, monkeypatch, counted, checkpoints, capsys
):
    """A checkpoint written under other settings (here: as if a default had changed since)
    is not resumed: the run fails naming the key, and --force trains it again from step 0."""
    _serve(monkeypatch, callbacks=(_at_step(20, _kill(signal.SIGINT)),))
    assert main([*FAST, "--out", str(tmp_path)]) == 130
    run_dir = tmp_path / "runs" / RUN
    saved = checkpoints.read(run_dir)
    saved["hparams"] = {**saved["hparams"], "lr_d": 1e-4}
    checkpoints.write(run_dir, saved)

    _serve(monkeypatch, callbacks=(counted,))
    assert main([*FAST, "--out", str(tmp_path)]) == 1
    record = _record(tmp_path)
    assert record["status"] == "failed" and counted == []
    assert record["error"] == (
        f"the checkpoint in {run_dir} was written under other hyperparameters "
        "(lr_d 0.0001 -> 0.0002); resume with the same settings or start again with --force"
    )
    assert main([*FAST, "--out", str(tmp_path), "--force"]) == 0
    assert counted == list(range(30)) and _record(tmp_path)["status"] == "complete"


def test_force_on_a_run_that_never_started_just_runs_it(
    tmp_path, synthetic_runs, counted, monkeypatch
):
    _serve(monkeypatch, callbacks=(counted,))
    """``--force`` over a plan with new runs (no folder, no history yet) is an ordinary run."""
    assert main([*FAST, "--out", str(tmp_path), "--force"]) == 0
    assert counted == list(range(30)) and _record(tmp_path)["status"] == "complete"


def test_the_evaluation_is_seeded_by_the_run(tmp_path, synthetic_runs):
    assert main([*FAST, "--out", str(tmp_path), "--seeds", "1,"]) == 0
    assert synthetic_runs == [1]
    (path,) = (tmp_path / "records").glob("*.json")
    assert json.loads(path.read_text())["metrics"]["fid"] == 11.0  # the stand-in's 10 + seed


def test_a_held_run_comes_back_marked_skipped_so_no_executor_writes_it(tmp_path, synthetic_runs):
    """Ray's driver writes every record not marked skipped: a held run must be marked."""
    from benchmarks.runner.execute import execute_run, runs_root
    from benchmarks.runner.run_lock import RunLock

    spec = _spec()
    with RunLock(runs_root(tmp_path) / f"{spec.run_id}.lock") as held:
        assert held.acquired
        record = execute_run(spec, tmp_path, progress=False)
    assert record["status"] == "locked" and record["skipped"] is True
    assert f"pid {os.getpid()}" in record["error"] and synthetic_runs == []
    assert not (tmp_path / "records").exists()


def test_a_crash_becomes_a_failed_record_exit_1_and_a_rerun_retries_it(
    tmp_path, synthetic_runs, monkeypatch, capsys, caplog
):
    def crash(*args, **kwargs):
        raise RuntimeError("boom in training")

    with monkeypatch.context() as scoped:
        _serve(scoped, train=crash)
        assert main([*FAST, "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert f"1 run(s) did not complete: {RUN}" in captured.err
    assert f"{RUN}: failed: RuntimeError: boom in training" in captured.out
    record = _record(tmp_path)
    assert record["status"] == "failed" and record["error"] == "RuntimeError: boom in training"
    assert "boom in training" in record["traceback"] and record["metrics"] == {}
    assert synthetic_runs == []
    # the log names the run beside the traceback (several runs may fail in one invocation)
    crashes = [r for r in caplog.records if r.name == "benchmarks.runner.execute" and r.exc_info]
    assert [r.getMessage() for r in crashes] == [f"run {RUN} failed"]

    assert main([*FAST, "--out", str(tmp_path)]) == 0
    assert _record(tmp_path)["status"] == "complete" and synthetic_runs == [0]


def test_a_known_error_is_a_failed_record_without_a_traceback(
    tmp_path, synthetic_runs, monkeypatch
):
    def missing(*args, **kwargs):
        raise DataError("the data is not there")

    _serve(monkeypatch, train=missing)
    assert main([*FAST, "--out", str(tmp_path)]) == 1
    record = _record(tmp_path)
    assert record["status"] == "failed" and record["error"] == "the data is not there"
    assert "traceback" not in record


def test_a_diverged_run_is_recorded_never_evaluated_and_a_rerun_does_not_retrain(
    tmp_path, synthetic_runs, counted, monkeypatch, checkpoints
):
    _serve(monkeypatch, callbacks=(counted,))
    argv = [*FAST, "--out", str(tmp_path), "--set", "lr_d=1e30", "--set", "lr_g=1e30"]
    assert main(argv) == 1
    record = _record(tmp_path, _run_id(0, "lr_d=1e30", "lr_g=1e30"))
    assert record["status"] == "diverged" and "non-finite loss" in record["error"]
    assert record["metrics"] == {} and synthetic_runs == []
    assert record["run_id"] == _run_id(0, "lr_d=1e30", "lr_g=1e30")
    assert checkpoints.read(tmp_path / "runs" / record["run_id"])["status"] == "diverged"

    counted.clear()
    assert main(argv) == 1  # diverged is not done: it is looked at again...
    again = _record(tmp_path, record["run_id"])
    assert again["status"] == "diverged" and again["metrics"] == {}
    assert counted == [] and synthetic_runs == []  # ...but not retrained nor evaluated


def test_jobs_runs_seeds_in_parallel_processes_with_the_same_records(tmp_path, real_data_root):
    """The pool spawns fresh workers (no monkeypatch reaches them), so this one is the real
    pipeline: real MNIST, real evaluation, each worker on its share of the cores."""
    serial, pooled = tmp_path / "serial", tmp_path / "pooled"
    argv = [*FAST, "--seeds", "2", "--num-samples", "600", "--device", "cpu"]
    share = max(1, (os.cpu_count() or 1) // 2)
    # A CPU reduction's order depends on the thread count, so the same training is only the
    # same bits at the same count: the serial run gets a worker's share of the cores.
    before = torch.get_num_threads()
    torch.set_num_threads(share)
    try:
        assert main([*argv, "--out", str(serial)]) == 0
    finally:
        torch.set_num_threads(before)
    assert main([*argv, "--jobs", "2", "--out", str(pooled)]) == 0
    for seed in (0, 1):
        a, b = _record(serial, _run_id(seed)), _record(pooled, _run_id(seed))
        assert a["threads"] == b["threads"] == share
        assert b["status"] == "complete"
        assert a["history"] == b["history"]  # the same training, in another process
        assert a["metrics"].keys() == b["metrics"].keys()
        assert a["metrics"]["fid"] == pytest.approx(b["metrics"]["fid"], rel=1e-3)


def test_jobs_below_one_is_refused(tmp_path, capsys):
    assert main([*FAST, "--jobs", "0", "--out", str(tmp_path)]) == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err


def test_eval_threads_apply_to_the_evaluation_only_and_the_record_says_so(
    tmp_path, synthetic_runs, monkeypatch
):
    """A record trained at 1 thread is reproduced at 1 thread; ``--eval-threads`` lets its
    evaluation (Inception's forward passes) use more, and the count comes back afterwards."""
    stand_in = benchmarks.runner.execute.SERVICES.evaluate
    training, evaluating = set(), []

    def evaluate_counting_threads(*args, **kwargs):
        evaluating.append(torch.get_num_threads())
        return stand_in(*args, **kwargs)

    def training_threads(event) -> None:
        training.add(torch.get_num_threads())

    _serve(monkeypatch, evaluate=evaluate_counting_threads, callbacks=(training_threads,))
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert main([*FAST, "--out", str(tmp_path), "--eval-threads", "2"]) == 0
        assert torch.get_num_threads() == 1, "the training's count is restored"
    finally:
        torch.set_num_threads(before)
    record = _record(tmp_path)
    assert training == {1} and evaluating == [2]
    assert record["threads"] == 1 and record["eval_threads"] == 2


def test_eval_threads_below_one_are_refused_in_one_line(tmp_path, capsys):
    assert main([*FAST, "--eval-threads", "0", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--eval-threads 0: expected at least 1" in err and "Traceback" not in err


def test_ctrl_c_exits_130_and_leaves_a_checkpoint_to_resume(
    tmp_path, synthetic_runs, monkeypatch, capsys, counted, checkpoints
):
    def second_ctrl_c(event) -> None:  # what a second Ctrl-C does: stop at once
        raise KeyboardInterrupt

    _serve(monkeypatch, callbacks=(_at_step(20, second_ctrl_c),))
    assert main([*FAST, "--out", str(tmp_path)]) == 130
    assert "interrupted: checkpoints are saved" in capsys.readouterr().err
    assert not (tmp_path / "records").exists()
    assert checkpoints.read(tmp_path / "runs" / RUN)["step"] == 15

    _serve(monkeypatch, callbacks=(counted,))
    assert main([*FAST, "--out", str(tmp_path)]) == 0
    assert counted == list(range(15, 30))
    record = _record(tmp_path)
    assert record["resumed_from_step"] == 15
    # the curve's points from before the interruption came back with the checkpoint
    assert [point["step"] for point in record["curve"]] == record["curve_protocol"]["steps"]


# --- what a record says ------------------------------------------------------------------------


def test_the_record_names_the_commit_that_ran(tmp_path, synthetic_runs):
    git_commit.cache_clear()  # read now, not whenever this process first asked
    assert main([*FAST, "--out", str(tmp_path)]) == 0
    commit = _record(tmp_path)["commit"]
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", commit), commit
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert commit.removesuffix("-dirty") == head
    assert commit == git_commit()


def test_a_launcher_named_commit_wins_over_the_copys_own_git(tmp_path, synthetic_runs, monkeypatch):
    """A GPU machine's copy of the tree may carry a .git the copier made; the commit the
    launcher copied (GAN_ZOO_COMMIT) is the one the record must name."""
    copied = "3b689d5a7844352c24f57c3ed41bb908a2f4dac8"
    monkeypatch.setenv("GAN_ZOO_COMMIT", copied)
    git_commit.cache_clear()
    try:
        assert main([*FAST, "--out", str(tmp_path)]) == 0
    finally:
        git_commit.cache_clear()
    assert _record(tmp_path)["commit"] == copied


def test_a_runner_record_goes_through_aggregation_into_a_table(tmp_path, synthetic_runs):
    assert main([*FAST, "--out", str(tmp_path)]) == 0  # one seed
    records = load_records(tmp_path)
    agg = aggregate(records)
    fid = agg[agg.metric == "fid"].iloc[0]
    assert (fid["model"], fid["budget"], fid["n"], fid["mean"]) == ("gan", "smoke", 1, 10.0)
    assert math.isnan(fid["std"]) and math.isnan(fid["ci95"])  # one seed: no spread
    table, _ = dataset_tables(records, "mnist")
    assert table.loc["gan (smoke) [batch_size=16]", "fid"] == "10"  # no "± nan", no interval
    assert table.loc["gan (smoke) [batch_size=16]", "seeds"] == "1"


def test_one_ctrl_c_stops_the_whole_suite_with_exit_130(tmp_path, synthetic_runs, monkeypatch):
    seeds_trained: list[int] = []

    def ctrl_c_once_at_step_5(event) -> None:
        seeds_trained.append(event.trainer.seed)
        if event.trainer.seed == 0 and event.step == 5:
            os.kill(os.getpid(), signal.SIGINT)  # the trainer's handler turns it into a flag

    _serve(monkeypatch, callbacks=(ctrl_c_once_at_step_5,))
    code = main([*FAST, "--seeds", "2", "--out", str(tmp_path)])
    assert 1 not in seeds_trained  # the second run never starts
    assert code == 130


def test_a_rerun_of_a_diverged_run_keeps_the_reason_in_its_record(tmp_path, synthetic_runs):
    argv = [*FAST, "--out", str(tmp_path), "--set", "lr_d=1e30", "--set", "lr_g=1e30"]
    run_id = _run_id(0, "lr_d=1e30", "lr_g=1e30")
    assert main(argv) == 1
    first = _record(tmp_path, run_id)["error"]
    assert "non-finite loss" in first
    assert main(argv) == 1
    assert _record(tmp_path, run_id)["error"] == first


def test_sigterm_mid_training_is_recorded_with_its_signal_and_exits_143(
    tmp_path, synthetic_runs, monkeypatch
):
    """A scheduler's SIGTERM: the record says which signal stopped the run, and the exit code
    (128 + 15, not Ctrl-C's 130) tells the scheduler that the job was terminated."""
    _serve(monkeypatch, callbacks=(_at_step(20, _kill(signal.SIGTERM)),))
    assert main([*FAST, "--out", str(tmp_path)]) == 128 + signal.SIGTERM
    record = _record(tmp_path)
    assert (record["status"], record["signal"]) == ("interrupted", signal.SIGTERM)
    assert record["steps"] == 20 and record["metrics"] == {} and synthetic_runs == []


def test_a_resumed_run_records_the_training_time_of_both_sessions(
    tmp_path, synthetic_runs, monkeypatch, checkpoints
):
    """The finished record's ``train_seconds`` is the checkpoint's total over both sessions,
    not the interrupted record's partial time (smoke runs train in well under a second, where
    an old rule kept the earlier record's time)."""
    ticks = iter(range(10**9))  # the run's clock: 20 ms a reading, so the run takes < 1 s
    clock = lambda: next(ticks) / 50  # noqa: E731
    _serve(monkeypatch, clock=clock, callbacks=(_at_step(20, _kill(signal.SIGTERM)),))
    assert main([*FAST, "--out", str(tmp_path)]) == 128 + signal.SIGTERM
    partial = _record(tmp_path)["train_seconds"]
    _serve(monkeypatch, callbacks=())
    assert main([*FAST, "--out", str(tmp_path)]) == 0
    record = _record(tmp_path)
    elapsed = checkpoints.read(tmp_path / "runs" / RUN)["elapsed"]
    assert record["status"] == "complete" and record["resumed_from_step"] == 20
    assert 0 < partial < elapsed < 1.0
    assert record["train_seconds"] == round(elapsed, 2)


def test_gan_zoo_runs_holds_the_checkpoints_and_another_out_reuses_them(
    tmp_path, synthetic_runs, monkeypatch, counted, checkpoints
):
    """GAN_ZOO_RUNS outside the checkout lets a run resume in a fresh clone (another --out)."""
    _serve(monkeypatch, callbacks=(counted,))
    runs = tmp_path / "kept-runs"
    monkeypatch.setenv("GAN_ZOO_RUNS", str(runs))
    assert main([*FAST, "--out", str(tmp_path / "clone1")]) == 0
    assert checkpoints.read(runs / RUN)["status"] == "complete"
    assert not (tmp_path / "clone1" / "runs").exists()

    counted.clear()
    assert main([*FAST, "--out", str(tmp_path / "clone2")]) == 0
    assert _record(tmp_path / "clone2")["status"] == "complete"
    assert counted == []  # the second clone found the first one's checkpoint: no training


def test_a_complete_record_holds_its_setup_its_curve_and_the_floors_tables_compare_with(
    tmp_path, synthetic_runs, monkeypatch, checkpoints
):
    """Tables print the floors beside the metrics, plots draw the curve, and a reader of the
    record must be able to tell how the run was set up and how its curve was measured."""
    from gan_zoo.config import hparams_for
    from gan_zoo.metrics.curves import CHEAP_POINTS
    from gan_zoo.metrics.fidelity import quality_floor
    from gan_zoo.metrics.intra_class import intra_class_floor
    from gan_zoo.train.probe import curve_steps

    # the runner's clock: real time while the run trains, then stopped, so that the evaluation
    # takes exactly the 3.456 s the stand-in says it took
    stopped: list[float] = []
    evaluate = benchmarks.runner.execute.SERVICES.evaluate

    def clock() -> float:
        return stopped[-1] if stopped else time.perf_counter()

    def stop_the_clock_at_the_end(event) -> None:
        if event.step == event.trainer.budget.steps:
            stopped.append(time.perf_counter())

    def slow_evaluate(*args, **kwargs):
        stopped.append(stopped[-1] + 3.456)
        return evaluate(*args, **kwargs)

    _serve(
        monkeypatch,
        clock=clock,
        evaluate=slow_evaluate,
        callbacks=(stop_the_clock_at_the_end,),
    )
    assert main([*FAST, "--out", str(tmp_path)]) == 0
    record = _record(tmp_path)
    assert record["budget_steps"] == 30
    device_type = record["device"].split(":")[0]  # speed defaults differ per device type
    assert record["hparams"] == hparams_for("gan", "mnist", {"batch_size": 16}, device_type)
    assert record["hparams"]["batch_size"] == 16
    # the loss history the training plots read, and the speed the equivalence table compares
    history = pd.read_csv(tmp_path / "runs" / RUN / "history.csv").to_dict("records")
    assert [row["step"] for row in record["history"]] == [row["step"] for row in history]
    assert record["history"] and record["history"][-1]["step"] == 30
    # 30 steps of 16 images over the training time (the probe's time is in neither)
    assert record["images_per_second"] == pytest.approx(30 * 16 / record["train_seconds"], rel=0.5)
    assert record["versions"]["python"] == platform.python_version()
    assert "torch" in record["versions"]
    steps = list(curve_steps(30, CHEAP_POINTS))  # a smoke run's curve is the cheap one
    assert record["curve_protocol"] == {"samples": 200, "bank_seed": 20_000, "steps": steps}
    assert record["curve_setting"] == "cheap"
    assert [point["step"] for point in record["curve"]] == steps
    assert "fid" in record["curve"][-1] and record["curve_seconds"] > 0
    saved = checkpoints.read(tmp_path / "runs" / RUN)
    assert record["curve_seconds"] == round(saved["curve"]["seconds"], 2)  # the probe's own total
    # real train against test at the evaluation's sample count (200, so 20 per class)
    floors = {**quality_floor("mnist", num_samples=200), **intra_class_floor("mnist", per_class=20)}
    assert record["floors"] == floors
    assert record["eval_seconds"] == 3.46
    # the evaluation's own details, and the options it was given (the stand-in echoes them)
    assert record["details"] == {
        "run_dir": str(tmp_path / "runs" / RUN),
        "root": None,
        "num_samples": 200,
        "inception": False,
        "inception_weights": None,
        "draw": "smoke",  # the smoke budget's disentanglement draw
    }


@pytest.mark.parametrize(
    ("model", "dataset", "own"),
    [("cgan", "mnist", {"num_cat": 0}), ("gan", "dsprites", {"noise_dim": 5, "batch_size": 64})],
)
def test_the_record_holds_the_hyperparameters_of_its_model_and_dataset(
    model, dataset, own, tmp_path, synthetic_runs, monkeypatch
):
    """A model's and a dataset's own defaults reach the record (for gan on MNIST they are the
    common ones, so a record built for the wrong model or dataset would look the same)."""
    from gan_zoo.config import hparams_for

    if dataset == "dsprites":  # 64 x 64 unlabelled images shaped like dSprites
        images = torch.randint(0, 2, (256, 1, 64, 64), dtype=torch.uint8) * 255
        data = ImageDataset("dsprites", "train", images, None, 0, "synthetic dSprites shape")
        _serve(monkeypatch, dataset=lambda name, root: data)
    argv = ["--models", model, "--dataset", dataset, "--budget", "smoke", "--no-progress"]
    argv += ["--num-samples", "200"]  # the curve's points judged on 200 samples, not 10,000
    assert main([*argv, "--out", str(tmp_path), "--set", "lr_d=1e-4"]) == 0
    (path,) = (tmp_path / "records").glob("*.json")
    record = json.loads(path.read_text())
    device_type = record["device"].split(":")[0]
    assert record["hparams"] == hparams_for(model, dataset, {"lr_d": "1e-4"}, device_type)
    assert own.items() <= record["hparams"].items()


def test_data_root_reaches_the_training_data_the_judge_and_the_evaluation(
    tmp_path, synthetic_runs, monkeypatch, real_data_root
):
    """With --data-root and no GAN_ZOO_DATA, the curve and the floors still find the judge's
    data, and the evaluation gets the root and the Inception weights it was given."""
    monkeypatch.delenv("GAN_ZOO_DATA")
    roots: list[str | None] = []
    stand_in = benchmarks.runner.execute.SERVICES.dataset
    _serve(monkeypatch, dataset=lambda name, root: (roots.append(root), stand_in(name, root))[1])
    weights = str(tmp_path / "pt_inception.pth")
    argv = [*FAST, "--out", str(tmp_path), "--data-root", str(real_data_root)]
    assert main([*argv, "--inception-weights", weights]) == 0
    record = _record(tmp_path)
    assert record["status"] == "complete", record.get("error")
    assert roots and set(roots) == {str(real_data_root)}
    assert len(record["curve"]) == len(record["curve_protocol"]["steps"])
    assert record["floors"]
    assert (record["details"]["root"], record["details"]["inception_weights"]) == (
        str(real_data_root),
        weights,
    )


def test_a_rerun_that_only_evaluates_keeps_the_training_time_on_record(
    tmp_path, synthetic_runs, monkeypatch, counted, checkpoints
):
    """A run whose training finished but whose evaluation failed is evaluated again without
    training; its record keeps the training time even where the checkpoint does not hold it
    (checkpoints written before the elapsed time was stored)."""
    stand_in = benchmarks.runner.execute.SERVICES.evaluate

    def evaluation_crashes(*args, **kwargs):
        raise RuntimeError("evaluation crashed")

    _serve(monkeypatch, evaluate=evaluation_crashes)
    assert main([*FAST, "--out", str(tmp_path)]) == 1
    failed = _record(tmp_path)
    assert failed["status"] == "failed" and failed["train_seconds"] > 0

    run_dir = tmp_path / "runs" / RUN
    ckpt = checkpoints.read(run_dir)
    assert ckpt["status"] == "complete"
    del ckpt["elapsed"]  # as an older checkpoint has it
    checkpoints.write(run_dir, ckpt)

    _serve(monkeypatch, evaluate=stand_in, callbacks=(counted,))
    assert main([*FAST, "--out", str(tmp_path)]) == 0
    record = _record(tmp_path)
    assert counted == [] and synthetic_runs == [0]  # evaluated again, not trained again
    assert record["status"] == "complete"
    assert record["train_seconds"] == failed["train_seconds"]


def test_force_forgets_the_old_checkpoints_and_history_of_a_run_that_never_completed(
    tmp_path, synthetic_runs, monkeypatch
):
    """With no complete result to keep, the old run's history.csv must not sit beside the new
    run's failed record."""
    from gan_zoo.train.checkpoints import CheckpointFiles

    with monkeypatch.context() as scoped:
        _serve(scoped, callbacks=(_at_step(20, _kill(signal.SIGINT)),))
        assert main([*FAST, "--out", str(tmp_path)]) == 130
    run_dir = tmp_path / "runs" / RUN
    files = CheckpointFiles(run_dir)
    assert files.current.exists() and (run_dir / "history.csv").exists()

    def crash(*args, **kwargs):
        raise RuntimeError("boom before the first checkpoint")

    _serve(monkeypatch, train=crash)
    assert main([*FAST, "--out", str(tmp_path), "--force"]) == 1
    assert _record(tmp_path)["status"] == "failed"
    assert not files.exists() and not (run_dir / "history.csv").exists()


def test_a_run_another_process_finished_while_this_one_planned_is_not_run_again(
    tmp_path, synthetic_runs, monkeypatch, counted
):
    """Between the first look at the records and taking the run's lock, another process may
    have completed the run and released the lock: its record stands, nothing is retrained."""
    from benchmarks.records import write_record
    from benchmarks.runner.execute import execute_run
    from benchmarks.runner.run_lock import RunLock

    spec = _spec()
    done = {"run_id": spec.run_id, "status": "complete", "metrics": {"fid": 1.0}}

    class FinishedMeanwhile(RunLock):
        def __enter__(self):
            write_record(tmp_path, done)  # the other process's last act before releasing
            return super().__enter__()

    _serve(monkeypatch, callbacks=(counted,))
    monkeypatch.setattr(benchmarks.runner.execute, "RunLock", FinishedMeanwhile)
    assert execute_run(spec, tmp_path, progress=False) == {**done, "skipped": True}
    assert counted == [] and synthetic_runs == []
    assert _record(tmp_path, spec.run_id) == done


# --- a disk that fills up ----------------------------------------------------------------------


@pytest.mark.parametrize("site", [CHECKPOINT, "history.csv", "mnist__gan__smoke"])
def test_a_full_disk_at_a_write_stops_the_plan_in_one_line_exit_74_keeping_the_last_file(
    tmp_path, synthetic_runs, monkeypatch, capsys, site, checkpoints
):
    """The disk fills at the second checkpoint, the history or the record: one line naming the
    file and ENOSPC, exit 74, the previous good file whole, no failed record in its place; once
    there is space again the same command finishes the run."""
    from gan_zoo import io

    real = io.os.fsync
    calls = {"n": 0}

    def full_at(fd):
        name = os.readlink(f"/proc/self/fd/{fd}")
        if site in os.path.basename(name):
            calls["n"] += 1
            if calls["n"] == 2 or site.startswith("mnist"):  # the second save; the record
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd)

    monkeypatch.setattr(io.os, "fsync", full_at)
    assert main([*FAST, "--out", str(tmp_path)]) == 74
    err = capsys.readouterr().err.strip().splitlines()
    # stage lines (curve points, timings) may come first; the refusal is one line, the last
    errors = [line for line in err if line.startswith("error:")]
    assert errors == err[-1:] and "No space left on device (ENOSPC)" in errors[0], err
    assert "Traceback" not in "\n".join(err)
    run_dir = tmp_path / "runs" / RUN
    if site == CHECKPOINT:
        assert f"cannot write {checkpoints.path(run_dir)}" in errors[0]
        assert checkpoints.read(run_dir)["step"] == 15  # the first checkpoint, whole
    assert not (tmp_path / "records").exists() or not any((tmp_path / "records").iterdir())

    monkeypatch.setattr(io.os, "fsync", real)  # space again
    assert main([*FAST, "--out", str(tmp_path)]) == 0
    assert _record(tmp_path)["status"] == "complete"


# --- a signal at each stage of a run, in a real process ----------------------------------------

#: what the rerun after a signal at each stage still has to do: the steps it trains (as the
#: probe prints them) and whether it evaluates
RERUN_WORK = {
    "planning": ("0..30 (30)", True),
    "training": ("15..30 (15)", True),
    "evaluation": ("none (0)", True),
    "record": ("none (0)", False),
}


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("stage", list(RERUN_WORK))
def test_a_signal_at_any_stage_exits_128_plus_it_and_the_rerun_finishes_the_work(
    tmp_path, stage, signame
):
    """Ctrl-C (SIGINT) or a scheduler's SIGTERM while the plan is made, during training, during
    the evaluation or as the record is written: no traceback, exit 130 or 143, a record that
    says what happened, and the same command then does only the work that is left."""
    signum = getattr(signal, signame)
    out = tmp_path / "out"
    victim = _probe(out, env={"PROBE_SIGNAL": f"{stage}:{signame}"})
    assert victim.returncode == 128 + signum, victim.stderr
    assert "Traceback" not in victim.stderr and "interrupted" in victim.stderr
    run_dir, record_file = out / "runs" / RUN, out / "records" / f"{RUN}.json"
    if stage == "planning":
        assert not run_dir.exists() and not record_file.exists()
    elif stage in ("training", "evaluation"):
        record = _record(out)
        assert (record["status"], record["signal"]) == ("interrupted", signum)
        steps = 15 if stage == "training" else 30
        assert record["steps"] == steps
        saved = torch.load(run_dir / "checkpoint.pt", weights_only=False)
        assert (saved["step"], saved["status"]) == (
            steps,
            "interrupted" if stage == "training" else "complete",
        )
    else:  # the evaluation finished; its record waits in the run folder
        assert not record_file.exists()
        kept = json.loads((run_dir / "result.json").read_text())
        assert kept["status"] == "complete" and kept["metrics"]["fid"] == 1.0

    rerun = _probe(out)
    assert rerun.returncode == 0, rerun.stderr
    trained, evaluates = RERUN_WORK[stage]
    assert f"probe: trained steps {trained}" in rerun.stderr
    assert ("probe: evaluated" in rerun.stderr) == evaluates
    record = _record(out)
    assert record["status"] == "complete" and record["metrics"]["fid"] == 1.0
    assert not (run_dir / "result.json").exists()


# --- a disk that fills up, on a real small file system ------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """``small_disk(size)``: a tmpfs of that size (CI runs as root), unmounted after the test;
    the test is skipped, with the reason, where mounting is refused."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        disk = tmp_path / f"disk-{size}"
        disk.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip() or 'refused'}")
        mounted.append(disk)
        return disk

    yield mount
    for disk in mounted:
        subprocess.run(["umount", "-l", str(disk)], check=False)


#: a smoke gan checkpoint (batch 16) is 159 MB: two fit in 400 MB, the filler takes the rest
ROOM_FOR_TWO = "400m"


def test_a_disk_that_fills_during_training_stops_in_one_line_and_the_rerun_resumes(
    tmp_path, small_disk
):
    """GAN_ZOO_RUNS on a small file system that fills after the first checkpoint: the second
    save is refused in one line naming the file (exit 74), checkpoint.pt still holds step 15,
    and once there is room again the same command resumes from step 15 and completes."""
    disk = small_disk(ROOM_FOR_TWO)
    out, filler = tmp_path / "out", disk / "filler"
    env = {"GAN_ZOO_RUNS": str(disk), "PROBE_FILL": str(filler)}
    victim = _probe(out, env=env)
    assert victim.returncode == 74, victim.stderr
    error = [line for line in victim.stderr.splitlines() if line.startswith("error:")]
    checkpoint = disk / RUN / "checkpoint.pt"
    assert len(error) == 1 and "Traceback" not in victim.stderr
    assert f"cannot write {checkpoint}: No space left on device (ENOSPC)" in error[0]
    assert torch.load(checkpoint, weights_only=False)["step"] == 15
    assert not (out / "records" / f"{RUN}.json").exists()

    filler.unlink()
    env.pop("PROBE_FILL")
    rerun = _probe(out, env=env)
    assert rerun.returncode == 0, rerun.stderr
    assert "probe: trained steps 15..30 (15)" in rerun.stderr
    assert _record(out)["status"] == "complete"


def test_a_disk_too_small_for_two_checkpoints_is_refused_before_the_first_step(
    tmp_path, small_disk
):
    """A 3 MB file system: found before training, not at the first checkpoint with torch's
    'unexpected pos' error and a chained traceback."""
    disk = small_disk("3m")
    victim = _probe(tmp_path / "out", env={"GAN_ZOO_RUNS": str(disk)})
    assert victim.returncode == 74, victim.stderr
    error = [line for line in victim.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "Traceback" not in victim.stderr
    assert f"not enough space in {disk / RUN}" in error[0] and "two checkpoints" in error[0]
    assert "probe: trained steps none (0)" in victim.stderr


# --- --force and the last good result -----------------------------------------------------------


def test_force_over_a_complete_record_keeps_it_when_the_rerun_fails(
    tmp_path, synthetic_runs, monkeypatch, capsys, caplog
):
    """The forced rerun's evaluation fails: the complete record, its checkpoints, history and
    samples are all still there, and the runner says where; a forced rerun that completes then
    replaces them."""
    assert main([*FAST, "--out", str(tmp_path)]) == 0
    run_dir = tmp_path / "runs" / RUN
    before = {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()}
    record = _record(tmp_path)
    assert {"checkpoint.pt", "checkpoint.prev.pt", "history.csv"} <= set(before)

    def failing_evaluation(*args, **kwargs):
        raise RuntimeError("the judge broke")

    _serve(monkeypatch, evaluate=failing_evaluation)
    capsys.readouterr()
    with caplog.at_level(logging.WARNING, logger="benchmarks.runner.kept_result"):
        assert main([*FAST, "--out", str(tmp_path), "--force"]) == 1
    captured = capsys.readouterr()
    assert _record(tmp_path) == record
    assert {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()} == before
    assert not (run_dir / "previous").exists()
    said = [r.getMessage() for r in caplog.records if r.name == "benchmarks.runner.kept_result"]
    assert f"stays in {tmp_path / 'records' / (RUN + '.json')}" in said[0]
    assert "the previous complete record" in captured.out and "is kept" in captured.out

    evaluated = []
    _serve(monkeypatch, evaluate=lambda *a, **k: (evaluated.append(1), ({"fid": 3.0}, {}))[1])
    assert main([*FAST, "--out", str(tmp_path), "--force"]) == 0
    assert _record(tmp_path)["metrics"] == {"fid": 3.0} and evaluated == [1]
    assert not (run_dir / "previous").exists()


def test_ctrl_c_during_a_forced_rerun_is_resumed_by_the_same_command_and_undone_by_a_plain_one(
    tmp_path, synthetic_runs, monkeypatch, counted, checkpoints, capsys
):
    """The runner says "run the same command again to resume", --force included: the rerun
    goes on from its checkpoint while the previous complete record stands; a plain run instead
    puts the previous result back, byte for byte; a rerun stamped with other settings starts
    over."""
    assert main([*FAST, "--out", str(tmp_path)]) == 0
    run_dir = tmp_path / "runs" / RUN
    record, files = _record(tmp_path), _files(run_dir)

    def interrupted_rerun() -> None:
        before = _record(tmp_path)
        _serve(monkeypatch, callbacks=(_at_step(20, _kill(signal.SIGINT)),))
        assert main([*FAST, "--out", str(tmp_path), "--force"]) == 130
        assert "run the same command again to resume" in capsys.readouterr().err
        assert _record(tmp_path) == before
        assert checkpoints.read(run_dir)["step"] == 20  # saved where the signal stopped it

    interrupted_rerun()
    assert main([*FAST, "--out", str(tmp_path)]) == 0  # plain: the previous result is back
    assert _record(tmp_path) == record and _files(run_dir) == files

    interrupted_rerun()
    _serve(monkeypatch, callbacks=(counted,))
    assert main([*FAST, "--out", str(tmp_path), "--force"]) == 0
    assert counted == list(range(20, 30))
    resumed = _record(tmp_path)
    assert resumed["status"] == "complete" and resumed["resumed_from_step"] == 20
    assert not (run_dir / "previous").exists() and not (run_dir / "forced_rerun.json").exists()

    interrupted_rerun()
    (run_dir / "forced_rerun.json").write_text('{"identity": "as if a default had changed"}')
    counted.clear()
    _serve(monkeypatch, callbacks=(counted,))
    assert main([*FAST, "--out", str(tmp_path), "--force"]) == 0
    assert counted == list(range(30)) and "resumed_from_step" not in _record(tmp_path)


def test_ctrl_c_during_a_forced_run_that_never_completed_is_resumed_by_the_same_command(
    tmp_path, synthetic_runs, monkeypatch, counted, checkpoints, capsys
):
    """With no complete result to keep, --force still starts the run over, but once: the same
    --force command after a Ctrl-C goes on from the checkpoint, as the runner says, instead of
    throwing the partial rerun away."""
    _serve(monkeypatch, callbacks=(_at_step(10, _kill(signal.SIGINT)),))
    assert main([*FAST, "--out", str(tmp_path)]) == 130  # a plain run, never completed
    _serve(monkeypatch, callbacks=(counted, _at_step(20, _kill(signal.SIGINT))))
    assert main([*FAST, "--out", str(tmp_path), "--force"]) == 130
    assert counted == list(range(20))  # --force started over: the plain run's steps went
    assert "run the same command again to resume" in capsys.readouterr().err
    counted.clear()
    _serve(monkeypatch, callbacks=(counted,))
    assert main([*FAST, "--out", str(tmp_path), "--force"]) == 0
    assert counted == list(range(20, 30))
    resumed = _record(tmp_path)
    assert resumed["status"] == "complete" and resumed["resumed_from_step"] == 20
    assert not (tmp_path / "runs" / RUN / "forced_rerun.json").exists()


# --- nothing on disk taken on trust (issue 35) ------------------------------------------------


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative name -> bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_sigkill_during_a_forced_rerun_then_a_plain_rerun_leaves_the_old_result_byte_identical(
    tmp_path,
):
    """A forced rerun killed where no ``finally`` runs: the next invocation finds the journal
    (``previous/``) and puts the complete result's files back before it decides anything."""
    out = tmp_path / "out"
    assert _probe(out).returncode == 0
    record_file, run_dir = out / "records" / f"{RUN}.json", out / "runs" / RUN
    record_before, files_before = record_file.read_bytes(), _files(run_dir)

    victim = _probe(out, "--force", kill=True)
    assert victim.returncode == -9, victim.stderr  # SIGKILL at the rerun's step-15 checkpoint
    assert (run_dir / "previous").is_dir()

    plain = _probe(out)
    assert plain.returncode == 0, plain.stderr
    assert "probe: trained steps none (0)" in plain.stderr
    assert "probe: evaluated" not in plain.stderr
    assert record_file.read_bytes() == record_before
    assert _files(run_dir) == files_before


def test_a_checkpoint_whose_unpickling_would_run_code_is_refused_in_place_with_no_step_trained(
    tmp_path, synthetic_runs, counted, monkeypatch, capsys
):
    """Refused in one line naming it (the run fails: exit 1), never renamed ``*.corrupt``
    and never replaced by retraining from step 0."""
    from test_io import CallsBlockedModule

    run_dir = tmp_path / "runs" / RUN
    run_dir.mkdir(parents=True)
    marker = tmp_path / "code-ran"
    hostile = run_dir / CHECKPOINT
    torch.save({"step": 5, "model": CallsBlockedModule(marker)}, hostile)
    planted = hostile.read_bytes()
    _serve(monkeypatch, callbacks=(counted,))
    assert main([*FAST, "--out", str(tmp_path)]) == 1
    record = _record(tmp_path)
    assert record["status"] == "failed" and record["error"].startswith(f"refused {hostile}")
    assert "\n" not in record["error"] and f"refused {hostile}" in capsys.readouterr().out
    assert counted == [] and synthetic_runs == [] and not marker.exists()
    assert hostile.read_bytes() == planted
    assert not list(run_dir.glob("*.corrupt"))


def test_a_result_json_that_names_no_config_and_checkpoint_is_not_recorded(
    tmp_path, synthetic_runs, counted, monkeypatch
):
    """A copied or hand-made run folder holding only a ``result.json`` proves nothing: the run
    trains and is evaluated, and the hand-made numbers never become a record."""
    run_dir = tmp_path / "runs" / RUN
    run_dir.mkdir(parents=True)
    options = {"num_samples": 200, "inception": False, "inception_weights": None}
    made_up = {"run_id": RUN, "status": "complete", "metrics": {"fid": 0.001}, "steps": 30}
    (run_dir / "result.json").write_text(json.dumps({**made_up, "evaluation_options": options}))
    _serve(monkeypatch, callbacks=(counted,))
    assert main([*FAST, "--out", str(tmp_path)]) == 0
    record = _record(tmp_path)
    assert record["metrics"]["fid"] == 10.0  # the stand-in evaluation's, not 0.001
    assert len(counted) == 30 and synthetic_runs == [0]
    assert record["checkpoint_digest"] and record["config_digest"]
