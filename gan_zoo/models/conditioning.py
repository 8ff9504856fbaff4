"""Label conditioning shared by CGAN, ACGAN and Stacked GAN.

Generators get the label as a one-hot vector concatenated to their flat input (``with_label``).
A conditional discriminator gets it either the same way, concatenated to its flattened conv
features (Mirza & Osindero 2014), or by projection (Miyato & Koyama 2018): the real/fake logit
gains the inner product of a learned class embedding with the trunk's features. Both are kept so
the choice is a measured hyperparameter, not a belief (``d_conditioning``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


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


D_CONDITIONING = ("concat", "projection")


class LabelProjection(nn.Module):
    """The projection term <embed(y), h> added to a conditional discriminator's logit."""

    def __init__(self, num_classes: int, features: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(num_classes, features)
        nn.init.normal_(self.embed.weight, 0.0, 0.02)

    def forward(self, h: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return (self.embed(labels).to(h.dtype) * h).sum(dim=1)
