"""How every command line of the suite ends on a refused input or write: one line, one code."""

from __future__ import annotations

import sys

from gan_zoo.errors import GanZooError
from gan_zoo.io import WRITE_FAILED, WriteError


def refused(exc: GanZooError) -> int:
    """Print ``exc`` as one ``error:`` line on stderr and return the exit code it stands for:
    ``WRITE_FAILED`` (74) when the disk or a folder refused a file, 2 for bad input."""
    print(f"error: {exc}", file=sys.stderr)
    return WRITE_FAILED if isinstance(exc, WriteError) else 2
