"""Latent layouts: what a generator is fed, how it is sampled, and what entropy each code has.

A layout is declared once per model; the harness samples from it, the information term reads
its entropies, and evaluation fixes codes through it, so the three never disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class CategoricalCode:
    """A uniform categorical code fed to the generator as a one-hot vector."""

    name: str
    num_categories: int

    @property
    def entropy(self) -> float:
        """H(c) in nats: the ceiling of the information bound L_I."""
        return math.log(self.num_categories)


@dataclass(frozen=True)
class ContinuousCode:
    """A uniform continuous code on [low, high]."""

    name: str
    low: float = -1.0
    high: float = 1.0


@dataclass(frozen=True)
class LatentLayout:
    """Noise, structured codes and an optional class label, in generator-input order.

    ``noise_low``/``noise_high`` give uniform noise (InfoGAN and Stacked GAN both use uniform);
    ``label_classes`` is set for conditional models, whose label is a condition, not a code.
    """

    noise_dim: int
    noise_low: float = -1.0
    noise_high: float = 1.0
    categorical: tuple[CategoricalCode, ...] = ()
    continuous: tuple[ContinuousCode, ...] = ()
    label_classes: int | None = None
    extra_noise: dict[str, int] = field(default_factory=dict)

    @property
    def code_dim(self) -> int:
        return sum(c.num_categories for c in self.categorical) + len(self.continuous)

    @property
    def input_dim(self) -> int:
        """Width of ``Latent.generator_input`` (noise + one-hot codes + continuous codes)."""
        return self.noise_dim + self.code_dim

    def sample(
        self,
        n: int,
        generator: torch.Generator | None = None,
        device: torch.device | str = "cpu",
        labels: torch.Tensor | None = None,
        cat: torch.Tensor | None = None,
        cont: torch.Tensor | None = None,
    ) -> Latent:
        """Draw ``n`` latents; pass ``labels``/``cat``/``cont`` to fix them (traversals, eval)."""
        device = torch.device(device)

        def uniform(*shape: int, low: float, high: float) -> torch.Tensor:
            u = torch.rand(*shape, generator=generator, device=device)
            return u * (high - low) + low

        z = uniform(n, self.noise_dim, low=self.noise_low, high=self.noise_high)
        if cat is None:
            cat = (
                torch.stack(
                    [
                        torch.randint(c.num_categories, (n,), generator=generator, device=device)
                        for c in self.categorical
                    ],
                    dim=1,
                )
                if self.categorical
                else torch.zeros(n, 0, dtype=torch.long, device=device)
            )
        if cont is None:
            cols = [uniform(n, low=c.low, high=c.high) for c in self.continuous]
            cont = torch.stack(cols, dim=1) if cols else torch.zeros(n, 0, device=device)
        if labels is None and self.label_classes is not None:
            labels = torch.randint(self.label_classes, (n,), generator=generator, device=device)
        extra = {
            name: uniform(n, dim, low=self.noise_low, high=self.noise_high)
            for name, dim in self.extra_noise.items()
        }
        return Latent(z=z, cat=cat.to(device), cont=cont.to(device), labels=labels, extra=extra)


@dataclass
class Latent:
    """One batch of generator inputs; codes kept apart so losses and metrics can read them."""

    z: torch.Tensor
    cat: torch.Tensor
    cont: torch.Tensor
    labels: torch.Tensor | None = None
    extra: dict[str, torch.Tensor] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.z.shape[0])

    def generator_input(self, layout: LatentLayout) -> torch.Tensor:
        """Noise, one-hot categorical codes and continuous codes, concatenated."""
        parts = [self.z]
        for i, code in enumerate(layout.categorical):
            parts.append(F.one_hot(self.cat[:, i], code.num_categories).to(self.z.dtype))
        if self.cont.shape[1]:
            parts.append(self.cont.to(self.z.dtype))
        return torch.cat(parts, dim=1)

    def to(self, device: torch.device | str) -> Latent:
        return replace(
            self,
            z=self.z.to(device),
            cat=self.cat.to(device),
            cont=self.cont.to(device),
            labels=None if self.labels is None else self.labels.to(device),
            extra={k: v.to(device) for k, v in self.extra.items()},
        )
