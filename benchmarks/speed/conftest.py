"""Fixtures for the speed checks: real MNIST in memory, skipped with a reason when absent.

The data are looked for where they already are ($GAN_ZOO_DATA, the repository's
``../shared/data``, the user's data folder); a missing MNIST skips at once instead of trying a
network download first.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gan_zoo.data import load_dataset
from gan_zoo.paths import data_root

RAW_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def local_mnist_root() -> Path | None:
    """The first data root holding the four raw MNIST files, or None; never downloads."""
    repo = Path(__file__).resolve().parents[2]
    candidates = [data_root(), repo.parent / "shared" / "data"]
    if os.environ.get("GAN_ZOO_DATA"):
        candidates.insert(0, Path(os.environ["GAN_ZOO_DATA"]).expanduser())
    for root in candidates:
        if all((root / "MNIST" / "raw" / name).is_file() for name in RAW_FILES):
            return root
    return None


@pytest.fixture(scope="session")
def mnist():
    root = local_mnist_root()
    if root is None:
        pytest.skip("MNIST not found locally ($GAN_ZOO_DATA, ../shared/data, the user cache)")
    return load_dataset("mnist", "train", root=root)
