"""Learning curves: measure a model at a few steps of its run, without the trainer knowing how.

A single end-of-run number cannot tell a worse model from a slower one, so the trainer calls a
:class:`Probe` at about ten log-spaced steps of the budget and keeps its rows in the checkpoint.
The probe itself (which metrics, on which sample bank) is built by the metrics package; the
training package only knows this protocol, so ``gan_zoo.train`` never imports
``gan_zoo.metrics``.
"""

from __future__ import annotations

import math
import time
from typing import Any, Protocol

from torch import nn

from gan_zoo.progress import stage
from gan_zoo.train.callbacks import Clock
from gan_zoo.train.seeding import rng_states, set_rng_states

#: points per curve: enough to see the shape, few enough to cost < 10% of a run
CURVE_POINTS = 10
#: the curve spans this many decades of steps, ending at the budget (1,000 steps: 10..1,000)
CURVE_DECADES = 2.0


class Probe(Protocol):
    """Measures a model at the steps it names; returns flat float metrics."""

    steps: tuple[int, ...]

    def __call__(self, model: nn.Module) -> dict[str, float]: ...


def curve_steps(
    total: int, points: int = CURVE_POINTS, decades: float = CURVE_DECADES
) -> tuple[int, ...]:
    """``points`` distinct steps, log-spaced from ``total / 10**decades`` up to ``total``.

    Log spacing because models change fastest early. Rounding can make neighbours collide at
    small totals; each step is then pushed to one past its predecessor, so the result always
    has ``min(points, total)`` distinct increasing steps ending at ``total``.
    """
    if total < 1:
        raise ValueError(f"total must be >= 1, got {total}")
    points = min(points, total)
    if points == 1:
        return (total,)
    low = math.log(max(1.0, total / 10**decades))
    high = math.log(total)
    steps: list[int] = []
    for i in range(points):
        value = round(math.exp(low + (high - low) * i / (points - 1)))
        floor = steps[-1] + 1 if steps else 1
        ceiling = total - (points - 1 - i)  # leave room for the remaining points
        steps.append(min(max(value, floor), ceiling))
    return tuple(steps)


class Curve:
    """The rows a probe produced in one run, with their cost; saved in the trainer's checkpoint.

    Each row holds ``step``, ``images_seen`` (step x batch size), ``train_seconds`` (training
    time so far, the probe's own time excluded) and the probe's metrics. The global RNG states
    are restored after each call, so a run trains the same with or without a probe.
    """

    def __init__(self, probe: Probe, batch_size: int, clock: Clock = time.perf_counter) -> None:
        self.probe = probe
        self.clock = clock  # the trainer's: a probe's time is measured as training time is
        self.batch_size = batch_size
        self.rows: list[dict[str, float]] = []
        self.seconds = 0.0  # time spent in the probe, over every session of the run

    def due(self, step: int) -> bool:
        return step in self.probe.steps and all(row["step"] != step for row in self.rows)

    def measure(self, model: nn.Module, step: int, train_seconds: float) -> float:
        """Probe ``model`` at ``step``; returns the seconds the probe took."""
        start = self.clock()
        states = rng_states()
        try:
            metrics = self.probe(model)
        finally:
            set_rng_states(states)
        row = {
            "step": float(step),
            "images_seen": float(step * self.batch_size),
            "train_seconds": round(float(train_seconds), 3),
        }
        row.update({k: float(v) for k, v in metrics.items()})
        self.rows.append(row)
        spent = self.clock() - start
        self.seconds += spent
        stage(f"  curve point {self.label(step)} at step {step}: {spent:.1f} s")
        return spent

    def label(self, step: int) -> str:
        """``3/10``: which of the probe's points ``step`` is (shown while it is measured)."""
        steps = list(self.probe.steps)
        return f"{steps.index(step) + 1}/{len(steps)}" if step in steps else "?"

    def state_dict(self) -> dict[str, Any]:
        return {"rows": [dict(r) for r in self.rows], "seconds": self.seconds}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rows = [dict(r) for r in state.get("rows", [])]
        self.seconds = float(state.get("seconds", 0.0))
