"""SVHN cropped digits (Netzer et al. 2011) through torchvision's ``SVHN`` class: 32x32 RGB.

The MATLAB files live in ``<root>/SVHN/`` (``train_32x32.mat``, ``test_32x32.mat``), each
checked against the MD5 torchvision lists; label 10 means the digit 0, as torchvision maps it.
InfoGAN's paper shows SVHN; the Stacked GAN paper reports on it too.
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

FOLDER = "SVHN"
CLASSES = tuple(str(d) for d in range(10))


def load_svhn(split: str = "train", root: str | os.PathLike[str] | None = None) -> ImageDataset:
    """``train`` (73,257) or ``test`` (26,032) images as uint8 N x 3 x 32 x 32."""
    from torchvision.datasets import SVHN

    if split not in ("train", "test"):
        raise ConfigError(f"svhn has the splits train and test, not {split!r}")
    folder = data_root(root) / FOLDER
    url, name, md5 = SVHN.split_list[split]
    ensure_files(
        "SVHN",
        folder,
        [(name, md5)],
        lambda: SVHN(str(folder), split=split, download=True),
        f"download {url}",
    )
    data = SVHN(str(folder), split=split, download=False)
    images = torch.from_numpy(np.ascontiguousarray(data.data))
    return ImageDataset(
        name="svhn",
        split=split,
        images=images,
        labels=torch.from_numpy(data.labels.astype(np.int64)),
        num_classes=len(CLASSES),
        info=(
            f"svhn {split}: {len(images)} images 3x32x32 uint8 0-255, 10 classes, from "
            f"{folder / name} (torchvision's official MD5)"
        ),
        extra={"class_names": CLASSES, "folder": str(folder)},
    )


register_dataset(
    "svhn",
    title="SVHN",
    splits=("train", "test"),
    image_shape=(3, 32, 32),
    load=load_svhn,
    class_names=CLASSES,
    # house-number digits are easier than CIFAR-10: the same small judge passes 0.90
    judge=JudgeSettings(epochs=4, min_accuracy=0.90),
    description="SVHN cropped house-number digits, 32x32 RGB (torchvision's SVHN)",
)
