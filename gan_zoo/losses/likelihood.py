"""Negative log-likelihoods that several terms are built from.

ACGAN's auxiliary loss, Stacked GAN's label-level conditional loss and InfoGAN's categorical
information term are all ``categorical_nll``; the Euclidean losses (Stacked GAN's feature-level
conditional loss, entropy loss with fixed variance) are ``squared_error`` / ``gaussian_nll``.
All are computed in float32 whatever precision the nets ran in.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

_LOG_2PI = math.log(2 * math.pi)


def categorical_nll(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy in nats."""
    return F.cross_entropy(logits.float(), targets)


def gaussian_nll(
    mean: torch.Tensor, target: torch.Tensor, log_std: torch.Tensor | None = None, std: float = 1.0
) -> torch.Tensor:
    """Mean over the batch of the summed per-dimension Gaussian negative log-likelihood, in nats.

    With ``log_std`` None the std is fixed, so the loss is a scaled squared error plus a constant;
    keeping the constant makes the number a true likelihood the bound can be read from.
    """
    mean, target = mean.float(), target.float()
    log_std = torch.full_like(mean, math.log(std)) if log_std is None else log_std.float()
    per_dim = 0.5 * _LOG_2PI + log_std + 0.5 * ((target - mean) * torch.exp(-log_std)) ** 2
    return per_dim.sum(dim=1).mean()


def squared_error(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of the summed squared error (Euclidean loss)."""
    return ((prediction.float() - target.float()) ** 2).sum(dim=1).mean()
