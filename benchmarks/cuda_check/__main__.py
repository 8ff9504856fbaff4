"""``python -m benchmarks.cuda_check --report PATH``: the GPU path, proven in one command.

Runs each part of ``parts.py`` (the ``[cuda]`` tests, kill-and-resume on CUDA, the speed
comparisons, dSprites steps/s, ``--jobs`` throughput, the CUDA benchmark checks) under its own
time limit, at most ``--total-seconds`` in all (8 minutes by default, for one H100/H200),
printing each verdict as it finishes and rewriting ``PATH`` (.json, and .md beside it) after
each part. Exit 0 when every part passed, 1 otherwise, 2 for bad input or a machine without CUDA.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from benchmarks.cuda_check.harness import Report, run_check
from benchmarks.cuda_check.parts import cuda_parts, select

REPO_ROOT = Path(__file__).resolve().parents[2]


def environment(device: str) -> dict:
    """The GPU, the versions and the commit the report speaks for."""
    import torch

    from benchmarks.environment import git_commit, versions

    return {
        "gpu": torch.cuda.get_device_name(device),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "commit": git_commit(),
        "versions": versions(),
        "device": device,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.cuda_check", description=__doc__.splitlines()[0]
    )
    p.add_argument("--report", type=Path, required=True, help="report path (.json; .md beside)")
    p.add_argument(
        "--parts-dir",
        type=Path,
        default=None,
        help="where each part's log and outputs go (default: PATH's name with .parts)",
    )
    p.add_argument("--device", default="cuda", help="cuda | cuda:N (default cuda)")
    p.add_argument("--total-seconds", type=float, default=470.0, help="the whole check's limit")
    p.add_argument("--only", default=None, help="comma list of parts to run (default: all)")
    p.add_argument("--list", action="store_true", help="list the parts and their limits, then exit")
    args = p.parse_args(argv)
    try:
        parts = select(cuda_parts(args.device), args.only)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.list:
        for part in parts:
            print(f"{part.name:20s} {part.timeout:4.0f} s  {part.what}")
        return 0
    import torch

    if not torch.cuda.is_available():
        print("error: no CUDA device on this machine; the CUDA check needs one", file=sys.stderr)
        return 2
    if args.total_seconds <= 0:
        print("error: --total-seconds must be positive", file=sys.stderr)
        return 2
    parts_dir = None if args.parts_dir is None else args.parts_dir.resolve()
    report = Report(args.report.resolve(), environment(args.device), parts_dir)
    os.chdir(REPO_ROOT)  # the parts name the tests and modules from the repository root
    print(f"CUDA check on {report.data['gpu']}, torch {report.data['torch']}, report {args.report}")
    ok = run_check(parts, report, args.total_seconds)
    print(f"report: {report.json_path} and {report.md_path.name}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
