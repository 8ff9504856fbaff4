"""The one rule for derived artefacts cached under a digest of everything that made them.

A cache entry is named by :func:`short_digest` of its recipe, so a change of data, seed or code
version can never reuse stale weights. :func:`load_or_build` loads it, else builds it under an
exclusive lock beside the entry (POSIX ``flock``), checking again once the lock is held, so
processes sharing the cache build each entry once. Builders write atomically (``gan_zoo.io``).
An entry that fails to load (a truncated file, a disk fault, a foreign pickle) is set aside as
``*.corrupt`` with a one-line warning naming it and built again; builds are seeded, so the
rebuilt entry gives the same numbers.

Each entry's SHA-256 is written beside it (``<entry>.sha256``) when it is built and checked
before it is loaded: a flipped byte inside a tensor loads without complaint (zip archives
store tensor data unchecked), and an entry with no digest (copied in, or made by an older
version) proves nothing about where it came from, so both are set aside and rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from gan_zoo.io import atomic_write

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


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes (hex), read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def digest_path(entry: Path) -> Path:
    """Where ``entry``'s SHA-256 is kept, beside it."""
    return entry.with_name(entry.name + ".sha256")


class DigestMismatch(ValueError):
    """A cache entry whose bytes are not those it was built with."""


def verify_digest(entry: Path) -> bool:
    """True if ``entry`` matches its recorded digest, False if it has none (yet); raises
    :class:`DigestMismatch` if the bytes differ from those it was built with."""
    sidecar = digest_path(entry)
    if not sidecar.exists():
        return False
    if file_sha256(entry) != sidecar.read_text().strip():
        raise DigestMismatch("its bytes differ from the SHA-256 recorded when it was built")
    return True


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

    A ``load()`` that raises, or an entry whose bytes do not match its recorded SHA-256, means
    a damaged entry: it and its ``companions`` (sidecar files) are set aside and the entry is
    built again, and its digest recorded.
    """
    companions = (*companions, digest_path(entry))

    def checked(locked: bool) -> T | None:
        try:
            if entry.exists() and not verify_digest(entry):
                if not locked:
                    return None  # perhaps being built right now: look again under the lock
                raise DigestMismatch("no SHA-256 was recorded for it, so it proves nothing")
            return load()
        except Exception as exc:  # torch, json and numpy each raise their own on damage
            set_aside(entry, exc, companions)
            return None

    found = checked(locked=False)
    if found is not None:
        return found
    with exclusive(entry.with_name(f".{entry.name}.lock")):
        found = checked(locked=True)  # another process may have built it meanwhile
        if found is not None:
            return found
        built = build()
        if entry.exists():
            atomic_write(digest_path(entry), lambda f: f.write(file_sha256(entry)), "w")
        return built
