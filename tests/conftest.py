"""Shared fixtures: data folders that never touch the user's real caches."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


@pytest.fixture
def isolated_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data root in GAN_ZOO_DATA, with GAN_ZOO_CACHE beside it."""
    data, cache = tmp_path / "data", tmp_path / "cache"
    monkeypatch.setenv("GAN_ZOO_DATA", str(data))
    monkeypatch.setenv("GAN_ZOO_CACHE", str(cache))
    return data


@pytest.fixture(scope="session")
def real_data_root() -> Path:
    """The folder with the real MNIST (GAN_ZOO_DATA, else ../shared/data); skip if absent."""
    candidates = [Path(p) for p in (os.environ.get("GAN_ZOO_DATA"),) if p]
    candidates.append(REPO_ROOT.parent / "shared" / "data")
    for root in candidates:
        if all((root / "MNIST" / "raw" / name).is_file() for name in MNIST_FILES):
            return root
    pytest.skip(f"real MNIST not found in {', '.join(map(str, candidates))}")


@pytest.fixture(scope="session")
def mnist_available(real_data_root: Path) -> Path:
    """Real MNIST is there; GAN_ZOO_DATA points at it for this process and its children."""
    os.environ["GAN_ZOO_DATA"] = str(real_data_root)
    return real_data_root


@pytest.fixture(scope="session")
def mnist_small(real_data_root: Path):
    """The first 6,000 MNIST training images: enough for models to learn in a few dozen steps."""
    from dataclasses import replace

    from gan_zoo.data import load_dataset

    full = load_dataset("mnist", "train", root=real_data_root)
    return replace(full, images=full.images[:6000].clone(), labels=full.labels[:6000].clone())
