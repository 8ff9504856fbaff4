"""The GAN game on logits (Goodfellow et al. 2014).

``ns`` is the non-saturating generator loss every model here uses by default; ``minimax`` is the
original log(1 - D(G(z))) form, kept selectable because Lucic et al. (2018) compare both.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F

from gan_zoo.losses.likelihood import wide

AdversarialKind = Literal["ns", "minimax"]
KINDS: tuple[str, ...] = ("ns", "minimax")


def d_adversarial(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """BCE(real, 1) + BCE(fake, 0): the discriminator's side is the same for both kinds."""
    real_logits, fake_logits = wide(real_logits), wide(fake_logits)
    real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real + fake


def g_adversarial(fake_logits: torch.Tensor, kind: AdversarialKind = "ns") -> torch.Tensor:
    """Non-saturating -log D(G(z)), or minimax log(1 - D(G(z)))."""
    logits = wide(fake_logits)
    if kind == "ns":
        return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
    if kind == "minimax":
        return -F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits))
    raise ValueError(f"unknown adversarial loss {kind!r}; choose one of {KINDS}")
