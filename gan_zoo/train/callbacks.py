"""The trainer's per-step seam: callbacks it calls at the end of every step.

A callback sees the step just trained (its detached logs, and the history row when this step
wrote one), after everything the step writes (history row, curve point, checkpoint): live
logging to TensorBoard or W&B (``benchmarks.live_log``), a step counter, a notebook's own plot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from gan_zoo.train.trainer import Trainer


@dataclass(frozen=True)
class StepEnd:
    """One trained step, after everything it writes (history row, curve point, checkpoint).

    ``step`` counts the steps done so far in the run; ``logs`` are the step's detached losses
    (reading one waits for the device); ``row`` is the history row written at this step, if any.
    """

    trainer: Trainer
    step: int
    logs: Mapping[str, torch.Tensor]
    row: Mapping[str, float] | None


StepCallback = Callable[[StepEnd], None]
