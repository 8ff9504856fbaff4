"""The one rule for derived artefacts cached under a digest of everything that made them.

A cache entry is named by :func:`short_digest` of its recipe, so a change of data, seed or code
version can never reuse stale weights. :func:`load_or_build` loads it, else builds it under an
exclusive lock beside the entry (POSIX ``flock``), checking again once the lock is held, so
processes sharing the cache build each entry once. Builders write atomically (``gan_zoo.io``).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


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


def load_or_build(entry: Path, load: Callable[[], T | None], build: Callable[[], T]) -> T:
    """``load()`` the entry; if it gives None, ``build()`` it while holding the entry's lock."""
    found = load()
    if found is not None:
        return found
    with exclusive(entry.with_name(f".{entry.name}.lock")):
        found = load()  # another process may have built it meanwhile
        return found if found is not None else build()
