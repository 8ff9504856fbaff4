"""Checks on the folders the data layer writes to."""

from __future__ import annotations

import tempfile
from pathlib import Path


def is_writable(folder: Path) -> bool:
    """Whether files can be created in ``folder`` (created if missing).

    Tried for real rather than with ``os.access``, which misjudges read-only mounts and
    network file systems.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return False
    return True
