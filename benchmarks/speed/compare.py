"""``python -m benchmarks.speed.compare``: harness vs a plain PyTorch loop, in one process.

Prints images/s of InfoGAN on MNIST at batch 128 (median over alternating timed rounds, after a
warm-up) for:
the plain loop (``baseline.py``), the harness with every speed option off, and the harness with
the chosen options on; the two ratios; and achieved GFLOP/s (FLOPs of one step counted by
torch's FlopCounterMode) against the fp32 peak measured by a 2048x2048 matmul in the same process.
``torch.compile`` time is reported separately and not counted in images/s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from benchmarks.environment import cpu_name, git_commit, versions
from benchmarks.speed.baseline import baseline_step
from benchmarks.tables import replace_section
from gan_zoo.config import COMMON, Budget, coerce
from gan_zoo.data import load_dataset
from gan_zoo.errors import ConfigError
from gan_zoo.io import atomic_write, atomic_write_json
from gan_zoo.models import build
from gan_zoo.paths import data_root
from gan_zoo.train import Trainer
from gan_zoo.train.seeding import seed_everything
from gan_zoo.train.speed import ALL_OFF as OFF

BATCH = 128  # the harness's InfoGAN batch size, and the baseline's


def harness_step(dataset, options: dict) -> Callable[[], float]:
    """One harness training step per call (returns loss_d, which also waits for the device)."""
    seed_everything(0)
    model = build("infogan", dataset, **options)
    trainer = Trainer(
        model, dataset, Budget("bench", 10**9, 10**9, 10**9, ""), seed=0, progress=False
    )
    return lambda: float(trainer.train_step()["loss_d"])


def timed(step: Callable[[], float], steps: int) -> float:
    """Seconds for ``steps`` calls of ``step``."""
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return time.perf_counter() - t0


def interleaved_rates(
    steppers: dict[str, Callable[[], float]], steps: int, warmup: int, rounds: int
) -> tuple[dict[str, float], dict[str, float]]:
    """(median images/s, warm-up seconds) per stepper, timed in alternating rounds.

    This machine's speed drifts by tens of percent over minutes (shared cores), so the
    configurations are timed in turn, round after round, and each is summarised by its median:
    a drift then hits every configuration alike instead of whichever ran last.
    """
    warm = {name: timed(step, warmup) for name, step in steppers.items()}
    rates: dict[str, list[float]] = {name: [] for name in steppers}
    for _ in range(rounds):
        for name, step in steppers.items():
            rates[name].append(steps * BATCH / timed(step, steps))
    return {name: statistics.median(r) for name, r in rates.items()}, warm


def flops_per_image(dataset) -> float:
    seed_everything(0)
    model = build("infogan", dataset, **OFF)  # fp32: FlopCounterMode counts the same either way
    trainer = Trainer(model, dataset, Budget("flops", 1, 10**9, 10**9, ""), seed=0, progress=False)
    with FlopCounterMode(display=False) as counter:
        trainer.train_step()
    return counter.get_total_flops() / trainer.batch_size


def matmul_gflops(dtype: torch.dtype = torch.float32, n: int = 2048, reps: int = 10) -> float:
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b
    t0 = time.perf_counter()
    for _ in range(reps):
        a @ b
    return reps * 2 * n**3 / (time.perf_counter() - t0) / 1e9


def summary_markdown(r: dict) -> str:
    """The measured table the README's speed section shows."""
    fast = ", ".join(k for k, v in r["fast_options"].items() if v) or "none"
    rows = [
        ("plain PyTorch loop (DataLoader, fp32, eager)", r["baseline_ips"]),
        ("harness, every speed option off", r["harness_off_ips"]),
        (f"harness, {fast}", r["harness_fast_ips"]),
    ]
    lines = [
        "| InfoGAN, MNIST, batch 128 | images/s | GFLOP/s | vs plain loop |",
        "|---|---|---|---|",
    ]
    for name, ips in rows:
        gflops = ips * r["gflop_per_image"]
        lines.append(f"| {name} | {ips:.0f} | {gflops:.0f} | {ips / r['baseline_ips']:.2f}x |")
    return "\n".join(
        [
            *lines,
            "",
            f"Fast harness vs options off: {r['ratio_fast_vs_off']:.2f}x. One step costs "
            f"{r['gflop_per_image']:.3f} GFLOP per image (FlopCounterMode); a 2048x2048 matmul "
            f"reaches {r['matmul_fp32_gflops']:.0f} GFLOP/s in fp32 and "
            f"{r['matmul_bf16_gflops']:.0f} in bf16 here, so the fast harness runs at "
            f"{r['achieved_gflops_fast'] / r['matmul_fp32_gflops']:.0%} of the fp32 matmul peak. "
            f"Median of {r['rounds']} alternating rounds of {r['steps']} steps; {r['cpu']}, "
            f"{r['threads']} threads, torch {r['versions'].get('torch', '?')}, commit "
            f"{r['commit'][:7]}. Measured by `python -m benchmarks.speed.compare`.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.speed.compare", description=__doc__.splitlines()[0]
    )
    p.add_argument("--steps", type=int, default=20, help="timed steps per round")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--rounds", type=int, default=5, help="alternating rounds (median taken)")
    p.add_argument("--data-root", default=None)
    p.add_argument(
        "--options",
        default="",
        help="speed options of the fast harness run, e.g. amp=1,compile=1 "
        "(default: the harness defaults in gan_zoo/config.py)",
    )
    p.add_argument("--out", type=Path, default=Path("results/speed/compare.json"))
    p.add_argument(
        "--readme", default="README.md", help="README whose speed section to rewrite ('' to skip)"
    )
    args = p.parse_args(argv)
    try:
        chosen = dict(kv.split("=", 1) for kv in args.options.split(",") if kv)
    except ValueError:
        p.error(f"--options takes key=value pairs separated by commas, not {args.options!r}")
    unknown = set(chosen) - set(OFF)
    if unknown:
        p.error(f"unknown speed option(s) {', '.join(sorted(unknown))}; known: {', '.join(OFF)}")
    try:
        fast = {k: bool(coerce(k, chosen.get(k, COMMON[k]), COMMON[k])) for k in OFF}
    except ConfigError as err:
        p.error(str(err))
    root = str(data_root(args.data_root))
    dataset = load_dataset("mnist", "train", root=root)

    peak32 = max(matmul_gflops(torch.float32) for _ in range(3))
    peak16 = max(matmul_gflops(torch.bfloat16) for _ in range(3))
    flops = flops_per_image(dataset)
    rates, warm = interleaved_rates(
        {
            "baseline": baseline_step(dataset, root),
            "off": harness_step(dataset, OFF),
            "fast": harness_step(dataset, fast),
        },
        args.steps,
        args.warmup,
        args.rounds,
    )
    base, off, on = rates["baseline"], rates["off"], rates["fast"]
    off_warm, on_warm = warm["off"], warm["fast"]
    result = {
        "commit": git_commit(),
        "cpu": cpu_name(),
        "threads": torch.get_num_threads(),
        "versions": versions(),
        "steps": args.steps,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "method": "median images/s over alternating rounds of the three configurations",
        "batch_size": BATCH,
        "fast_options": fast,
        "baseline_ips": base,
        "harness_off_ips": off,
        "harness_fast_ips": on,
        "ratio_fast_vs_baseline": on / base,
        "ratio_fast_vs_off": on / off,
        "warmup_seconds_fast": on_warm,
        "warmup_seconds_off": off_warm,
        "gflop_per_image": flops / 1e9,
        "matmul_fp32_gflops": peak32,
        "matmul_bf16_gflops": peak16,
        "achieved_gflops_fast": on * flops / 1e9,
        "achieved_gflops_baseline": base * flops / 1e9,
    }
    atomic_write_json(args.out, result)
    summary = summary_markdown(result)
    atomic_write(args.out.with_suffix(".md"), lambda f: f.write(summary + "\n"), "w")
    print(summary)
    if args.readme and Path(args.readme).exists():
        replace_section(Path(args.readme), "speed", summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
