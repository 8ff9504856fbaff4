"""The datasets gan-zoo benchmarks on, behind one entry point that reads the dataset registry.

``load_dataset(name, split, root)`` returns an ``ImageDataset`` (uint8 N x C x H x W as on
disk); ``available()`` lists the registered names; ``ground_truth("dsprites")`` gives the
factor-sampling interface of disentanglement metrics; ``DataSplits`` loads a dataset's splits
once for everything that needs them (the metrics of one evaluation). A name may also be a spec
of the user's own data, ``folder:PATH`` or ``npz:PATH`` (see ``gan_zoo.data.user``).
"""

from __future__ import annotations

import os
from typing import Any

from gan_zoo.data import builtin  # noqa: F401  (its import registers the built-ins first)
from gan_zoo.data.dataset import ImageDataset
from gan_zoo.data.dsprites import DSpritesGroundTruth
from gan_zoo.data.registry import (
    DatasetEntry,
    JudgeSettings,
    register_dataset,
    resolve,
    unregister_dataset,
)
from gan_zoo.data.registry import available as _registered
from gan_zoo.errors import ConfigError

Root = str | os.PathLike[str] | None


def available() -> list[str]:
    """Names accepted by ``load_dataset`` (besides ``folder:PATH`` and ``npz:PATH`` specs)."""
    return _registered()


def canonical_name(name: str) -> str:
    """The registered name of a name, alias or spec (``Fashion_MNIST`` -> ``fashion-mnist``)."""
    return resolve(name).name


def splits(name: str) -> tuple[str, ...]:
    """The splits a dataset offers (dSprites has only ``train``, the whole set)."""
    return resolve(name).splits


def load_dataset(name: str, split: str = "train", root: Root = None) -> ImageDataset:
    """Load a dataset; ``root`` beats ``GAN_ZOO_DATA``, which beats the user cache folder."""
    entry = resolve(name)
    if split not in entry.splits:
        raise ConfigError(
            f"unknown split {split!r} for {entry.name}; choose one of: {', '.join(entry.splits)}"
        )
    return entry.load(split, root)


def ground_truth(name: str = "dsprites", root: Root = None) -> Any:
    """The ground-truth sampler of a factor dataset (dSprites has one)."""
    entry = resolve(name)
    if entry.ground_truth is None:
        with_factors = [n for n in available() if resolve(n).ground_truth is not None]
        raise ConfigError(
            f"{entry.name} has no ground-truth factors; only {', '.join(with_factors)} "
            f"{'does' if len(with_factors) == 1 else 'do'}"
        )
    return entry.ground_truth(load_dataset(entry.name, "train", root))


class DataSplits:
    """A dataset's splits, each loaded on first use and then kept: one load per evaluation.

    ``loaded`` are splits the caller already holds (the training split of a run).
    """

    def __init__(self, name: str, root: Root = None, **loaded: ImageDataset) -> None:
        self.spec, self.root = name, root
        self._loaded: dict[str, ImageDataset] = dict(loaded)

    @property
    def entry(self) -> DatasetEntry:
        return resolve(self.spec)

    @property
    def name(self) -> str:
        return self.entry.name

    def __getitem__(self, split: str) -> ImageDataset:
        if split not in self._loaded:
            self._loaded[split] = load_dataset(self.spec, split, self.root)
        return self._loaded[split]

    @property
    def train(self) -> ImageDataset:
        return self["train"]

    @property
    def test(self) -> ImageDataset:
        return self["test"]


__all__ = [
    "DSpritesGroundTruth",
    "DataSplits",
    "DatasetEntry",
    "ImageDataset",
    "JudgeSettings",
    "available",
    "canonical_name",
    "ground_truth",
    "load_dataset",
    "register_dataset",
    "splits",
    "unregister_dataset",
]
