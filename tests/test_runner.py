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

from benchmarks.run import main

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


def test_dry_run_lists_stable_run_ids(capsys):
    assert main(["--models", "infogan,stacked_gan", "--seeds", "2", "--dry-run"]) == 0
    lines = capsys.readouterr().out.split()
    assert lines == [
        "mnist__infogan__quick__seed0",
        "mnist__sgan__quick__seed0",
        "mnist__infogan__quick__seed1",
        "mnist__sgan__quick__seed1",
    ]


def test_list_names_models_datasets_budgets_and_metrics(capsys):
    assert main(["--list"]) == 0
    text = capsys.readouterr().out
    for word in ("infogan_noinfo", "dsprites", "paper", "mig", "fid"):
        assert word in text


def _cli(out: Path, *extra: str) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.run",
        "--models",
        "infogan",
        "--budget",
        "smoke",
        "--num-samples",
        "600",
        "--no-progress",
        "--out",
        str(out),
        *extra,
    ]
    return subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_records_skip_and_sigkill_resume_end_with_the_same_metrics(tmp_path, mnist_available):
    straight = tmp_path / "straight"
    proc = _cli(straight)
    _out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err
    record = json.loads((straight / "records" / "mnist__infogan__smoke__seed0.json").read_text())
    assert record["status"] == "complete" and record["seed"] == 0 and record["commit"]
    assert {"fid", "li_bound_c1", "code_acc_c1", "posthoc_mi"} <= set(record["metrics"])
    assert sorted(record["details"]["matching_c1"], key=int) == [str(k) for k in range(10)]
    assert (straight / "runs" / "mnist__infogan__smoke__seed0" / "samples.npz").exists()

    t0 = time.perf_counter()
    again = _cli(straight)
    out2, _ = again.communicate(timeout=300)
    assert again.returncode == 0 and "skipped" in out2
    assert time.perf_counter() - t0 < 60

    killed = tmp_path / "killed"
    victim = _cli(killed)
    ckpt = killed / "runs" / "mnist__infogan__smoke__seed0" / "checkpoint.pt"
    deadline = time.time() + 600
    while not ckpt.exists() and victim.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    victim.communicate()
    assert not (killed / "records" / "mnist__infogan__smoke__seed0.json").exists()
    resumed = _cli(killed)
    _, err3 = resumed.communicate(timeout=900)
    assert resumed.returncode == 0, err3
    again_rec = json.loads((killed / "records" / "mnist__infogan__smoke__seed0.json").read_text())
    assert again_rec["metrics"] == record["metrics"]


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
    assert capsys.readouterr().out.split() == ["mnist__gan__quick__seed2"]
