"""Batches drawn by index from a dataset that already sits on the device.

Epochs are seeded random permutations; the sampler's whole state (permutation, cursor, RNG)
goes into checkpoints so a resumed run sees exactly the batches an uninterrupted one would.
"""

from __future__ import annotations

import torch


class IndexSampler:
    def __init__(
        self, n: int, batch_size: int, generator: torch.Generator, device: torch.device
    ) -> None:
        self.n, self.batch_size, self.generator, self.device = n, batch_size, generator, device
        self.order = torch.randperm(n, generator=generator, device=device)
        self.cursor = 0

    def next(self) -> torch.Tensor:
        """The next batch of indices; a new permutation when the current one runs out."""
        if self.cursor + self.batch_size > self.n:
            self.order = torch.randperm(self.n, generator=self.generator, device=self.device)
            self.cursor = 0
        idx = self.order[self.cursor : self.cursor + self.batch_size]
        self.cursor += self.batch_size
        return idx

    def state_dict(self) -> dict:
        return {"order": self.order.cpu(), "cursor": self.cursor}

    def load_state_dict(self, state: dict) -> None:
        self.order = state["order"].to(self.device)
        self.cursor = int(state["cursor"])
