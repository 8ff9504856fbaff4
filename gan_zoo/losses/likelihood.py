"""Negative log-likelihoods that several terms are built from.

ACGAN's auxiliary loss, Stacked GAN's label-level conditional loss and InfoGAN's categorical
information term are all ``categorical_nll``; the Euclidean losses (Stacked GAN's feature-level
conditional loss, entropy loss with fixed variance) are ``squared_error`` / ``gaussian_nll``.
All are computed in float32 or wider whatever precision the nets ran in (``wide``: bf16 and
half are raised to float32, float64 stays float64, so a float64 run is float64 throughout).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

_LOG_2PI = math.log(2 * math.pi)


def wide(x: torch.Tensor) -> torch.Tensor:
    """``x`` in float32, or in its own type where that is wider (float64)."""
    return x if x.dtype == torch.float64 else x.float()


def categorical_nll(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy in nats."""
    return F.cross_entropy(wide(logits), targets)


def gaussian_nll(
    mean: torch.Tensor, target: torch.Tensor, log_std: torch.Tensor | None = None, std: float = 1.0
) -> torch.Tensor:
    """Mean over the batch of the summed per-dimension Gaussian negative log-likelihood, in nats.

    With ``log_std`` None the std is fixed, so the loss is a scaled squared error plus a constant;
    keeping the constant makes the number a true likelihood the bound can be read from.
    """
    mean, target = wide(mean), wide(target)
    log_std = torch.full_like(mean, math.log(std)) if log_std is None else wide(log_std)
    per_dim = 0.5 * _LOG_2PI + log_std + 0.5 * ((target - mean) * torch.exp(-log_std)) ** 2
    return per_dim.sum(dim=1).mean()


def squared_error(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of the summed squared error (Euclidean loss)."""
    return ((wide(prediction) - wide(target)) ** 2).sum(dim=1).mean()
