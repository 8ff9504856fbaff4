"""The GAN game on logits (Goodfellow et al. 2014).

``ns`` is the non-saturating generator loss every model here uses by default; ``minimax`` is the
original log(1 - D(G(z))) form, kept selectable because Lucic et al. (2018) compare both.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F

AdversarialKind = Literal["ns", "minimax"]
KINDS: tuple[str, ...] = ("ns", "minimax")


def d_adversarial(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """BCE(real, 1) + BCE(fake, 0): the discriminator's side is the same for both kinds."""
    real = F.binary_cross_entropy_with_logits(
        real_logits.float(), torch.ones_like(real_logits, dtype=torch.float32)
    )
    fake = F.binary_cross_entropy_with_logits(
        fake_logits.float(), torch.zeros_like(fake_logits, dtype=torch.float32)
    )
    return real + fake


def g_adversarial(fake_logits: torch.Tensor, kind: AdversarialKind = "ns") -> torch.Tensor:
    """Non-saturating -log D(G(z)), or minimax log(1 - D(G(z)))."""
    logits = fake_logits.float()
    if kind == "ns":
        return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
    if kind == "minimax":
        return -F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits))
    raise ValueError(f"unknown adversarial loss {kind!r}; choose one of {KINDS}")
