"""``python -m benchmarks.speed.steps``: training steps per second of one family on one dataset.

The anchors' schedules are counted in steps (InfoGAN-CR: 288,000 on dSprites at batch 64), so
this reports steps/s, eager and, with ``--graphed``, replayed as CUDA graphs, and with
``--fused 4,8`` the run-steps/s of that many runs trained as one (``--fused-graphed 6,16,32``:
fused and replayed as CUDA graphs), timed like
``benchmarks.speed.compare`` (alternating rounds, median, one synchronisation per round).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.environment import device_description, git_commit, versions
from benchmarks.speed.compare import fused_step, harness_step, interleaved_rates
from gan_zoo.data import available as datasets_available
from gan_zoo.data import load_dataset
from gan_zoo.devices import pick_device
from gan_zoo.errors import ConfigError
from gan_zoo.io import atomic_write_json
from gan_zoo.models import available as models_available


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.speed.steps", description=__doc__.splitlines()[0]
    )
    p.add_argument("--model", default="infogan")
    p.add_argument("--dataset", default="dsprites")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N (default cpu)")
    p.add_argument("--graphed", action="store_true", help="also time cuda_graph=1 (CUDA only)")
    p.add_argument(
        "--fused", default="", help="also time K runs fused as one, for each K of a comma list"
    )
    p.add_argument(
        "--fused-graphed",
        default="",
        help="also time K runs fused and replayed as CUDA graphs, for each K (CUDA only)",
    )
    p.add_argument("--steps", type=int, default=50, help="timed steps per round")
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--data-root", default=None)
    p.add_argument("--out", type=Path, default=None, help="JSON result (default: print only)")
    args = p.parse_args(argv)
    if args.model not in models_available() or args.dataset not in datasets_available():
        p.error(f"unknown model {args.model!r} or dataset {args.dataset!r}")
    if min(args.batch, args.steps, args.rounds) < 1:
        p.error("--batch, --steps and --rounds must be at least 1")
    try:
        device = pick_device(args.device)
    except ConfigError as err:
        p.error(str(err))
    if (args.graphed or args.fused_graphed) and device.type != "cuda":
        p.error(f"--{'graphed' if args.graphed else 'fused-graphed'} needs a CUDA device")
    ks = run_counts(p, "--fused", args.fused)
    graphed_ks = run_counts(p, "--fused-graphed", args.fused_graphed)
    dataset = load_dataset(args.dataset, "train", root=args.data_root)
    variants = {"eager": {"cuda_graph": False}}
    if args.graphed:
        variants["graphed"] = {"cuda_graph": True}
    steppers = {
        name: harness_step(dataset, {**opts, "batch_size": args.batch}, device, args.model)
        for name, opts in variants.items()
    }
    opts = {"batch_size": args.batch}
    fused = {f"fused{k}": k for k in ks} | {f"fused{k}_graphed": k for k in graphed_ks}
    for name, k in fused.items():
        graphed = name.endswith("_graphed")
        steppers[name] = fused_step(dataset, opts, device, k, args.model, graphed=graphed)
    rates, warm = interleaved_rates(
        steppers, args.steps, args.warmup, args.rounds, device, batch=args.batch
    )
    for name, k in fused.items():  # a fused step is k runs' steps
        rates[name] *= k
    result = {
        "commit": git_commit(),
        "versions": versions(),
        **device_description(device),
        "model": args.model,
        "dataset": args.dataset,
        "batch_size": args.batch,
        "steps": args.steps,
        "rounds": args.rounds,
        "steps_per_second": {name: ips / args.batch for name, ips in rates.items()},
        "note": "fusedK: run-steps/s of K runs trained as one (K steps per fused step); "
        "fusedK_graphed: the same, each fused step replayed as a CUDA graph",
        "warmup_seconds": warm,
    }
    for name, sps in result["steps_per_second"].items():
        print(f"{args.model} on {args.dataset}, batch {args.batch}, {name}: {sps:.1f} steps/s")
    if args.out is not None:
        atomic_write_json(args.out, result)
    return 0


def run_counts(p: argparse.ArgumentParser, option: str, text: str) -> list[int]:
    """A comma list of run counts, each at least 1 (a parser error otherwise)."""
    try:
        ks = [int(k) for k in text.split(",") if k.strip()]
    except ValueError:
        p.error(f"{option} takes a comma list of run counts, not {text!r}")
    if any(k < 1 for k in ks):
        p.error(f"{option} takes run counts of at least 1")
    return ks


if __name__ == "__main__":
    sys.exit(main())
