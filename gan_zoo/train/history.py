"""Loss and information-bound history: interval means, kept in checkpoints and written as CSV."""

from __future__ import annotations

from pathlib import Path

import torch

from gan_zoo.io import atomic_write


class History:
    """Accumulates detached scalars on the device (no sync per step) and averages per interval."""

    def __init__(self) -> None:
        self.rows: list[dict[str, float]] = []
        self._sums: dict[str, torch.Tensor] = {}
        self._kept: torch.Tensor | None = None  # steps in the open interval, on the device

    def add(self, values: dict[str, torch.Tensor], keep: torch.Tensor | None = None) -> None:
        """Add one step's values; with ``keep`` (a device bool), only if it is True.

        ``keep`` lets the trainer leave a non-finite step out of the means without reading
        anything on the host: the kept-step count stays on the device until the row closes.
        """
        if keep is None:
            keep = torch.ones((), dtype=torch.bool, device=next(iter(values.values())).device)
        for key, value in values.items():
            value = value.detach().float()
            previous = self._sums.get(key)
            if previous is None:
                self._sums[key] = torch.where(keep, value, torch.zeros_like(value))
            else:
                self._sums[key] = torch.where(keep, previous + value, previous)
        self._kept = keep.long() if self._kept is None else self._kept + keep

    @property
    def _count(self) -> int:
        """Steps kept in the open interval (reads the device)."""
        return 0 if self._kept is None else int(self._kept)

    def flush(self, step: int) -> dict[str, float]:
        """Close the interval ending at ``step`` (steps done) and return its means."""
        count = self._count
        if not count:
            self._sums, self._kept = {}, None
            return {}
        row = {"step": float(step)}
        row.update({k: float(v) / count for k, v in self._sums.items()})
        self.rows.append(row)
        self._sums, self._kept = {}, None
        return row

    def state_dict(self) -> dict:
        return {
            "rows": self.rows,
            "sums": {k: float(v) for k, v in self._sums.items()},
            "count": self._count,
        }

    def load_state_dict(self, state: dict, device: torch.device) -> None:
        self.rows = list(state["rows"])
        self._sums = {
            k: torch.tensor(v, dtype=torch.float32, device=device) for k, v in state["sums"].items()
        }
        count = int(state["count"])
        self._kept = torch.tensor(count, device=device) if count else None

    def write_csv(self, path: Path) -> None:
        keys: list[str] = []
        for row in self.rows:
            keys += [k for k in row if k not in keys]

        def write(f) -> None:
            f.write(",".join(keys) + "\n")
            for row in self.rows:
                f.write(",".join("" if k not in row else f"{row[k]:.6g}" for k in keys) + "\n")

        atomic_write(path, write, "w")
