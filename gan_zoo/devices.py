"""Which device to use: one rule for the trainer, the judge and every encoder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from gan_zoo.errors import ConfigError


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """CUDA when present, else CPU; an explicit choice wins, if this machine has it.

    The one device chooser of the library: the trainer, the judge and the encoders call it.
    """
    if device is None or str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(device)
    except RuntimeError:
        raise ConfigError(f"device {device!r}: expected auto, cpu, cuda or cuda:N") from None
    if chosen.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (chosen.index or 0) >= max(count, 1) or not count:
            raise ConfigError(f"device {device!r}: this machine has {count} CUDA device(s)")
    elif chosen.type != "cpu":
        raise ConfigError(f"device {device!r}: expected auto, cpu, cuda or cuda:N")
    return chosen


@contextmanager
def torch_threads(count: int | None) -> Iterator[None]:
    """Run a block on ``count`` CPU threads (None: as set now), then restore the count.

    A record's training is reproduced at the thread count it names (floats depend on it), while
    its evaluation, 10,000 Inception forward passes above all, may use every core.
    """
    before = torch.get_num_threads()
    if count is None or count == before:
        yield
        return
    if count < 1:
        raise ConfigError(f"{count} threads: expected at least 1")
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)
