"""The runner as users touch it: bad input, the run list, records, skipping and resuming."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.run import HELD, main
from benchmarks.runner.plan import RunSpec
from gan_zoo.train.checkpoints import CheckpointFiles

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--models", "wgan"], "unknown model 'wgan'"),
        (["--dataset", "cifar"], "unknown dataset 'cifar'"),
        (["--budget", "huge"], "unknown budget 'huge'"),
        (["--seeds", "three"], "--seeds expects"),
        (["--seeds", "0,0"], "--seeds expects"),
        (["--seeds", "0"], "one chosen seed is a one-item list such as 2,"),
        (["--set", "lr_g"], "--set expects key=value"),
        (["--set", "nope=1"], "unknown setting 'nope'"),
        (["--set", "lr_g=fast"], "expected a float"),
        (
            ["--set", "adv_loss=hinge"],
            "adv_loss='hinge' is not allowed: expected one of ns, minimax",
        ),
        (["--set", "batch_size=-5"], "batch_size=-5 is not allowed: expected an integer >= 1"),
        (["--device", "tpu"], "expected auto, cpu, cuda or cuda:N"),
        (["--executor", "nosuch"], "unknown --executor 'nosuch'; choose one of: local, ray"),
        (["--models", "sgan", "--dataset", "dsprites"], "sgan is not run on dsprites: a"),
        (["--budget", "anchor"], "budget 'anchor' is for dsprites only, not 'mnist'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(argv, fragment, tmp_path, capsys):
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_unwritable_out_is_refused(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["--models", "gan", "--out", str(blocker / "sub")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_all_models_on_dsprites_leave_sgan_out_and_say_why(capsys):
    assert main(["--models", "all", "--dataset", "dsprites", "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert [line.split("__")[1] for line in captured.out.splitlines()] == [
        "gan",
        "cgan",
        "acgan",
        "infogan",
        "infogan_noinfo",
    ]
    assert captured.err.startswith("note: left out of --models all: sgan is not run on dsprites")


def test_dry_run_lists_stable_run_ids(capsys):
    assert main(["--models", "infogan,stacked_gan", "--seeds", "2", "--dry-run"]) == 0
    lines = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert lines == [
        "mnist__infogan__paper__seed0",
        "mnist__sgan__paper__seed0",
        "mnist__infogan__paper__seed1",
        "mnist__sgan__paper__seed1",
    ]


def test_list_names_models_datasets_budgets_and_metrics(capsys):
    assert main(["--list"]) == 0
    text = capsys.readouterr().out
    for word in ("infogan_noinfo", "dsprites", "paper", "mig", "fid"):
        assert word in text


def _cli_env(data_root: Path, cache: Path) -> dict[str, str]:
    """The CLI's environment, built explicitly: module fixtures start before the autouse one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAN_ZOO_")}
    return {**env, "GAN_ZOO_DATA": str(data_root), "GAN_ZOO_CACHE": str(cache)}


def _cli(out: Path, device: str, *extra: str) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.run",
        "--models",
        "infogan",
        "--budget",
        "smoke",  # 30 steps, a checkpoint at step 15
        "--num-samples",
        "600",
        "--no-progress",
        "--device",
        device,
        "--out",
        str(out),
        *extra,
    ]
    for key, value in CLI_OVERRIDES:
        cmd += ["--set", f"{key}={value}"]
    return subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=CLI_ENV
    )


CLI_ENV: dict[str, str] = {}
#: bit-for-bit resume on CUDA needs deterministic kernels; the setting names the run (its id
#: carries the overrides' digest), so every device's CLI runs take it and share one id
CLI_OVERRIDES = (("deterministic", "1"),)
RUN_ID = RunSpec("infogan", "mnist", 0, "smoke", CLI_OVERRIDES).run_id


@pytest.fixture(scope="module", params=["cpu", "cuda"])
def cli_device(request) -> str:
    import torch

    if request.param == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine")
    return request.param


@pytest.fixture(scope="module")
def straight(cli_device: str, tmp_path_factory, real_data_root, session_cache) -> Path:
    """An uninterrupted smoke run through the CLI, for the interrupted ones to match."""
    CLI_ENV.clear()
    CLI_ENV.update(_cli_env(real_data_root, session_cache))
    out = tmp_path_factory.mktemp(f"straight-{cli_device}")
    proc = _cli(out, cli_device)
    _out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err
    return out


def _record(out: Path) -> dict:
    return json.loads((out / "records" / f"{RUN_ID}.json").read_text())


def _same_training(a: Path, b: Path, device: str) -> None:
    """Same final weights; on the CPU the evaluation is deterministic too, so same metrics."""
    import torch

    wa, wb = (
        torch.load(CheckpointFiles(out / "runs" / RUN_ID).current, weights_only=False)["model"]
        for out in (a, b)
    )
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    if device == "cpu":
        assert _record(a)["metrics"] == _record(b)["metrics"]


def _signal_mid_training(out: Path, device: str, signum: int) -> subprocess.Popen:
    """Start a run and send ``signum`` once its first checkpoint (step 15 of 30) exists."""
    victim = _cli(out, device)
    ckpt = CheckpointFiles(out / "runs" / RUN_ID).current
    while not ckpt.exists() and victim.poll() is None:
        time.sleep(0.01)
    if victim.poll() is not None:
        out, err = victim.communicate()
        pytest.fail(
            f"the run ended (exit {victim.returncode}) before its checkpoint {ckpt}:\n{out}{err}"
        )
    os.kill(victim.pid, signum)
    victim.communicate(timeout=600)
    return victim


def test_a_complete_run_is_recorded_then_skipped(straight, cli_device):
    record = _record(straight)
    assert record["status"] == "complete" and record["seed"] == 0
    assert record["device"] == cli_device
    assert {"fid", "li_bound_c1", "code_acc_c1", "posthoc_mi"} <= set(record["metrics"])
    assert sorted(record["details"]["matching_c1"], key=int) == [str(k) for k in range(10)]
    assert (straight / "runs" / RUN_ID / "samples.npz").exists()
    again = _cli(straight, cli_device)
    out2, _ = again.communicate(timeout=300)
    assert again.returncode == 0 and f"{RUN_ID}: skipped (complete)" in out2


def test_sigkill_mid_training_then_rerun_resumes_and_matches(straight, cli_device, tmp_path):
    import torch

    killed = tmp_path / "killed"
    _signal_mid_training(killed, cli_device, signal.SIGKILL)
    assert not (killed / "records" / f"{RUN_ID}.json").exists()
    saved = torch.load(CheckpointFiles(killed / "runs" / RUN_ID).current, weights_only=False)
    assert saved["status"] == "running" and 0 < saved["step"] < 30  # killed mid-training
    resumed = _cli(killed, cli_device)
    out, err = resumed.communicate(timeout=900)
    assert resumed.returncode == 0, err
    assert _record(killed)["resumed_from_step"] == saved["step"]
    assert f"(resumed from step {saved['step']})" in out
    _same_training(straight, killed, cli_device)


def test_sigterm_saves_records_interrupted_exits_143_and_resumes(straight, cli_device, tmp_path):
    """A scheduler's SIGTERM (Slurm preemption, Kubernetes) is handled like Ctrl-C."""
    term = tmp_path / "term"
    victim = _signal_mid_training(term, cli_device, signal.SIGTERM)
    assert victim.returncode == 128 + signal.SIGTERM
    record = _record(term)
    assert record["status"] == "interrupted" and record["signal"] == signal.SIGTERM
    assert 15 <= record["steps"] < 30
    resumed = _cli(term, cli_device)
    _, err = resumed.communicate(timeout=900)
    assert resumed.returncode == 0, err
    assert _record(term)["resumed_from_step"] == record["steps"]
    _same_training(straight, term, cli_device)


def test_a_run_held_by_another_process_is_skipped_and_not_written(tmp_path, capsys):
    from benchmarks.runner.run_lock import RunLock

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from benchmarks.runner.run_lock import RunLock\n"
            "with RunLock(sys.argv[1]):\n    print('held', flush=True); time.sleep(600)",
            str(tmp_path / "runs" / "mnist__gan__smoke__seed0.lock"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        argv = ["--models", "gan", "--budget", "smoke", "--device", "cpu", "--no-progress"]
        assert main([*argv, "--out", str(tmp_path)]) == HELD  # the plan is not complete
        captured = capsys.readouterr()
        assert f"skipped (being run by pid {holder.pid} on" in captured.out
        assert "left to the process that holds them" in captured.err
        assert not (tmp_path / "records").exists()
    finally:
        holder.kill()
        holder.wait()
    # the holder died without releasing anything by hand: its lock file is not stale
    with RunLock(tmp_path / "runs" / "mnist__gan__smoke__seed0.lock") as lock:
        assert lock.acquired


def test_a_malformed_record_is_one_line_naming_the_file_and_exit_2(tmp_path, capsys):
    from benchmarks.reporting import plots, tables
    from benchmarks.reporting.report import __main__ as report

    (tmp_path / "records").mkdir()
    bad = tmp_path / "records" / "mnist__gan__quick__seed0.json"
    bad.write_text('{"run_id": "mnist__gan__quick__seed0", "metrics": {')
    for tool in (tables, plots, report):
        assert tool.main(["--out", str(tmp_path)]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and str(bad) in err and "malformed record" in err


def test_compile_with_channels_last_on_cuda_is_refused_when_the_plan_is_made(tmp_path, capsys):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine")
    argv = ["--models", "gan", "--set", "compile=1", "--set", "channels_last=1"]
    argv += ["--device", "cuda", "--out", str(tmp_path)]
    assert main(argv) == 2
    assert "channels_last=0" in capsys.readouterr().err
    assert not tmp_path.joinpath("records").exists()


@pytest.mark.ray
def test_ray_executor_runs_two_smoke_runs(tmp_path, mnist_available):
    pytest.importorskip("ray", reason="the ray extra is not installed")
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        code = main(
            [
                "--models",
                "gan,cgan",
                "--budget",
                "smoke",
                "--num-samples",
                "500",
                "--executor",
                "ray",
                "--no-progress",
                "--out",
                str(tmp_path),
            ]
        )
    finally:
        ray.shutdown()
    assert code == 0
    recs = sorted(p.name for p in (tmp_path / "records").glob("*.json"))
    assert recs == ["mnist__cgan__smoke__seed0.json", "mnist__gan__smoke__seed0.json"]


def test_one_chosen_seed_is_a_one_item_list(capsys):
    assert main(["--models", "gan", "--seeds", "2,", "--dry-run"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == [
        "mnist__gan__paper__seed2"
    ]


def test_the_main_command_in_a_fresh_clone_prints_the_committed_headline_rows_at_once(
    tmp_path, capsys, mnist_available
):
    """The default budget is the headline's (paper), whose records are committed: nothing
    trains, the table is printed, Stacked GAN's still-rising row is marked, the report named."""
    import shutil
    from pathlib import Path

    out = tmp_path / "results"
    shutil.copytree(Path(__file__).resolve().parents[1] / "results" / "records", out / "records")
    assert main(["--models", "infogan,sgan", "--no-progress", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "mnist__infogan__paper__seed0: skipped (complete)" in text
    assert "mnist__sgan__paper__seed0: skipped (complete)" in text
    rows = {line.split()[0]: line for line in text.splitlines() if line.split()}
    assert "not converged" in rows["sgan"] and "not converged" not in rows["infogan"]
    assert "python -m benchmarks.report" in text
    assert not (out / "runs").exists()  # nothing was trained


# --- wrong paths and damaged data, before any work ----------------------------------------------

SMOKE = ["--models", "gan", "--budget", "smoke", "--device", "cpu", "--no-progress"]


@pytest.mark.parametrize(
    "where, fragment",
    [
        ("out", "--out /proc/gzout: cannot write in /proc"),
        ("runs", "GAN_ZOO_RUNS /proc/gzruns: cannot write in /proc"),
        ("cache", "GAN_ZOO_CACHE /proc/gzcache: cannot write in /proc"),
    ],
)
def test_a_folder_that_cannot_be_written_is_one_line_exit_2_before_any_work(
    tmp_path, monkeypatch, capsys, where, fragment
):
    """Root passes every permission check, so the folders are probed with a real file; /proc
    takes none. Before, --out /proc/gzout trained and evaluated and then lost the record."""
    out = tmp_path / "out"
    if where == "out":
        out = Path("/proc/gzout")
    elif where == "runs":
        monkeypatch.setenv("GAN_ZOO_RUNS", "/proc/gzruns")
    else:
        monkeypatch.setenv("GAN_ZOO_CACHE", "/proc/gzcache")
    assert main([*SMOKE, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and fragment in err, err
    assert not (tmp_path / "out").exists()


def test_a_missing_data_root_is_one_line_and_never_created(tmp_path, capsys):
    missing = tmp_path / "nonexistent"
    assert main([*SMOKE, "--out", str(tmp_path / "out"), "--data-root", str(missing)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"--data-root {missing} does not exist" in err
    assert not missing.exists()


def test_the_mnist_loader_never_creates_a_missing_data_root(tmp_path):
    from gan_zoo.data import load_dataset
    from gan_zoo.errors import DataError

    missing = tmp_path / "nonexistent"
    with pytest.raises(DataError, match="does not exist") as caught:
        load_dataset("mnist", "train", root=missing)
    assert str(missing / "MNIST" / "raw") in str(caught.value)  # where the files are expected
    assert not missing.exists()


def test_a_damaged_test_split_is_found_before_training(tmp_path, capsys, real_data_root):
    """A flipped byte in t10k-labels used to be found by the evaluation, after training."""
    raw = tmp_path / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"):
        (raw / name).symlink_to(real_data_root / "MNIST" / "raw" / name)
    labels = bytearray((real_data_root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").read_bytes())
    labels[100] ^= 1
    (raw / "t10k-labels-idx1-ubyte").write_bytes(bytes(labels))
    out = tmp_path / "out"
    assert main([*SMOKE, "--out", str(out), "--data-root", str(tmp_path / "data")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "t10k-labels-idx1-ubyte" in err, err
    assert not (out / "runs").exists() and not (out / "records").exists()
