"""``python -m benchmarks.speed.jobs``: how many runs at once keep one device busiest.

A small model's step leaves a GPU mostly idle, so several runs side by side (``--jobs N``) can
multiply the throughput. For each N this runs the same plan (``--seeds`` seeds of
``--models`` at ``--budget``, evaluation included) through the runner with ``--jobs N`` into a
fresh folder, and reports the wall time, runs per minute and the aggregate training images per
second (every run's steps times its batch, over the wall time). The best N is the one to use as
``--jobs`` on that device.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

from benchmarks.environment import cpu_name, git_commit
from benchmarks.run import main as run_main
from gan_zoo.devices import pick_device
from gan_zoo.errors import ConfigError
from gan_zoo.io import atomic_write, atomic_write_json


def measure(jobs: int, run_args: list[str], out: Path) -> dict[str, float]:
    """One runner invocation with ``--jobs jobs``; its wall time and what it trained.

    Its run folders go under ``out`` whatever ``GAN_ZOO_RUNS`` says, so every N trains from
    scratch instead of finding the previous N's runs complete."""
    saved = os.environ.get("GAN_ZOO_RUNS")
    os.environ["GAN_ZOO_RUNS"] = str(out / "runs")
    try:
        start = time.perf_counter()
        code = run_main([*run_args, "--jobs", str(jobs), "--out", str(out), "--no-progress"])
        wall = time.perf_counter() - start
    finally:
        if saved is None:
            os.environ.pop("GAN_ZOO_RUNS", None)
        else:
            os.environ["GAN_ZOO_RUNS"] = saved
    if code != 0:
        raise RuntimeError(f"the runner exited {code} with --jobs {jobs}")
    records = [json.loads(p.read_text()) for p in sorted((out / "records").glob("*.json"))]
    images = sum(r["budget_steps"] * int(r["hparams"]["batch_size"]) for r in records)
    return {
        "jobs": jobs,
        "runs": len(records),
        "wall_seconds": wall,
        "runs_per_minute": 60 * len(records) / wall,
        "train_images_per_second": images / wall,
    }


def summary_markdown(result: dict) -> str:
    best = max(result["rows"], key=lambda r: r["train_images_per_second"])
    lines = [
        "| --jobs | runs | wall s | runs/min | training images/s (all runs) |",
        "|---|---|---|---|---|",
        *(
            f"| {r['jobs']} | {r['runs']} | {r['wall_seconds']:.0f} | {r['runs_per_minute']:.2f} "
            f"| {r['train_images_per_second']:.0f} |"
            for r in result["rows"]
        ),
    ]
    return "\n".join(
        [
            *lines,
            "",
            f"Best: --jobs {best['jobs']}. {result['plan']} on {result['device_name']}, commit "
            f"{result['commit'][:7]}. Measured by `python -m benchmarks.speed.jobs "
            f"--device {result['device_type']}`.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.speed.jobs", description=__doc__.splitlines()[0]
    )
    p.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N (default cpu)")
    p.add_argument("--jobs", default="1,2,4,8", help="comma list of --jobs values to compare")
    p.add_argument("--models", default="infogan")
    p.add_argument("--seeds", default="8", help="runs in each plan (as the runner's --seeds)")
    p.add_argument("--budget", default="quick")
    p.add_argument("--num-samples", default="10000", help="samples per evaluation")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument(
        "--out", type=Path, default=None, help="default results/speed/jobs-<device>.json"
    )
    args = p.parse_args(argv)
    try:
        counts = [int(n) for n in args.jobs.split(",") if n]
    except ValueError:
        p.error(f"--jobs takes a comma list of integers, not {args.jobs!r}")
    if not counts or min(counts) < 1:
        p.error("--jobs values must be at least 1")
    try:
        device = pick_device(args.device)
    except ConfigError as err:
        p.error(str(err))
    run_args = [
        "--models", args.models,
        "--seeds", args.seeds,
        "--budget", args.budget,
        "--num-samples", args.num_samples,
        "--device", args.device,
    ]  # fmt: skip
    for kv in args.overrides:
        run_args += ["--set", kv]
    rows = []
    with tempfile.TemporaryDirectory(prefix="gan-zoo-jobs-") as tmp:
        for n in counts:
            rows.append(measure(n, run_args, Path(tmp) / f"jobs{n}"))
            print(f"--jobs {n}: {rows[-1]['train_images_per_second']:.0f} training images/s")
    name = cpu_name() if device.type == "cpu" else torch.cuda.get_device_name(device)
    result = {
        "commit": git_commit(),
        "device_type": device.type,
        "device_name": name,
        "plan": f"{args.models} x {args.seeds} seeds at {args.budget}, evaluation at "
        f"{args.num_samples} samples",
        "rows": rows,
    }
    out = args.out or Path(f"results/speed/jobs-{device.type}.json")
    atomic_write_json(out, result)
    summary = summary_markdown(result)
    atomic_write(out.with_suffix(".md"), lambda f: f.write(summary + "\n"), "w")
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
