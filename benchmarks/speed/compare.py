"""``python -m benchmarks.speed.compare``: harness vs a plain PyTorch loop, in one process.

Prints images/s of InfoGAN on MNIST at batch 128 (median over alternating timed rounds, after a
warm-up) on ``--device`` (cpu or cuda) for:
the plain loop (``baseline.py``), the harness with every speed option off, and the harness with
the chosen options on; the two ratios; achieved GFLOP/s (FLOPs of one step counted by torch's
FlopCounterMode) against the peak of a 2048x2048 matmul measured on the same device in the same
process; and, on CUDA, the fraction of each harness step the GPU is busy (kernel time over wall
time under the torch profiler). The harness steps are not read on the host; each timed round
ends with one device synchronisation, so queued work is counted. ``torch.compile`` time is
reported separately and not counted in images/s.
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

from benchmarks.environment import cpu_name, device_description, git_commit, versions
from benchmarks.reporting.tables import replace_section
from benchmarks.speed.baseline import baseline_step
from gan_zoo.config import COMMON, DEVICE_DEFAULTS, Budget, coerce
from gan_zoo.data import load_dataset
from gan_zoo.devices import pick_device
from gan_zoo.errors import ConfigError
from gan_zoo.io import atomic_write, atomic_write_json
from gan_zoo.models import build
from gan_zoo.paths import data_root
from gan_zoo.train import Trainer
from gan_zoo.train.seeding import seed_everything
from gan_zoo.train.speed import ALL_OFF as OFF

BATCH = 128  # the harness's InfoGAN batch size, and the baseline's


def synchronize(device: torch.device) -> None:
    """Wait for the work queued on ``device`` (a no-op on the CPU, which runs eagerly)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def harness_step(
    dataset, options: dict, device: torch.device, model_name: str = "infogan"
) -> Callable[[], object]:
    """One harness training step per call; nothing is read back, as in the trainer's loop.

    ``options`` are hyperparameters (speed options, a batch size) over the device's defaults."""
    seed_everything(0)
    model = build(model_name, dataset, device.type, **options)
    trainer = Trainer(
        model,
        dataset,
        Budget("bench", 10**9, 10**9, 10**9, ""),
        seed=0,
        device=device,
        progress=False,
    )
    return trainer.train_step


def fused_step(
    dataset,
    options: dict,
    device: torch.device,
    k: int,
    model_name: str = "infogan",
    graphed: bool = False,
) -> Callable[[], object]:
    """One step of ``k`` runs (seeds 0..k-1) trained as one fused computation: eager, or with
    ``graphed`` each fused step replayed as one CUDA graph (compile is never fused)."""
    from gan_zoo.train.fused import FusedTrainer, on_device

    options = {**options, "cuda_graph": graphed, "compile": False}
    dataset = on_device(dataset, device)
    members = []
    for seed in range(k):
        seed_everything(seed)
        model = build(model_name, dataset, device.type, **options)
        budget = Budget("bench", 10**9, 10**9, 10**9, "")
        members.append(Trainer(model, dataset, budget, seed, device=device, progress=False))
    return FusedTrainer(members).stepper()


def fused_rates(
    dataset,
    options: dict,
    device: torch.device,
    ks: list[int],
    steps: int,
    warmup: int,
    rounds: int,
) -> dict:
    """Run-steps/s of one run alone and of ``ks`` runs fused, timed in alternating rounds; the
    ratio is to K separate runs one after another, which make as many run-steps/s as one."""
    steppers = {"separate": harness_step(dataset, options, device)}
    steppers.update({f"fused{k}": fused_step(dataset, options, device, k) for k in ks})
    rates, _ = interleaved_rates(steppers, steps, warmup, rounds, device, batch=1)
    single = rates["separate"]
    rows = [
        {
            "k": k,
            "run_steps_per_second": k * rates[f"fused{k}"],
            "vs_separate": k * rates[f"fused{k}"] / single,
        }
        for k in ks
    ]
    return {"separate_steps_per_second": single, "rows": rows, "steps": steps, "rounds": rounds}


def fused_markdown(r: dict) -> str:
    """The fused column: run-steps/s of K runs trained as one, against K separate runs."""
    lines = [
        "| InfoGAN, MNIST, batch 128 | run-steps/s | vs K separate runs |",
        "|---|---|---|",
        f"| one run (K separate runs: the same) | {r['fused']['separate_steps_per_second']:.2f} | 1.00x |",
        *(
            f"| {row['k']} runs fused | {row['run_steps_per_second']:.2f} | {row['vs_separate']:.2f}x |"
            for row in r["fused"]["rows"]
        ),
    ]
    where = r["device_name"] if r["device_type"] != "cpu" else f"{r['cpu']}, {r['threads']} threads"
    ks = ",".join(str(row["k"]) for row in r["fused"]["rows"])
    command = f"python -m benchmarks.speed.compare --fused-only --fused {ks}"
    command += f" --steps {r['fused']['steps']} --rounds {r['fused']['rounds']}" + (
        f" --device {r['device_type']}" if r["device_type"] != "cpu" else ""
    )
    return "\n".join(
        [
            *lines,
            "",
            f"Harness defaults; median of {r['fused']['rounds']} alternating rounds of "
            f"{r['fused']['steps']} steps; {where}, torch {r['versions'].get('torch', '?')}, "
            f"commit {r['commit'][:7]}. Measured by `{command}`.",
        ]
    )


def timed(step: Callable[[], object], steps: int, device: torch.device) -> float:
    """Seconds for ``steps`` calls of ``step``, up to the end of the work they queued."""
    synchronize(device)
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    synchronize(device)
    return time.perf_counter() - t0


def interleaved_rates(
    steppers: dict[str, Callable[[], object]],
    steps: int,
    warmup: int,
    rounds: int,
    device: torch.device,
    batch: int = BATCH,
) -> tuple[dict[str, float], dict[str, float]]:
    """(median images/s at ``batch`` images a step, warm-up seconds) per stepper, timed in
    alternating rounds.

    This machine's speed drifts by tens of percent over minutes (shared cores), so the
    configurations are timed in turn, round after round, and each is summarised by its median:
    a drift then hits every configuration alike instead of whichever ran last.
    """
    warm = {name: timed(step, warmup, device) for name, step in steppers.items()}
    rates: dict[str, list[float]] = {name: [] for name in steppers}
    for _ in range(rounds):
        for name, step in steppers.items():
            rates[name].append(steps * batch / timed(step, steps, device))
    return {name: statistics.median(r) for name, r in rates.items()}, warm


def flops_per_image(dataset) -> float:
    seed_everything(0)
    model = build("infogan", dataset, **OFF)  # fp32: FlopCounterMode counts the same either way
    trainer = Trainer(model, dataset, Budget("flops", 1, 10**9, 10**9, ""), seed=0, progress=False)
    with FlopCounterMode(display=False) as counter:
        trainer.train_step()
    return counter.get_total_flops() / trainer.batch_size


def matmul_gflops(
    dtype: torch.dtype = torch.float32,
    device: torch.device | None = None,
    n: int = 2048,
    reps: int = 10,
) -> float:
    """The device's practical peak for this dtype (the default matmul settings, TF32 off)."""
    device = device or torch.device("cpu")
    a = torch.randn(n, n, dtype=dtype, device=device)
    b = torch.randn(n, n, dtype=dtype, device=device)
    a @ b
    synchronize(device)
    t0 = time.perf_counter()
    for _ in range(reps):
        a @ b
    synchronize(device)
    return reps * 2 * n**3 / (time.perf_counter() - t0) / 1e9


def gpu_busy_fraction(step: Callable[[], object], device: torch.device, steps: int) -> float | None:
    """Kernel time over wall time for ``steps`` steps under the torch profiler (CUDA only).

    The profiler's own overhead lengthens the wall time a little, so this errs low.
    """
    if device.type != "cuda":
        return None
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile

    step()
    synchronize(device)
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        synchronize(device)
        wall = time.perf_counter() - t0
    kernel_us = sum(
        e.time_range.elapsed_us() for e in prof.events() if e.device_type == DeviceType.CUDA
    )
    return kernel_us / 1e6 / wall


def summary_markdown(r: dict) -> str:
    """The measured table docs/speed.md's speed section shows (one per device kind)."""
    fast = ", ".join(k for k, v in r["fast_options"].items() if v) or "none"
    busy = r.get("gpu_busy_fast"), r.get("gpu_busy_off")
    rows = [
        ("plain PyTorch loop (DataLoader, fp32, eager)", r["baseline_ips"], None),
        ("harness, every speed option off", r["harness_off_ips"], busy[1]),
        (f"harness, {fast}", r["harness_fast_ips"], busy[0]),
    ]
    with_busy = any(b is not None for b in busy)
    head = "| InfoGAN, MNIST, batch 128 | images/s | GFLOP/s | vs plain loop |"
    lines = [head + (" GPU busy |" if with_busy else ""), "|---|---|---|---|"]
    lines[1] += "---|" if with_busy else ""
    for name, ips, frac in rows:
        gflops = ips * r["gflop_per_image"]
        line = f"| {name} | {ips:.0f} | {gflops:.0f} | {ips / r['baseline_ips']:.2f}x |"
        if with_busy:
            line += " - |" if frac is None else f" {frac:.0%} |"
        lines.append(line)
    where = (
        f"{r['device_name']}"
        if r.get("device_type", "cpu") != "cpu"
        else f"{r['cpu']}, {r['threads']} threads"
    )
    command = "python -m benchmarks.speed.compare" + (
        f" --device {r['device_type']}" if r.get("device_type", "cpu") != "cpu" else ""
    )
    return "\n".join(
        [
            *lines,
            "",
            f"Fast harness vs options off: {r['ratio_fast_vs_off']:.2f}x. One step costs "
            f"{r['gflop_per_image']:.3f} GFLOP per image (FlopCounterMode); a 2048x2048 matmul "
            f"reaches {r['matmul_fp32_gflops']:.0f} GFLOP/s in fp32 and "
            f"{r['matmul_bf16_gflops']:.0f} in bf16 here, so the fast harness runs at "
            f"{r['achieved_gflops_fast'] / r['matmul_fp32_gflops']:.0%} of the fp32 matmul peak. "
            f"Median of {r['rounds']} alternating rounds of {r['steps']} steps; {where}, "
            f"torch {r['versions'].get('torch', '?')}, commit {r['commit'][:7]}. "
            f"Measured by `{command}`.",
        ]
    )


#: the section of docs/speed.md each device kind's table goes into
README_SECTIONS = {"cpu": "speed", "cuda": "speed-cuda"}
#: and the fused column's
FUSED_SECTIONS = {"cpu": "speed-fused", "cuda": "speed-fused-cuda"}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.speed.compare", description=__doc__.splitlines()[0]
    )
    p.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N (default cpu)")
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
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSON result (default results/speed/compare.json, compare-cuda.json on CUDA)",
    )
    p.add_argument(
        "--fused",
        default="1,4,8",
        help="K values of the fused column: K runs trained as one ('' to skip it)",
    )
    p.add_argument(
        "--fused-only",
        action="store_true",
        help="measure only the fused column (one run against K runs fused)",
    )
    p.add_argument(
        "--readme",
        default="docs/speed.md",
        help="Markdown file whose speed sections to rewrite (default docs/speed.md; '' to skip)",
    )
    args = p.parse_args(argv)
    try:
        chosen = dict(kv.split("=", 1) for kv in args.options.split(",") if kv)
    except ValueError:
        p.error(f"--options takes key=value pairs separated by commas, not {args.options!r}")
    unknown = set(chosen) - set(OFF)
    if unknown:
        p.error(f"unknown speed option(s) {', '.join(sorted(unknown))}; known: {', '.join(OFF)}")
    for steps_flag in ("steps", "rounds"):
        if getattr(args, steps_flag) < 1:
            p.error(f"--{steps_flag} must be at least 1")
    try:
        ks = [int(k) for k in args.fused.split(",") if k.strip()]
    except ValueError:
        p.error(f"--fused takes a comma list of run counts, not {args.fused!r}")
    if any(k < 1 for k in ks) or (args.fused_only and not ks):
        p.error("--fused takes run counts of at least 1")
    try:
        device = pick_device(args.device)
        defaults = {**COMMON, **DEVICE_DEFAULTS.get(device.type, {})}
        fast = {k: bool(coerce(k, chosen.get(k, defaults[k]), defaults[k])) for k in OFF}
    except ConfigError as err:
        p.error(str(err))
    suffix = "" if device.type == "cpu" else f"-{device.type}"
    out = args.out or Path(f"results/speed/compare{suffix}.json")
    root = str(data_root(args.data_root))
    dataset = load_dataset("mnist", "train", root=root)
    if args.fused_only:
        return fused_only(args, dataset, fast, device, ks, out.with_name(out.stem + "-fused.json"))

    peak32 = max(matmul_gflops(torch.float32, device) for _ in range(3))
    peak16 = max(matmul_gflops(torch.bfloat16, device) for _ in range(3))
    flops = flops_per_image(dataset)
    steppers = {
        "baseline": baseline_step(dataset, root, device=device),
        "off": harness_step(dataset, OFF, device),
        "fast": harness_step(dataset, fast, device),
    }
    rates, warm = interleaved_rates(steppers, args.steps, args.warmup, args.rounds, device)
    base, off, on = rates["baseline"], rates["off"], rates["fast"]
    result = {
        "commit": git_commit(),
        "cpu": cpu_name(),
        "threads": torch.get_num_threads(),
        "device_type": device.type,
        "device_name": str(device_description(device).get("gpu", "cpu")),
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
        "warmup_seconds_fast": warm["fast"],
        "warmup_seconds_off": warm["off"],
        "gflop_per_image": flops / 1e9,
        "matmul_fp32_gflops": peak32,
        "matmul_bf16_gflops": peak16,
        "achieved_gflops_fast": on * flops / 1e9,
        "achieved_gflops_baseline": base * flops / 1e9,
        "gpu_busy_off": gpu_busy_fraction(steppers["off"], device, args.steps),
        "gpu_busy_fast": gpu_busy_fraction(steppers["fast"], device, args.steps),
    }
    if ks:
        result["fused"] = fused_rates(
            dataset, fast, device, ks, args.steps, args.warmup, args.rounds
        )
    atomic_write_json(out, result)
    summary = summary_markdown(result)
    fused = fused_markdown(result) if ks else ""
    text = summary + ("\n\n" + fused if fused else "")
    atomic_write(out.with_suffix(".md"), lambda f: f.write(text + "\n"), "w")
    print(text)
    if args.readme and Path(args.readme).exists():
        replace_section(Path(args.readme), README_SECTIONS[device.type], summary)
        if fused:
            replace_section(Path(args.readme), FUSED_SECTIONS[device.type], fused)
    return 0


def fused_only(args, dataset, fast: dict, device: torch.device, ks: list[int], out: Path) -> int:
    """Only the fused column (``--fused-only``): a shorter measurement than the whole table."""
    result = {
        "commit": git_commit(),
        "cpu": cpu_name(),
        "threads": torch.get_num_threads(),
        "device_type": device.type,
        "device_name": str(device_description(device).get("gpu", "cpu")),
        "versions": versions(),
        "fast_options": fast,
        "fused": fused_rates(dataset, fast, device, ks, args.steps, args.warmup, args.rounds),
    }
    atomic_write_json(out, result)
    text = fused_markdown(result)
    atomic_write(out.with_suffix(".md"), lambda f: f.write(text + "\n"), "w")
    print(text)
    if args.readme and Path(args.readme).exists():
        replace_section(Path(args.readme), FUSED_SECTIONS[device.type], text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
