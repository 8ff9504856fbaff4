"""One process owns a run at a time: a lock file beside the run's folder.

Two runners on one results folder (a second terminal, a team, a Ray cluster on shared storage)
must not train the same run twice or race on its checkpoint and record. The lock is an
exclusive ``flock`` on ``<runs>/<run_id>.lock``, which the kernel releases when its owner exits
for any reason, a SIGKILL included: a lock file left behind by a dead process is therefore never
stale, and the next runner simply takes it. The file holds the owner's host and pid so the
runner that is turned away can say who has the run. (Where ``fcntl`` does not exist, as on
Windows, runs are not locked.)
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import IO, Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]


class RunLock:
    """``with RunLock(path) as lock:`` then ``lock.acquired`` (and ``lock.owner`` if not)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.acquired = False
        self.owner: dict[str, Any] = {}
        self._handle: IO[str] | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                self.owner = _parse(handle.read())
                handle.close()
                return self
        handle.seek(0)
        handle.truncate()
        json.dump({"host": socket.gethostname(), "pid": os.getpid(), "since": time.time()}, handle)
        handle.flush()
        self._handle, self.acquired = handle, True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file releases the lock
            self._handle, self.acquired = None, False

    def describe_owner(self) -> str:
        if not self.owner:
            return "another process"
        return f"pid {self.owner.get('pid', '?')} on {self.owner.get('host', '?')}"


def _parse(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:  # the owner is still writing it
        return {}
    return data if isinstance(data, dict) else {}
