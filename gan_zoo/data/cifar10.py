"""CIFAR-10 (Krizhevsky 2009) through torchvision's ``CIFAR10`` class: 32x32 RGB, 10 classes.

The python pickle batches live where torchvision puts them (``<root>/cifar-10-batches-py/``);
each is checked against the MD5 torchvision lists for it. The Stacked GAN paper's main results
are on this set (Inception Score 8.59 +- 0.12).
"""

from __future__ import annotations

import os

import numpy as np
import torch

from gan_zoo.data.dataset import ImageDataset
from gan_zoo.data.registry import JudgeSettings, register_dataset
from gan_zoo.data.torchvision_files import ensure_files
from gan_zoo.errors import ConfigError
from gan_zoo.paths import data_root

CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)


def load_cifar10(split: str = "train", root: str | os.PathLike[str] | None = None) -> ImageDataset:
    """``train`` (50,000) or ``test`` (10,000) images as uint8 N x 3 x 32 x 32."""
    from torchvision.datasets import CIFAR10

    if split not in ("train", "test"):
        raise ConfigError(f"cifar10 has the splits train and test, not {split!r}")
    base = data_root(root)
    folder = base / CIFAR10.base_folder
    files = [(name, md5) for name, md5 in CIFAR10.train_list + CIFAR10.test_list]
    files.append((CIFAR10.meta["filename"], CIFAR10.meta["md5"]))
    ensure_files(
        "CIFAR-10",
        folder,
        files,
        lambda: CIFAR10(str(base), train=True, download=True),
        f"extract {CIFAR10.filename} from {CIFAR10.url} into {base}",
    )
    data = CIFAR10(str(base), train=split == "train", download=False)
    images = torch.from_numpy(np.ascontiguousarray(data.data.transpose(0, 3, 1, 2)))
    return ImageDataset(
        name="cifar10",
        split=split,
        images=images,
        labels=torch.as_tensor(data.targets, dtype=torch.int64),
        num_classes=len(CLASSES),
        info=(
            f"cifar10 {split}: {len(images)} images 3x32x32 uint8 0-255, 10 classes, from "
            f"{folder} (torchvision's official MD5s)"
        ),
        extra={"class_names": CLASSES, "folder": str(folder)},
    )


register_dataset(
    "cifar10",
    title="CIFAR-10",
    splits=("train", "test"),
    image_shape=(3, 32, 32),
    load=load_cifar10,
    class_names=CLASSES,
    # A small conv classifier with no augmentation reaches about 0.75 in a few epochs; a judge
    # below 0.70 would make its FID and label scores unreliable.
    judge=JudgeSettings(epochs=8, min_accuracy=0.70),
    # the official CIFAR-10 Stacked GAN draws a 16-d z0 (50-d on MNIST)
    model_defaults={"sgan": {"z0_dim": 16}},
    description="CIFAR-10, 32x32 RGB photographs in 10 classes (torchvision's CIFAR10)",
    aliases=("cifar-10",),
)
