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
        self._count = 0

    def add(self, values: dict[str, torch.Tensor]) -> None:
        for key, value in values.items():
            value = value.detach().float()
            self._sums[key] = self._sums[key] + value if key in self._sums else value.clone()
        self._count += 1

    def flush(self, step: int) -> dict[str, float]:
        """Close the interval ending at ``step`` (steps done) and return its means."""
        if not self._count:
            return {}
        row = {"step": float(step)}
        row.update({k: float(v) / self._count for k, v in self._sums.items()})
        self.rows.append(row)
        self._sums, self._count = {}, 0
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
        self._count = int(state["count"])

    def write_csv(self, path: Path) -> None:
        keys: list[str] = []
        for row in self.rows:
            keys += [k for k in row if k not in keys]

        def write(f) -> None:
            f.write(",".join(keys) + "\n")
            for row in self.rows:
                f.write(",".join("" if k not in row else f"{row[k]:.6g}" for k in keys) + "\n")

        atomic_write(path, write, "w")
