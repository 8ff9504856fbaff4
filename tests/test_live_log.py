"""Live logs: ``--log tensorboard`` read back after a run killed and resumed, ``--log`` refusing
what it cannot do before any training, and nothing of it loaded without the option."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.run import main

ROOT = Path(__file__).resolve().parent.parent
FAST = [
    *("--models", "gan", "--budget", "smoke", "--no-progress", "--set", "batch_size=16"),
    *("--num-samples", "200"),
]
RUN = "mnist__gan__smoke__seed0__"


def probe(out: Path, *extra: str, kill: bool = False, code: str | None = None):
    """The runner's CLI in a subprocess on synthetic data (tests/cli_probe.py)."""
    env = {**os.environ, "PROBE_SYNTHETIC": "1", "OMP_NUM_THREADS": "1"}
    if kill:
        env["PROBE_KILL_AFTER_CHECKPOINT"] = "1"
    args = [*FAST, "--out", str(out), *extra]
    cmd = [sys.executable, str(ROOT / "tests" / "cli_probe.py"), *args]
    if code is not None:
        cmd = [sys.executable, "-c", code, *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def the_record(out: Path) -> dict:
    (path,) = (out / "records").glob("*.json")
    return json.loads(path.read_text())


#: a second Ctrl-C at step 20 leaves the step-15 checkpoint and five logged steps after it
CTRL_C_AT_20 = (
    "import runpy, sys\n"
    "from gan_zoo.train.trainer import Trainer\n"
    "real = Trainer.train_step\n"
    "def second_ctrl_c(self, total_steps=None):\n"
    "    if self.step == 20:\n"
    "        raise KeyboardInterrupt\n"
    "    return real(self, total_steps)\n"
    "Trainer.train_step = second_ctrl_c\n"
    "sys.argv = ['cli_probe.py', *sys.argv[1:]]\n"
    "runpy.run_path('tests/cli_probe.py', run_name='__main__')\n"
)


@pytest.mark.parametrize("stop", ["sigkill_after_checkpoint", "ctrl_c_5_steps_after_it"])
def test_tensorboard_log_of_an_interrupted_and_resumed_run_reads_back_as_one_run(tmp_path, stop):
    """Killed right after its step-15 checkpoint (what that step logs is lost) or stopped at
    step 20 without a save (steps 16-20 are logged twice): either way the log reads back as
    one run with every step once."""
    pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = tmp_path / "out"
    if stop == "sigkill_after_checkpoint":
        killed = probe(out, "--log", "tensorboard", kill=True)
        assert killed.returncode == -9, killed.stderr
    else:
        stopped = probe(out, "--log", "tensorboard", code=CTRL_C_AT_20)
        assert stopped.returncode == 130, stopped.stderr
    resumed = probe(out, "--log", "tensorboard")
    assert resumed.returncode == 0, resumed.stderr
    assert "probe: trained steps 15..30" in resumed.stderr
    record = the_record(out)
    folder = out / "runs" / record["run_id"] / "tensorboard"
    assert len(list(folder.glob("events.out.tfevents.*"))) == 2  # one file per session
    events = EventAccumulator(str(folder), size_guidance={"scalars": 0, "images": 0})
    events.Reload()
    # the losses of every history row, once each, equal to the record's
    history = record["history"]
    for key in ("loss_d", "loss_g"):
        logged = events.Scalars(f"train/{key}")
        assert [e.step for e in logged] == [int(row["step"]) for row in history]
        assert [e.value for e in logged] == pytest.approx([row[key] for row in history])
    # the curve metrics at each curve point, and a sample grid at each of those steps
    steps = record["curve_protocol"]["steps"]
    fid = events.Scalars("curve/fid")
    assert [e.step for e in fid] == steps
    assert [e.value for e in fid] == pytest.approx([p["fid"] for p in record["curve"]])
    grids = events.Images("samples")
    assert [e.step for e in grids] == steps
    assert grids[0].width == grids[0].height == 8 * 28 + 9  # 64 samples, 8 x 8 with padding


def test_without_log_nothing_changes_and_no_logger_is_imported(tmp_path):
    pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
    code = (
        "import runpy, sys\n"
        "sys.argv = ['cli_probe.py', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_path('tests/cli_probe.py', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'tensorboard', 'wandb'})\n"
        "print('loaded:', loaded)\n"
    )
    plain = probe(tmp_path / "plain", code=code)
    assert plain.returncode == 0, plain.stderr
    assert "loaded: []" in plain.stdout
    assert not list((tmp_path / "plain" / "runs").glob("*/tensorboard"))
    logged = probe(tmp_path / "logged", "--log", "tensorboard", code=code)
    assert "loaded: ['tensorboard']" in logged.stdout, logged.stderr
    # the live log leaves training exactly as it was (CPU runs are bit-for-bit reproducible)
    a, b = the_record(tmp_path / "plain"), the_record(tmp_path / "logged")
    assert a["history"] == b["history"]
    untimed = [
        [{k: v for k, v in p.items() if k != "train_seconds"} for p in r["curve"]] for r in (a, b)
    ]
    assert untimed[0] == untimed[1]


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("wandb", "--log wandb needs the wandb package: pip install 'gan-zoo[wandb]'"),
        (
            "tensorboard",
            "--log tensorboard needs the tensorboard package: pip install 'gan-zoo[tensorboard]'",
        ),
        ("mlflow", "--log mlflow: unknown logger (choose from tensorboard, wandb)"),
    ],
)
def test_a_logger_that_cannot_run_is_one_line_exit_2_before_training(
    value, said, tmp_path, capsys, monkeypatch
):
    for module in ("wandb", "tensorboard"):
        monkeypatch.setitem(sys.modules, module, None)  # as if the extra were not installed
    assert main([*FAST, "--log", value, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {said}"
    assert not (tmp_path / "out").exists()  # refused before anything was written or trained


def test_wandb_without_network_or_key_logs_offline_under_the_run_id(tmp_path, monkeypatch):
    pytest.importorskip("wandb", reason="the wandb extra is not installed")
    for name in ("WANDB_MODE", "WANDB_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.netrc: no credentials
    out = tmp_path / "out"
    done = probe(out, "--log", "wandb")
    assert done.returncode == 0, done.stderr
    record = the_record(out)
    (run,) = (out / "runs" / record["run_id"] / "wandb").glob("offline-run-*")
    assert run.name.endswith(record["run_id"])  # the W&B run's id is the run id
    grids = list((run / "files" / "media" / "images").glob("samples_*.png"))
    assert len(grids) == len(record["curve_protocol"]["steps"])  # one per curve step
