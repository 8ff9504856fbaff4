"""What ``benchmarks.run`` takes from the plan's budget, and the lines it prints as runs start.

A budget declares how much measuring its runs get (``gan_zoo.config.Budget``: its curve, its
evaluation's sample count and disentanglement draw); the command-line options override the
first two. Resolved once, before any run, so every run of the plan and its record say the same.
"""

from __future__ import annotations

import argparse
from functools import partial

import torch

from benchmarks.runner.plan import RunSpec
from gan_zoo.config import budget
from gan_zoo.metrics.curves import check_curve_setting
from gan_zoo.progress import note_once


def apply_budget_defaults(args: argparse.Namespace) -> None:
    """``--curve`` and ``--num-samples`` left unset take the budget's values; ``args.eval_draw``
    is the budget's draw (a ConfigError names a bad ``--curve`` in one line)."""
    chosen = budget(args.budget)
    args.curve = check_curve_setting(args.curve or chosen.curve)
    if args.num_samples is None:
        args.num_samples = chosen.eval_samples
    args.eval_draw = chosen.eval_draw


def say_plan_notes(specs: list[RunSpec]) -> None:
    """Facts of the machine the plan's runs would each meet, said once for the plan (the bf16
    fallback of ``amp=1`` where bf16 is emulated), before the first run starts; each run as the
    plan resolved it."""
    from gan_zoo.train.speed import bf16_fallback

    for spec in specs:
        config = spec.config()
        if (note := bf16_fallback(config.hparams, torch.device(config.device))) is not None:
            note_once(note)


def start_line(positions: dict[str, int], total: int, run_id: str, what: str) -> None:
    """``[2/6] run_id: training``: which run of the plan starts, printed as it starts."""
    print(f"[{positions.get(run_id, '?')}/{total}] {run_id}: {what}", flush=True)


def start_lines(specs: list[RunSpec]) -> partial:
    """The runner's start hook for ``specs`` (a partial of a module function: it pickles into
    ``--jobs`` workers)."""
    positions = {spec.run_id: i for i, spec in enumerate(specs, 1)}
    return partial(start_line, positions, len(specs))
