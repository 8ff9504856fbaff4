"""Heads that sit on a discriminator trunk: real/fake logit and a predictor of codes or labels.

InfoGAN's Q head and ACGAN's auxiliary classifier use the same shape (FC 128, BN, lReLU, FC out)
so that the families differ in what the head predicts, not in capacity.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch
from torch import nn

from gan_zoo.models.conditioning import LabelProjection, with_label


def adversarial_head(features: int) -> nn.Module:
    """One real/fake logit per image."""
    return nn.Linear(features, 1)


def predictor_head(
    features: int, out_dim: int, hidden: int = 128, leak: float = 0.1, batch_norm: bool = True
) -> nn.Module:
    """FC hidden -> BN -> lReLU -> FC out_dim (InfoGAN's Q head, appendix C.1); no BN on
    spectrally normalised discriminators (InfoGAN-CR's dSprites Q)."""
    norm: list[nn.Module] = [nn.BatchNorm1d(hidden)] if batch_norm else []
    return nn.Sequential(
        nn.Linear(features, hidden), *norm, nn.LeakyReLU(leak), nn.Linear(hidden, out_dim)
    )


def spectral_normalize(module: nn.Module) -> nn.Module:
    """Spectral normalisation (Miyato et al. 2018) on every conv and linear layer of ``module``.

    Applied after initialisation: the parametrisation keeps the initialised weight as its
    ``original`` and divides it by its largest singular value, one power iteration per step.
    """
    layers = [m for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    for layer in layers:
        nn.utils.parametrizations.spectral_norm(layer)
    return module


@dataclass
class Heads:
    """What a discriminator says about a batch: the real/fake logit, and where the model has
    them, its code predictor ``q`` (InfoGAN's Q, Stacked GAN's noise reconstruction) and its
    class predictor ``aux`` (ACGAN)."""

    adv: torch.Tensor
    q: torch.Tensor | None = None
    aux: torch.Tensor | None = None


HEAD_NAMES = frozenset(f.name for f in fields(Heads))


class Discriminator(nn.Module):
    """A trunk plus named heads (the fields of ``Heads``; ``adv`` is always present).

    Heads named in ``probes`` read the trunk's features detached: they learn to read what the
    trunk computes without changing it, so the GAN they sit on stays a regular GAN.
    """

    def __init__(
        self,
        trunk: nn.Module,
        heads: dict[str, nn.Module],
        label_classes: int | None = None,
        conditioning: str = "concat",
        probes: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__()
        unknown = set(heads) - HEAD_NAMES
        if unknown or "adv" not in heads:
            raise ValueError(f"heads must include adv and be among {sorted(HEAD_NAMES)}")
        self.trunk = trunk
        self.heads = nn.ModuleDict(heads)
        self.probes = frozenset(probes)
        self.label_classes = label_classes
        self.projection = (
            LabelProjection(label_classes, trunk.features)
            if label_classes and conditioning == "projection"
            else None
        )

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> Heads:
        cond = None
        if self.label_classes and self.projection is None:
            cond = with_label(x.new_zeros(x.shape[0], 0), labels, self.label_classes)
        h = self.trunk(x, cond)
        out = {
            name: head(h.detach() if name in self.probes else h)
            for name, head in self.heads.items()
        }
        out["adv"] = out["adv"].squeeze(1)
        if self.projection is not None:
            out["adv"] = out["adv"] + self.projection(h, labels)
        return Heads(**out)


class HeadReader(nn.Module):
    """One head of a discriminator as a plain images -> tensor module (e.g. Q as a code encoder)."""

    def __init__(self, discriminator: Discriminator, head: str) -> None:
        super().__init__()
        self.discriminator, self.head = discriminator, head

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return getattr(self.discriminator(images), self.head)
