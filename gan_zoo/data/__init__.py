"""The datasets gan-zoo benchmarks on, behind one entry point.

``load_dataset(name, split, root)`` returns an ``ImageDataset`` (uint8 N x C x H x W as on
disk); ``available()`` lists the names; ``ground_truth("dsprites")`` gives the factor-sampling
interface of disentanglement metrics.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from gan_zoo.data.dataset import ImageDataset
from gan_zoo.data.dsprites import DSpritesGroundTruth, load_dsprites
from gan_zoo.data.mnist import load_idx_dataset
from gan_zoo.errors import ConfigError

Root = str | os.PathLike[str] | None

_SPLITS: dict[str, tuple[str, ...]] = {
    "mnist": ("train", "test"),
    "fashion-mnist": ("train", "test"),
    "dsprites": ("train",),
}


def _loader(name: str) -> Callable[[str, Root], ImageDataset]:
    if name == "dsprites":
        return load_dsprites
    return lambda split, root: load_idx_dataset(name, split, root)


def available() -> list[str]:
    """Names accepted by ``load_dataset``."""
    return list(_SPLITS)


def _canonical(name: str) -> str:
    key = str(name).strip().lower().replace("_", "-")
    if key not in _SPLITS:
        raise ConfigError(f"unknown dataset {name!r}; choose one of: {', '.join(_SPLITS)}")
    return key


def canonical_name(name: str) -> str:
    """The registered spelling of a dataset name (``Fashion_MNIST`` -> ``fashion-mnist``)."""
    return _canonical(name)


def splits(name: str) -> tuple[str, ...]:
    """The splits a dataset offers (dSprites has only ``train``, the whole set)."""
    return _SPLITS[_canonical(name)]


def load_dataset(name: str, split: str = "train", root: Root = None) -> ImageDataset:
    """Load a dataset; ``root`` beats ``GAN_ZOO_DATA``, which beats the user cache folder."""
    key = _canonical(name)
    if split not in _SPLITS[key]:
        raise ConfigError(
            f"unknown split {split!r} for {key}; choose one of: {', '.join(_SPLITS[key])}"
        )
    return _loader(key)(split, root)


def ground_truth(name: str = "dsprites", root: Root = None) -> DSpritesGroundTruth:
    """The ground-truth sampler of a factor dataset (only dSprites has one)."""
    key = _canonical(name)
    if key != "dsprites":
        raise ConfigError(f"{key} has no ground-truth factors; only dsprites does")
    return DSpritesGroundTruth.from_dataset(load_dsprites("train", root))


__all__ = [
    "DSpritesGroundTruth",
    "ImageDataset",
    "available",
    "canonical_name",
    "ground_truth",
    "load_dataset",
    "splits",
]
