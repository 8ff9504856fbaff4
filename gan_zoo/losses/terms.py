"""A loss term as a model declares it: a name, which player minimises it, a weight, a function.

The harness sums a phase's terms and logs each one by name, so adding a loss to a model is one
line in its term list, never an edit to the training loop. A term reads a typed context (a
dataclass the model declares, such as ``SingleLevelD``): a misspelt field is caught by a type
checker and reads as an AttributeError naming the class, not as a KeyError in a dict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import torch

Phase = Literal["d", "g"]


@dataclass
class Context:
    """What every phase context carries: ``log`` collects scalars the terms want in the history
    (both phases' logs reach it)."""

    log: dict[str, torch.Tensor] = field(default_factory=dict, kw_only=True)


C = TypeVar("C", bound=Any)


@dataclass(frozen=True)
class Term(Generic[C]):
    name: str
    phase: Phase
    fn: Callable[[C], torch.Tensor]
    weight: float = 1.0
