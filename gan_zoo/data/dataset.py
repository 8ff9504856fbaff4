"""The in-memory dataset every part of gan-zoo consumes."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass
class ImageDataset:
    """Images as stored on disk (uint8, N x C x H x W) with labels or factors.

    Kept as uint8 so the whole set fits on the device once and batches are drawn by index;
    conversion to float happens per batch inside the harness.
    """

    name: str
    split: str
    images: torch.Tensor
    labels: torch.Tensor | None
    num_classes: int | None
    info: str
    factor_names: tuple[str, ...] | None = None
    factor_sizes: tuple[int, ...] | None = None
    factor_classes: torch.Tensor | None = None
    factor_values: torch.Tensor | None = None
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def image_shape(self) -> tuple[int, int, int]:
        c, h, w = self.images.shape[1:]
        return int(c), int(h), int(w)
