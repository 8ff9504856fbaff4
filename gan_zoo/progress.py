"""One switch for every progress bar in the library, and the one-line stage messages.

The runner's ``--no-progress`` must silence all bars of a run, including those of helpers deep in
the call tree (Stacked GAN's encoder, classifiers) that never see the runner's arguments. Stage
messages (one line when a long phase starts or ends, with its time) stay: a log read later, or
a run under ``--no-progress``, still shows where the time went.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tqdm.auto import tqdm

_enabled = True
#: notes already said by this process (``note_once``)
_said: set[str] = set()


def set_progress(enabled: bool) -> None:
    """Turn every later progress bar of this process on or off."""
    global _enabled
    _enabled = bool(enabled)


def progress_bar(*, disable: bool = False, **kwargs: Any) -> tqdm:
    """A tqdm bar that stays silent when progress is switched off or ``disable`` is set."""
    return tqdm(disable=disable or not _enabled, **kwargs)


def stage(message: str) -> None:
    """One line on stderr, bars on or off (written above an active bar, not through it)."""
    tqdm.write(message, file=sys.stderr)


@contextmanager
def timed_stage(label: str, announce: bool = False) -> Iterator[None]:
    """``label: 12.3 s`` when the block ends (and ``label ...`` as it starts, if ``announce``:
    for a phase long enough that a silent wait would look like a hang)."""
    start = time.perf_counter()
    if announce:
        stage(f"{label} ...")
    yield
    stage(f"{label}: {time.perf_counter() - start:.1f} s")


def note_once(message: str) -> None:
    """``note: message`` on stderr the first time this process is told it: a fact of the whole
    plan (not of one run) is one plain line, however many runs meet it."""
    if message not in _said:
        _said.add(message)
        stage(f"note: {message}")


def said_notes() -> tuple[str, ...]:
    """The notes this process has said (handed to worker processes, see ``mark_said``)."""
    return tuple(sorted(_said))


def mark_said(message: str) -> None:
    """Count ``message`` as said in this process (a worker whose parent said it for the plan)."""
    _said.add(message)
