"""One switch for every progress bar in the library.

The runner's ``--no-progress`` must silence all bars of a run, including those of helpers deep in
the call tree (Stacked GAN's encoder, classifiers) that never see the runner's arguments.
"""

from __future__ import annotations

from typing import Any

from tqdm.auto import tqdm

_enabled = True


def set_progress(enabled: bool) -> None:
    """Turn every later progress bar of this process on or off."""
    global _enabled
    _enabled = bool(enabled)


def progress_bar(*, disable: bool = False, **kwargs: Any) -> tqdm:
    """A tqdm bar that stays silent when progress is switched off or ``disable`` is set."""
    return tqdm(disable=disable or not _enabled, **kwargs)
