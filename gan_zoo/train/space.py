"""Room for a run's checkpoints, checked before its first step rather than found at its first save.

A checkpoint's size is known before training: the model, the optimisers' moments (Adam keeps
two per parameter, created at the first step), the sampler's order and the RNG states. Two are
on disk at a save (the last one, still linked as the previous, and the new one), so a folder
with less than twice that free would fail part way; it is refused in one line instead.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch

from gan_zoo.io import WriteError
from gan_zoo.train.checkpoints import CheckpointFiles

#: room kept for the history, the run's figures and the file system's own rounding
MARGIN = 1 << 20


def tensor_bytes(obj: Any) -> int:
    """Bytes of every tensor inside nested dicts, lists and tuples."""
    if isinstance(obj, torch.Tensor):
        return obj.numel() * obj.element_size()
    if isinstance(obj, dict):
        return sum(tensor_bytes(v) for v in obj.values())
    if isinstance(obj, list | tuple):
        return sum(tensor_bytes(v) for v in obj)
    return 0


def checkpoint_bytes(state: dict[str, Any], optimizers: Iterable[torch.optim.Optimizer]) -> int:
    """A checkpoint's size once training has started: ``state`` plus the moments an optimiser
    without state yet will hold (two per parameter, as Adam's)."""
    size = tensor_bytes(state)
    for opt in optimizers:
        if not opt.state:
            size += 2 * sum(tensor_bytes(p) for g in opt.param_groups for p in g["params"])
    return size


def check_room(folder: Path, checkpoint: int) -> None:
    """A one-line ``WriteError`` if ``folder`` cannot hold two checkpoints of this size.

    The checkpoints already there count as room: a save replaces the previous one.
    """
    probe = Path(folder)
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    free = shutil.disk_usage(probe).free + _held(CheckpointFiles(folder))
    need = 2 * checkpoint + MARGIN
    if free < need:
        raise WriteError(
            f"not enough space in {folder}: this run keeps two checkpoints of {_mb(checkpoint)} "
            f"(about {_mb(need)} with its history), and {_mb(free)} is free or held by its "
            "checkpoints; free some space "
            "or point GAN_ZOO_RUNS at a larger disk"
        )


def _held(files: CheckpointFiles) -> int:
    """Bytes the run's checkpoints hold now (a file linked under both names counts once)."""
    seen: dict[tuple[int, int], int] = {}
    for path in (files.current, files.previous):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        seen[(stat.st_dev, stat.st_ino)] = stat.st_size
    return sum(seen.values())


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"
