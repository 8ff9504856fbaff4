"""A loss term as a model declares it: a name, which player minimises it, a weight, a function.

The harness sums a phase's terms and logs each one by name, so adding a loss to a model is one
line in its term list, never an edit to the training loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import torch

Phase = Literal["d", "g"]


@dataclass(frozen=True)
class Term:
    name: str
    phase: Phase
    fn: Callable[[dict[str, Any]], torch.Tensor]
    weight: float = 1.0
