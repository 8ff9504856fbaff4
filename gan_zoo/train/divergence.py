"""Non-finite losses noticed on the device and read only when the trainer asks.

Reading a loss on the host every step (``bool(torch.isfinite(loss))``) makes the CPU wait for
the GPU each step, so it can never queue the next step's kernels ahead. The watch instead folds
each step's finiteness into two device scalars; the trainer reads them at its check points
(each history row, checkpoint, curve point and the end of the session). Because every
checkpoint is written only after a check has passed, a checkpoint never holds weights from
past a non-finite step; the steps trained between the bad one and the check that finds it are
thrown away with the run (it is marked diverged and keeps its last good checkpoint).
"""

from __future__ import annotations

import torch


class DivergenceWatch:
    def __init__(self, device: torch.device, start_step: int = 0) -> None:
        self.start_step = start_step  # steps done before this session
        #: True while every loss seen so far was finite
        self.ok = torch.ones((), dtype=torch.bool, device=device)
        #: steps of this session before the first non-finite one (all of them while ``ok``)
        self._good_steps = torch.zeros((), dtype=torch.int64, device=device)

    def observe(self, *losses: torch.Tensor) -> torch.Tensor:
        """Fold one step's losses in; returns ``ok`` (a device bool, no host read)."""
        for loss in losses:
            self.ok = self.ok & torch.isfinite(loss)
        self._good_steps = self._good_steps + self.ok
        return self.ok

    def first_nonfinite_step(self) -> int | None:
        """The 1-based step whose loss was first non-finite, or None (reads the device)."""
        if bool(self.ok):
            return None
        return self.start_step + int(self._good_steps) + 1
