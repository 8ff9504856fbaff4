"""A dataset from the user's own package: one registration, found through an entry point.

``tiny-digits`` is the first 2,000 MNIST training images and 500 test images, 32x32 RGB (the
digit padded and repeated over three channels), so it uses the 32x32 nets and trains fast.
Declared in the package's ``pyproject.toml``::

    [project.entry-points."gan_zoo.datasets"]
    tiny_digits = "gan_zoo_tiny_digits"
"""

from __future__ import annotations

import torch.nn.functional as F

from gan_zoo.data import ImageDataset, JudgeSettings, load_dataset, register_dataset

SIZES = {"train": 2000, "test": 500}


def load_tiny_digits(split: str, root) -> ImageDataset:
    mnist = load_dataset("mnist", split, root)
    count = SIZES[split]
    images = F.pad(mnist.images[:count], (2, 2, 2, 2)).repeat(1, 3, 1, 1).contiguous()
    return ImageDataset(
        name="tiny-digits",
        split=split,
        images=images,
        labels=mnist.labels[:count].clone(),
        num_classes=10,
        info=f"tiny-digits {split}: the first {count} of {mnist.info}, padded to 3x32x32",
    )


register_dataset(
    "tiny-digits",
    title="Tiny digits",
    splits=("train", "test"),
    image_shape=(3, 32, 32),
    load=load_tiny_digits,
    class_names=tuple(str(d) for d in range(10)),
    judge=JudgeSettings(epochs=3, min_accuracy=0.80),
    defaults={"batch_size": 64},
    description="2,000 MNIST digits as 32x32 RGB (plugin example)",
)
