"""The one place gan-zoo writes files and reads saved tensors back.

Writes are atomic (a temp file beside the target, then a rename), so a crash, Ctrl-C or a full
disk never leaves a half-written file and the previous good file stays in place. Each file gets
the mode any new file of the user gets (``0o666`` less the umask: ``0o644`` under the usual
``022``), not a temp file's private ``0o600``, so a shared results folder stays readable to the
people it is shared with. A write the file system refuses (disk full, read-only, no permission,
a missing folder) becomes one ``WriteError`` naming the path and the cause; the command-line
tools stop the plan on it with exit code ``WRITE_FAILED`` (74, sysexits' EX_IOERR). Saved
tensors are read back with ``weights_only=True``: a file that would need arbitrary unpickling
(it could run code) is refused with one line naming it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import pickle
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from gan_zoo.errors import DataError, GanZooError

#: the exit code of a plan stopped because a file could not be written
WRITE_FAILED = 74
#: what the file system says when it will not take a write; each is the user's to fix
WRITE_ERRNOS = frozenset(
    {
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EFBIG,
        errno.EROFS,
        errno.EACCES,
        errno.EPERM,
        errno.ENOENT,
        errno.ENOTDIR,
        errno.EIO,
    }
)


class WriteError(GanZooError):
    """A file could not be written; the previous version of it, if any, is untouched."""


def os_cause(exc: BaseException | None) -> OSError | None:
    """The file-system refusal behind ``exc``, following chained causes.

    torch's zip writer reports a short write as a RuntimeError and keeps the ``OSError`` only
    as its context, so the chain is searched, not just the outer exception.
    """
    chain: list[BaseException] = []
    while exc is not None and all(exc is not e for e in chain):
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    for link in chain:
        if isinstance(link, OSError) and link.errno in WRITE_ERRNOS:
            return link
    for link in chain:  # a short write torch noticed on its own
        if isinstance(link, RuntimeError) and "No space left" in str(link):
            return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return None


def write_error(path: Path, cause: OSError) -> WriteError:
    """One line: which file, what the file system said, and that the old file is kept."""
    reason = cause.strerror or os.strerror(cause.errno or 0)
    name = errno.errorcode.get(cause.errno or 0, "")
    kept = f"; the previous {path.name} is kept" if path.exists() else ""
    return WriteError(
        f"cannot write {path}: {reason}"
        + (f" ({name})" if name else "")
        + kept
        + "; make room or fix the folder, then run the same command again"
    )


@contextlib.contextmanager
def writing(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn a file-system refusal while writing ``path`` into a one-line ``WriteError``."""
    try:
        yield
    except WriteError:
        raise
    except Exception as exc:
        cause = os_cause(exc)
        if cause is None:
            raise
        raise write_error(Path(path), cause) from exc


def current_umask() -> int:
    """The process's umask, read without changing it where the system tells it
    (``/proc/self/status`` on Linux); elsewhere set and restored at once under a lock."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:  # the private 0o077 for that instant: nothing made then is too open
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


_UMASK_LOCK = threading.Lock()


def new_file_mode() -> int:
    """The permission bits a file created now with ``open()`` would get."""
    return 0o666 & ~current_umask()


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[Any], None], mode: str = "wb"
) -> Path:
    """Call ``write(fileobj)`` on a temp file beside ``path``, then rename it into place."""
    path = Path(path)
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, mode) as handle:
                os.chmod(tmp, new_file_mode())  # not mkstemp's 0o600: others may read it
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    return path


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as indented, key-sorted JSON, atomically."""
    return atomic_write(
        path, lambda f: json.dump(obj, f, indent=2, sort_keys=True, default=str), "w"
    )


def atomic_torch_save(path: str | os.PathLike[str], obj: Any) -> Path:
    """``torch.save`` through a temp file and rename."""
    import torch

    return atomic_write(path, lambda f: torch.save(obj, f))


def _numpy_globals() -> list[Any]:
    """numpy's array reconstruction: RNG states and torch-fidelity statistics hold arrays of
    plain numbers, which this rebuilds without running any other code."""
    import numpy as np

    found: list[Any] = [np.ndarray, np.dtype]
    core = getattr(np, "_core", None) or np.core
    found.append(core.multiarray._reconstruct)
    numeric = ("Bool", "Byte", "Short", "Int", "Long", "Half", "Float", "Double", "Complex")
    found += [
        getattr(np.dtypes, n)
        for n in dir(np.dtypes)
        if n.endswith("DType") and n.lstrip("CU").startswith(numeric) and "Bytes" not in n
    ]
    return found


def load_tensors(path: str | os.PathLike[str], map_location: Any = "cpu") -> Any:
    """``torch.load`` with ``weights_only=True`` (numpy arrays allowed as plain data).

    A file whose unpickling needs anything else (a class, a function: it could run code) is
    refused with a ``DataError`` naming it; a damaged file raises torch's own error, which the
    callers treat as damage (set aside, rebuilt or resumed from the previous checkpoint). Which
    of the two a refused load is, is decided by what the file holds (the globals its pickle
    names), never by the wording of torch's message, which changes between releases and
    between a blocked module and an unknown class.
    """
    import torch

    allowed = _numpy_globals()
    try:
        with torch.serialization.safe_globals(allowed):
            return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError:
        foreign = unsafe_globals(path, allowed)
        if not foreign:
            raise  # damage, not a foreign object
        raise UnsafeFileError(
            f"refused {path}: it holds objects other than tensors and plain data "
            f"({', '.join(foreign[:3])}), and loading it could run code; it is left as it is: "
            "delete it if you did not make it"
        ) from None


def unsafe_globals(path: str | os.PathLike[str], allowed: list[Any]) -> list[str]:
    """The classes and functions ``path``'s pickle names beyond tensors and ``allowed``: empty
    for a file that is merely damaged (or unreadable as a checkpoint at all)."""
    import torch

    names = {f"{g.__module__}.{g.__qualname__}" for g in allowed}
    try:
        found = torch.serialization.get_unsafe_globals_in_checkpoint(path)
    except Exception:  # the archive itself is damaged: not a foreign object
        return []
    return [name for name in found if name not in names]


class UnsafeFileError(DataError):
    """A saved file that only arbitrary unpickling could read."""
