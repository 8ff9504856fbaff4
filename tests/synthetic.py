"""Small synthetic data for tests that need a model but not real digits (never skipped)."""

from __future__ import annotations

import torch

from gan_zoo.data.dataset import ImageDataset


def synthetic_mnist(n: int = 512, seed: int = 0) -> ImageDataset:
    """``n`` random 28 x 28 uint8 images with labels 0-9, shaped and named like MNIST."""
    g = torch.Generator().manual_seed(seed)
    return ImageDataset(
        name="mnist",
        split="train",
        images=torch.randint(0, 256, (n, 1, 28, 28), generator=g, dtype=torch.uint8),
        labels=torch.arange(n) % 10,
        num_classes=10,
        info="synthetic: random pixels, labels cycling 0-9",
    )
