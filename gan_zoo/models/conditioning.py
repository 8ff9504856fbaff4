"""Label conditioning shared by CGAN, ACGAN and Stacked GAN.

All three feed a class label as a one-hot vector concatenated to a flat input (the generator's
latent vector, or the discriminator's flattened conv features), so one function serves them all.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def with_label(
    x: torch.Tensor, labels: torch.Tensor | None, num_classes: int | None
) -> torch.Tensor:
    """Append ``one_hot(labels)`` to the flat features ``x``; a no-op for unconditional nets."""
    if labels is None or not num_classes:
        return x
    return torch.cat([x, F.one_hot(labels, num_classes).to(x.dtype)], dim=1)


def label_width(num_classes: int | None) -> int:
    """How many input features ``with_label`` adds."""
    return num_classes or 0
