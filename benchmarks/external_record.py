"""What the two ways of ``python -m benchmarks.evaluate`` share in their records and printouts:
one file against a test split (``benchmarks.evaluate``) and two sets against each other
(``benchmarks.evaluate_sets``). Both import this module; neither imports the other's."""

from __future__ import annotations

import re
from pathlib import Path

from gan_zoo.errors import DataError

#: protocol counts, printed without a real-data level
COUNTS = ("quality_samples", "quality_reference", "prc_samples")


def label_of(name: str | None, samples: Path) -> str:
    """The record's row label: ``--name``, else the file's stem; it names the record file."""
    label = name if name is not None else samples.stem or samples.name
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", label):
        raise DataError(
            f"name {label!r} must be letters, digits, '.', '_' or '-' (it names the record file)"
        )
    return label


def shown(value: float) -> str:
    """A score as the command prints it: 4 significant digits, counts in full."""
    if float(value).is_integer() and abs(value) >= 1:
        return f"{value:.0f}"
    return f"{value:.4g}"
