"""The anchor's window command (``python -m benchmarks.anchor_run``): the runner command it
drives, a window stopped at its time limit and packed, and an archive resumed in a fresh
folder where the ordinary resume continues each run at its archived step.

On the CPU: the runner's CLI on synthetic data (tests/cli_probe.py), eager, the smoke budget;
the time limit with a stand-in runner, so no test waits on training to be cut.
"""

from __future__ import annotations

import json
import sys
import tarfile
import time
from pathlib import Path

import pytest

from benchmarks import anchor_run
from benchmarks.reporting.anchor_archive import checkpoint_step
from benchmarks.run import main as run_main
from gan_zoo.config import BUDGETS

ROOT = Path(__file__).resolve().parent.parent
#: the CPU stand-in for a window: two seeds of each family, fused, eager, 30 steps
SMOKE = [
    *("--dataset", "mnist", "--budget", "smoke", "--device", "cpu", "--eager"),
    *("--seeds", "2", "--jobs", "1", "--num-samples", "200", "--set", "batch_size=16"),
]
#: a runner that trains until SIGTERM, then saves a file in a run folder and exits 143
STAND_IN = (
    "import pathlib, signal, sys, time\n"
    "out = pathlib.Path(sys.argv[sys.argv.index('--out') + 1])\n"
    "def stop(*_):\n"
    "    run = out / 'runs' / 'r1'\n"
    "    run.mkdir(parents=True, exist_ok=True)\n"
    "    (run / 'saved.txt').write_text('saved')\n"
    "    print('saved on SIGTERM', flush=True)\n"
    "    sys.exit(143)\n"
    "signal.signal(signal.SIGTERM, stop if 'obey' in sys.argv[-1] else signal.SIG_IGN)\n"
    "print('training', flush=True)\n"
    "time.sleep(120)\n"
)


def names(archive: Path) -> set[str]:
    with tarfile.open(archive) as tar:
        return set(tar.getnames())


def records(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in (out / "records").glob("*.json")}


def test_the_command_is_both_families_three_seeds_fused_graphed_at_the_anchor_budget(capsys):
    args = anchor_run.build_parser().parse_args(["--out", "x"])
    argv = anchor_run.runner_argv(args)
    text = " ".join(argv)
    assert "--models infogan,infogan_noinfo --dataset dsprites --seeds 3" in text
    assert "--budget anchor --fuse 3 --device cuda" in text and "cuda_graph=1" in text
    anchor = BUDGETS["anchor"]
    assert (anchor.steps, anchor.checkpoint_every) == (322_560, 2000)
    # the runner plans six runs from it (a dry run plans without a GPU)
    dry = [a if a != "cuda" else "cpu" for a in argv]
    assert run_main([*dry, "--dry-run"]) == 0
    planned = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert len(planned) == 6 and all(r.startswith("dsprites__infogan") for r in planned)


@pytest.mark.parametrize("runner", ["obey", "ignore"])
def test_a_window_at_its_time_limit_stops_the_runner_packs_and_exits_75(
    tmp_path, monkeypatch, capsys, runner
):
    """SIGTERM ``--reserve`` s before the limit; a runner that ignores it is killed two thirds
    of the reserve later; either way the folder is packed and the command says to resume."""
    monkeypatch.setattr(anchor_run, "RUNNER", (sys.executable, "-c", STAND_IN))
    out, archive = tmp_path / "out", tmp_path / "back" / "anchor.tgz"
    argv = ["--out", str(out), "--pack", str(archive), "--time-limit", "5", "--reserve", "3"]
    start = time.monotonic()
    code = anchor_run.main([*argv, "--set", runner])
    assert time.monotonic() - start < 15
    assert code == anchor_run.STOPPED
    held = names(archive)
    assert {"anchor-log.txt", "anchor.json"} <= held
    assert ("runs/r1/saved.txt" in held) == (runner == "obey")
    summary = json.loads((out / "anchor.json").read_text())
    assert summary["stopped_at_time_limit"] and summary["runner_exit"] != 0
    assert "training" in (out / "anchor-log.txt").read_text()
    assert f"--resume-from {archive}" in capsys.readouterr().out


def test_bad_windows_are_refused_in_one_line_before_any_training(tmp_path, capsys):
    bad = tmp_path / "bad.tgz"
    bad.write_text("not an archive")
    for argv in (
        ["--resume-from", str(tmp_path / "missing.tgz")],
        ["--resume-from", str(bad)],
        ["--time-limit", "60", "--reserve", "60"],
    ):
        assert anchor_run.main(["--out", str(tmp_path / "out"), *argv]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("error: ")
    assert not (tmp_path / "out" / "records").exists()


def test_an_archive_resumed_in_a_fresh_folder_continues_each_run_at_its_step(
    tmp_path, monkeypatch, capsys
):
    """Window 1 is stopped by SIGTERM right after the step-15 checkpoint (of 30) of the first
    fused family; window 2 unpacks its archive in an empty folder and finishes every run, the
    first family resumed at 15, the second from the start. Unpacking that archive again over
    the finished runs is refused: it would throw steps away."""
    monkeypatch.setattr(
        anchor_run, "RUNNER", (sys.executable, str(ROOT / "tests" / "cli_probe.py"))
    )
    monkeypatch.setenv("PROBE_SYNTHETIC", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    first, second = tmp_path / "first", tmp_path / "second"
    archive, archive2 = tmp_path / "anchor1.tgz", tmp_path / "anchor2.tgz"

    monkeypatch.setenv("PROBE_SIGNAL", "training:SIGTERM")
    assert anchor_run.main(["--out", str(first), "--pack", str(archive), *SMOKE]) == 143
    cut = {k: r for k, r in records(first).items()}
    assert sorted(r["status"] for r in cut.values()) == ["interrupted", "interrupted"]
    assert {r["steps"] for r in cut.values()} == {15}
    held = names(archive)
    for run_id in cut:
        assert f"runs/{run_id}/checkpoint.pt" in held and f"records/{run_id}.json" in held
    assert not any(n.endswith((".lock", "checkpoint.prev.pt")) for n in held)

    monkeypatch.delenv("PROBE_SIGNAL")
    argv = ["--out", str(second), "--pack", str(archive2), "--resume-from", str(archive)]
    assert anchor_run.main([*argv, *SMOKE]) == 0
    done = records(second)
    assert len(done) == 4 and all(r["status"] == "complete" for r in done.values())
    assert all(r["steps"] == 30 for r in done.values())
    for run_id, record in done.items():
        assert record.get("resumed_from_step", 0) == (15 if run_id in cut else 0)
        assert checkpoint_step(second / "runs" / run_id) == 30
    assert len({n.split("/")[1] for n in names(archive2) if n.startswith("runs/")}) == 4
    capsys.readouterr()

    assert anchor_run.main(["--out", str(second), "--resume-from", str(archive), *SMOKE]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "past the archive's 15" in err
