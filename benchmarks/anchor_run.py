"""``python -m benchmarks.anchor_run``: the InfoGAN-CR anchor on a GPU, window after window.

Trains ``infogan`` and ``infogan_noinfo`` x 3 seeds on dSprites at the ``anchor`` budget
(322,560 steps, a checkpoint every 2,000), each family's seeds fused (``--fuse 3``) and
replayed as CUDA graphs (``cuda_graph=1``), through the ordinary runner (``benchmarks.run``),
which resumes every run from its folder. One command is one window:

1. ``--resume-from ARCHIVE``: the last window's archive is unpacked into ``--out`` first;
2. the runner trains; ``--reserve`` seconds before ``--time-limit`` it is sent SIGTERM, on
   which every run saves its checkpoint (as at Ctrl-C); it has two thirds of the reserve to
   exit, then it is killed and its runs keep their last 2,000-step checkpoint;
3. records, run folders, the window's log and a summary (``anchor.json``) are packed into
   ``--pack`` (``benchmarks.reporting.anchor_archive``).

Exit 0 when every run is complete, 75 when stopped at the time limit (run again with
``--resume-from`` the archive), otherwise the runner's own code (2 refused, 1 a run failed).

A command of its own rather than a part of the CUDA check: the check's parts are bounded
measurements with a verdict each, within minutes; this is one long job whose state travels
between windows in an archive.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from benchmarks.cli import refused
from benchmarks.reporting.anchor_archive import LOG, RECORDS, SUMMARY, pack, unpack
from gan_zoo.errors import ConfigError, GanZooError
from gan_zoo.io import atomic_write_json
from gan_zoo.train.stop_signals import Terminated, exit_code, sigterm_raises

#: the runner this command drives (the tests put a stand-in here)
RUNNER: tuple[str, ...] = (sys.executable, "-m", "benchmarks.run")
#: stopped at the time limit, not finished: run again (sysexits' EX_TEMPFAIL, as the runner)
STOPPED = 75


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.anchor_run",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--out", type=Path, required=True, help="results folder (records/, runs/)")
    p.add_argument("--pack", type=Path, default=None, help="archive to write at the end (.tgz)")
    p.add_argument("--resume-from", type=Path, default=None, help="archive of the last window")
    p.add_argument(
        "--time-limit", type=float, default=None, help="seconds this window may take in all"
    )
    p.add_argument(
        "--reserve",
        type=float,
        default=180.0,
        help="seconds before the limit when training is stopped (to save and pack)",
    )
    p.add_argument("--models", default="infogan,infogan_noinfo")
    p.add_argument("--dataset", default="dsprites")
    p.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1, fused as one per family")
    p.add_argument("--budget", default="anchor")
    p.add_argument("--device", default="cuda")
    p.add_argument("--eager", action="store_true", help="no CUDA graphs (cuda_graph=0)")
    p.add_argument(
        "--jobs", type=int, default=2, help="families trained at once (one process each)"
    )
    p.add_argument("--num-samples", type=int, default=10_000, help="samples per evaluation")
    p.add_argument("--data-root", default=None)
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    return p


def runner_argv(args: argparse.Namespace) -> list[str]:
    """The runner's command line for this window (the same every window, so it resumes)."""
    argv = [
        *("--models", args.models, "--dataset", args.dataset, "--seeds", str(args.seeds)),
        *("--budget", args.budget, "--fuse", str(args.seeds), "--device", args.device),
        *("--jobs", str(args.jobs), "--num-samples", str(args.num_samples)),
        *("--out", str(args.out), "--no-progress"),
        *("--set", f"cuda_graph={0 if args.eager else 1}"),
    ]
    if args.data_root is not None:
        argv += ["--data-root", args.data_root]
    for override in args.overrides:
        argv += ["--set", override]
    return argv


def check_args(args: argparse.Namespace) -> None:
    if args.seeds < 1 or args.jobs < 1:
        raise ConfigError("--seeds and --jobs must be at least 1")
    if args.time_limit is not None and not 0 < args.reserve < args.time_limit:
        raise ConfigError("--reserve must be positive and less than --time-limit")
    if args.pack is not None:
        from benchmarks.run import check_writable

        check_writable(args.pack.parent, "--pack")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.monotonic()
    try:
        check_args(args)
        from benchmarks.runner.execute import runs_root

        runs = runs_root(args.out)
        if args.resume_from is not None:
            held = unpack(args.resume_from, args.out, runs)
            print(f"resuming {len(held)} run folder(s) from {args.resume_from}", flush=True)
    except GanZooError as exc:
        return refused(exc)
    args.out.mkdir(parents=True, exist_ok=True)
    command = runner_argv(args)
    limit = None if args.time_limit is None else started + args.time_limit
    code, stopped = train_window(command, args.out / LOG, limit, args.reserve)
    summary = write_summary(args.out, command, code, stopped, time.monotonic() - started)
    if args.pack is not None:
        held = pack(args.out, runs, args.pack)
        print(f"packed {len(held)} run folder(s) and the records into {args.pack}", flush=True)
    for run_id, run in sorted(summary["runs"].items()):
        print(f"  {run_id}: {run['status']} at step {run['steps']}", flush=True)
    if code == 0:
        return 0
    if stopped:
        resume = f" --resume-from {args.pack}" if args.pack is not None else ""
        print(f"stopped at the time limit; continue with the same command{resume}", flush=True)
        return STOPPED
    return code


def train_window(
    command: list[str], log_path: Path, limit: float | None, reserve: float
) -> tuple[int, bool]:
    """Run the runner until it ends or ``reserve`` s before ``limit`` (a monotonic time); its
    output goes to this terminal and to ``log_path``. Returns its exit code and whether this
    window stopped it. A SIGTERM or Ctrl-C to this command is passed on to it the same way."""
    with log_path.open("a") as log, sigterm_raises():
        log.write(f"\n# {_now()}: {' '.join([*RUNNER, *command])}\n")
        proc = subprocess.Popen(
            [*RUNNER, *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # a terminal's Ctrl-C reaches it once, from here
        )
        tee = threading.Thread(target=_tee, args=(proc.stdout, log), daemon=True)
        tee.start()
        stopped = False
        try:
            timeout = None if limit is None else max(0.0, limit - reserve - time.monotonic())
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stopped = True
            _stop(proc, signal.SIGTERM, grace=reserve * 2 / 3)
        except (KeyboardInterrupt, Terminated) as exc:
            signum = signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT
            _stop(proc, signum, grace=reserve * 2 / 3)
            tee.join(timeout=5)
            return exit_code(signum=signum), False
        tee.join(timeout=5)
    return proc.returncode, stopped


def _stop(proc: subprocess.Popen, signum: int, grace: float) -> None:
    """Ask the runner to stop (it saves every run's checkpoint); kill it after ``grace`` s."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signum)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _tee(stream: IO[str], log: IO[str]) -> None:
    for line in stream:
        sys.stdout.write(line)
        sys.stdout.flush()
        log.write(line)
        log.flush()


def write_summary(
    out: Path, command: list[str], code: int, stopped: bool, seconds: float
) -> dict[str, Any]:
    """``anchor.json``: this window's command, outcome and time, and each run's status and
    step as its record says (a run killed before its record was written keeps the last one)."""
    runs = {}
    for path in sorted((out / RECORDS).glob("*.json")):
        with contextlib.suppress(OSError, ValueError):
            record = json.loads(path.read_text())
            runs[record["run_id"]] = {
                "status": record.get("status"),
                "steps": record.get("steps"),
                "resumed_from_step": record.get("resumed_from_step", 0),
            }
    summary = {
        "finished_at": _now(),
        "runner": [*RUNNER[1:], *command],
        "runner_exit": code,
        "stopped_at_time_limit": stopped,
        "window_seconds": round(seconds, 1),
        "runs": runs,
    }
    atomic_write_json(out / SUMMARY, summary)
    return summary


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


if __name__ == "__main__":
    sys.exit(main())
