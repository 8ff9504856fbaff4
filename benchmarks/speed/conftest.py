"""Fixtures for the speed checks: real MNIST in memory, skipped with a reason when absent."""

from __future__ import annotations

import pytest

from gan_zoo.data import load_dataset
from gan_zoo.errors import DataError


@pytest.fixture(scope="session")
def mnist():
    try:
        return load_dataset("mnist", "train")
    except DataError as exc:
        pytest.skip(f"MNIST not available: {exc}")
