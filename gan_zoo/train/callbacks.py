"""The trainer's seams: a clock it reads, and callbacks it calls at the end of every step.

A callback sees the step just trained (its detached logs, and the history row when this step
wrote one) and may ask the run to stop there, as Ctrl-C would: logging to another tool, a
step counter, a stop after N steps in a notebook or a test. The clock is what training time and
speed are measured with (``time.perf_counter`` unless a caller passes its own).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import torch

from gan_zoo.config import Budget
from gan_zoo.models.base import GanModel


class RunningTrainer(Protocol):
    """What a callback may see of the trainer that calls it."""

    model: GanModel
    budget: Budget
    seed: int

    def request_stop(self) -> None: ...


Clock = Callable[[], float]
"""Seconds from an arbitrary origin; only differences are used."""


@dataclass(frozen=True)
class StepEnd:
    """One trained step, after everything it writes (history row, curve point, checkpoint).

    ``step`` counts the steps done so far in the run; ``logs`` are the step's detached losses
    (reading one waits for the device); ``row`` is the history row written at this step, if any.
    """

    trainer: RunningTrainer
    step: int
    logs: Mapping[str, torch.Tensor]
    row: Mapping[str, float] | None

    def stop(self) -> None:
        """End the run after this step as an interruption: saved, and resumed by a rerun."""
        self.trainer.request_stop()


StepCallback = Callable[[StepEnd], None]


def stop_at(steps: int) -> StepCallback:
    """A callback that interrupts the run once ``steps`` steps are done."""

    def callback(event: StepEnd) -> None:
        if event.step >= steps:
            event.stop()

    return callback
