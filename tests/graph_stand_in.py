"""A stand-in for the CUDA graph backend, so the capture plan runs on the CPU.

It keeps a graph's contract where a test can see it: capture runs nothing; each replay runs
the step on the static input buffers only (never on the caller's tensors) and overwrites the
outputs of the first replay in place, so a caller holding last step's outputs sees them change
as it would with a real graph. It records which generators each capture registered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch


class EagerReplay:
    """``step_graphs.Backend`` without CUDA (steps that return a dict of tensors, or None)."""

    def __init__(self) -> None:
        self.warmed = 0
        self.replays = 0
        #: the generators of each capture, in capture order
        self.recorded: list[tuple[torch.Generator, ...]] = []

    def warm(self, fn: Callable[..., Any], inputs: tuple) -> Any:
        self.warmed += 1
        return fn(*inputs)

    def record(
        self, fn: Callable[..., Any], inputs: tuple, generators: Sequence[torch.Generator]
    ) -> tuple[Callable[[], None], dict[str, torch.Tensor]]:
        self.recorded.append(tuple(generators))
        out: dict[str, torch.Tensor] = {}

        def replay() -> None:
            self.replays += 1
            result = fn(*inputs) or {}
            if not out:
                out.update({k: v.clone() for k, v in result.items()})
            else:
                for key, value in result.items():
                    out[key].copy_(value)

        return replay, out
