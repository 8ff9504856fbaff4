"""Ctrl-C and SIGTERM both mean "save and stop": cluster schedulers (Slurm preemption, Ray
cancellation, Kubernetes) send SIGTERM, and a preempted run must resume like an interrupted one.

During training a signal only sets a flag that the loop reads between steps, so the checkpoint
is always consistent; a second signal stops at once. Outside training, SIGTERM raises
``Terminated`` (a ``KeyboardInterrupt``) so command-line tools end like on Ctrl-C, with exit
code 143 instead of 130.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would raise KeyboardInterrupt."""


def exit_code(exc: BaseException | None = None, signum: int | None = None) -> int:
    """The shell's convention: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM)."""
    if signum is None:
        signum = signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT
    return 128 + int(signum)


def _raise_terminated(signum, frame) -> None:
    raise Terminated


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C in the block (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class StopFlag:
    """Set by SIGINT or SIGTERM while ``catching()`` is active; remembers which signal came."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.signum: int | None = None

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self, signum: int | None = None) -> None:
        self.signum = signum
        self._event.set()

    @contextlib.contextmanager
    def catching(self) -> Iterator[None]:
        """Route SIGINT and SIGTERM to this flag inside the block; a second one stops at once."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum, frame) -> None:
            if self._event.is_set():
                for sig, old in previous.items():
                    signal.signal(sig, old)
                raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt
            self.set(signum)

        previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)
