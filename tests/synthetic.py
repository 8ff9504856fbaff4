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


def synthetic_dsprites(n: int = 256, seed: int = 0) -> ImageDataset:
    """``n`` rendered dSprites images at random factors, labelled by shape like the real set:
    what every family trains on in tests, without the 737,280-image array."""
    import numpy as np

    from gan_zoo.data.dsprites_factors import FACTOR_NAMES, FACTOR_SIZES, NUM_IMAGES, classes_of
    from gan_zoo.data.dsprites_render import render

    indices = np.random.default_rng(seed).choice(NUM_IMAGES, size=n, replace=False)
    classes = torch.from_numpy(classes_of(indices))
    return ImageDataset(
        name="dsprites",
        split="train",
        images=torch.from_numpy(render(indices)).unsqueeze(1),
        labels=classes[:, 1].clone(),
        num_classes=3,
        info=f"synthetic: {n} rendered dSprites images, seed {seed}",
        factor_names=FACTOR_NAMES,
        factor_sizes=FACTOR_SIZES,
        factor_classes=classes,
    )


def paper_record(model: str, seed: int, **fields) -> dict:
    """A complete MNIST record at the ``paper`` budget, as the runner writes one, with
    ``fields`` (metrics, history, curve, ...) on top: what the reporting tests read."""
    return {
        "run_id": f"mnist__{model}__paper__seed{seed}",
        "model": model,
        "dataset": "mnist",
        "budget": "paper",
        "seed": seed,
        "overrides": {},
        "status": "complete",
        **fields,
    }
