"""The one rule for derived artefacts cached under a digest of everything that made them.

A cache entry is named by :func:`short_digest` of its recipe, so a change of data, seed or code
version can never reuse stale weights. :func:`load_or_build` loads it, else builds it under an
exclusive lock beside the entry (POSIX ``flock``), checking again once the lock is held, so
processes sharing the cache build each entry once. Builders write atomically (``gan_zoo.io``).
An entry that fails to load (a truncated file, a disk fault, a foreign pickle) is set aside as
``*.corrupt`` with a one-line warning naming it and built again; builds are seeded, so the
rebuilt entry gives the same numbers.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


def short_digest(recipe: str) -> str:
    """The first 16 hex digits of the SHA-256 of ``recipe``: a cache entry's name."""
    return hashlib.sha256(recipe.encode()).hexdigest()[:16]


@contextlib.contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` across processes (POSIX; elsewhere a no-op)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock, atomic writes still hold
        yield
        return
    with open(lock_file, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def set_aside(entry: Path, error: BaseException, companions: Iterable[Path] = ()) -> None:
    """Move a damaged cache entry (and its sidecar files) to ``*.corrupt``, with one warning."""
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    for path in (entry, *companions):
        with contextlib.suppress(FileNotFoundError):  # another process set it aside first
            os.replace(path, path.with_name(path.name + ".corrupt"))
    log.warning(
        "cache entry %s is damaged (%s); set aside as %s.corrupt and rebuilt",
        entry,
        reason,
        entry.name,
    )


def load_or_build(
    entry: Path,
    load: Callable[[], T | None],
    build: Callable[[], T],
    companions: Iterable[Path] = (),
) -> T:
    """``load()`` the entry; if it gives None, ``build()`` it while holding the entry's lock.

    A ``load()`` that raises means a damaged entry: it and its ``companions`` (sidecar files)
    are set aside and the entry is built again.
    """

    def checked() -> T | None:
        try:
            return load()
        except Exception as exc:  # torch, json and numpy each raise their own on damage
            set_aside(entry, exc, companions)
            return None

    found = checked()
    if found is not None:
        return found
    with exclusive(entry.with_name(f".{entry.name}.lock")):
        found = checked()  # another process may have built it meanwhile
        return found if found is not None else build()
