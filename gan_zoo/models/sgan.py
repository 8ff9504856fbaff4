"""Stacked GAN (Huang, Li, Poursaeed, Hopcroft, Belongie, CVPR 2017): "sgan", alias stacked_gan.

Two levels invert a frozen, pretrained encoder E = E1 o E0. Each level i has a generator Gi,
a discriminator Di with a Q head, and three weighted losses: adversarial, conditional (Ei must
recover the condition from the fake: cross-entropy on labels, Euclidean on features) and entropy
(Q reconstructs the level's noise: the InfoGAN estimator, the same ``information_term``).

Training: the first ``independent_fraction`` of the steps trains each level on real features
(G0 conditioned on E0(x)); the rest trains jointly, G0 conditioned on G1's output, end to end.
Noise is U[0, 1) as in the official code. The entropy loss is scaled to a per-dimension mean
squared error (weight w_ent) so the paper's weights 1/1/10 keep their balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from gan_zoo.config_rules import BOOL, COUNT, POSITIVE_INT, WEIGHT, Rule
from gan_zoo.losses import (
    CodeSpec,
    Context,
    Term,
    categorical_nll,
    d_adversarial,
    g_adversarial,
    information_term,
    squared_error,
)
from gan_zoo.models.base import GanModel, ParamGroup
from gan_zoo.models.cgan import require_labels
from gan_zoo.models.conditioning import label_width, with_label
from gan_zoo.models.latent import Latent, LatentLayout
from gan_zoo.models.nets.heads import Discriminator, Heads, adversarial_head
from gan_zoo.models.nets.init import init_gan_weights, init_lasagne_discriminator
from gan_zoo.models.nets.sgan import SganNets, noise_head, sgan_nets_for
from gan_zoo.models.registry import register


@dataclass
class SganFakes:
    """One step's generation: G1's features, E0's features of the real batch, the condition G0
    used (real features while the levels train independently, G1's once joint) and the image."""

    h1: torch.Tensor
    h1_real: torch.Tensor
    cond: torch.Tensor
    x: torch.Tensor


@dataclass
class SganD(Context):
    """D's phase, per level (index 0: images, D0; index 1: features, D1)."""

    real: tuple[Heads, Heads]
    fake: tuple[Heads, Heads]
    latent: Latent


@dataclass
class SganG(Context):
    """G's phase: D's heads on the fakes, and the frozen encoder on them (``enc[0]``: E0's
    features of the image, ``enc[1]``: E1's label logits of G1's features)."""

    fake: tuple[Heads, Heads]
    enc: tuple[torch.Tensor, torch.Tensor]
    cond: torch.Tensor
    latent: Latent


class StackedGan(GanModel):
    def __init__(
        self,
        hp: dict[str, Any],
        encoder: nn.Module,
        num_classes: int,
        channels: int,
        nets: SganNets,
    ) -> None:
        layout = LatentLayout(
            noise_dim=hp["z1_dim"],
            noise_low=0.0,
            noise_high=1.0,
            label_classes=num_classes,
            extra_noise={"z0": hp["z0_dim"]},
        )
        super().__init__(layout, hp, sgan_terms(hp))
        self.g1 = nets.g1(hp["z1_dim"], label_width(num_classes))
        self.g0 = nets.g0(hp["z0_dim"], channels)
        trunk1, trunk0 = nets.feature_trunk(), nets.image_trunk(channels)
        f1, f0 = trunk1.features, trunk0.features
        self.d1 = Discriminator(
            trunk1, {"adv": adversarial_head(f1), "q": noise_head(f1, hp["z1_dim"])}
        )
        adv0 = (nets.image_adv_head or adversarial_head)(f0)
        self.d0 = Discriminator(trunk0, {"adv": adv0, "q": noise_head(f0, hp["z0_dim"])})
        init_gan_weights(self)
        init_lasagne_discriminator(self.d1)
        init_lasagne_discriminator(self.d0)
        self.encoder = encoder  # after init: keep its pretrained weights
        self.joint = False

    # E is frozen: never let .train() put it back in training mode
    def train(self, mode: bool = True) -> StackedGan:
        super().train(mode)
        self.encoder.eval()
        return self

    def schedule(self, step: int, total_steps: int) -> None:
        self.joint = step >= int(self.hparams["independent_fraction"] * total_steps)

    def graph_key(self) -> bool:
        return self.joint  # G0 is conditioned on real or on generated features

    def networks(self) -> list[nn.Module]:
        return [self.g1, self.g0, self.d1, self.d0]

    def param_groups(self) -> dict[str, ParamGroup]:
        d = [*self.d1.parameters(), *self.d0.parameters()]
        g = [*self.g1.parameters(), *self.g0.parameters()]
        return self.players(d, g)

    def _features(self, latent: Latent) -> torch.Tensor:
        return self.g1(with_label(latent.z, latent.labels, self.latent.label_classes))

    def generate(self, latent: Latent) -> torch.Tensor:
        return self.g0(self._features(latent), latent.extra["z0"])

    def fake_pass(self, latent: Latent, real_x, real_y) -> SganFakes:
        with torch.no_grad():
            h1_real = self.encoder.e0(real_x)
        h1 = self._features(latent)
        cond = h1 if self.joint else h1_real
        return SganFakes(h1, h1_real, cond, self.g0(cond, latent.extra["z0"]))

    def d_context(self, real_x, real_y, fakes: SganFakes, latent: Latent) -> SganD:
        real1, fake1 = self.d1(fakes.h1_real), self.d1(fakes.h1.detach())
        real0, fake0 = self.d0(real_x), self.d0(fakes.x.detach())
        return SganD(real=(real0, real1), fake=(fake0, fake1), latent=latent)

    def g_context(self, real_x, real_y, fakes: SganFakes, latent: Latent) -> SganG:
        fake1, fake0 = self.d1(fakes.h1), self.d0(fakes.x)
        enc1, enc0 = self.encoder.e1(fakes.h1), self.encoder.e0(fakes.x)
        return SganG(fake=(fake0, fake1), enc=(enc0, enc1), cond=fakes.cond.detach(), latent=latent)

    def own_metrics(self, generator: torch.Generator) -> dict[str, float]:
        return {"encoder_acc": self.encoder_accuracy(1000, generator)}

    @torch.inference_mode()
    def encoder_accuracy(self, n: int = 1000, generator: torch.Generator | None = None) -> float:
        """How often E classifies a generated image as the label it was generated for."""
        labels = torch.arange(n) % int(self.latent.label_classes)
        samples = self.sample(n, labels=labels, generator=generator)
        logits = self.encoder(samples.images.to(self.device).float() / 255.0)
        return float((logits.argmax(1).cpu() == labels).float().mean())


def _entropy(level: int, z_dim: int, weight: float) -> Term:
    """Level ``level``'s entropy loss: Q reconstructs z_level (fixed-variance Gaussian Q)."""
    spec = CodeSpec(continuous=z_dim)
    noise = "z" if level == 1 else "z0"

    def fn(ctx: SganD | SganG) -> torch.Tensor:
        lat = ctx.latent
        target = lat.z if noise == "z" else lat.extra["z0"]
        return information_term(ctx.fake[level].q, spec, cont_targets=target).loss

    # information_term sums 0.5 * squared error over dims: rescale to a per-dim mean
    return Term(f"ent{level}", "d", fn, weight * 2.0 / z_dim)


def sgan_terms(hp: dict[str, Any]) -> list[Term]:
    """adv (both levels, both players), cond (G only) and ent (Q in D's phase, G in G's)."""
    w_adv, kind = hp["w_adv"], hp["adv_loss"]
    terms = []
    for level in (1, 0):
        terms.append(
            Term(
                f"adv{level}",
                "d",
                lambda c, lv=level: d_adversarial(c.real[lv].adv, c.fake[lv].adv),
                0.5 * w_adv,  # the official D loss averages its real and fake halves
            )
        )
        terms.append(
            Term(
                f"adv{level}",
                "g",
                lambda c, lv=level: g_adversarial(c.fake[lv].adv, kind),
                w_adv,
            )
        )
    if hp["use_cond"]:
        terms.append(
            Term("cond1", "g", lambda c: categorical_nll(c.enc[1], c.latent.labels), hp["w_cond"])
        )
        terms.append(
            Term(
                "cond0",
                "g",
                lambda c: squared_error(c.enc[0], c.cond) / c.cond.shape[1],
                hp["w_cond"],
            )
        )
    if hp["use_ent"]:
        for level, z_dim in ((1, hp["z1_dim"]), (0, hp["z0_dim"])):
            ent = _entropy(level, z_dim, hp["w_ent"])
            terms += [ent, Term(ent.name, "g", ent.fn, ent.weight)]
    return terms


#: Stacked GAN's own settings, from its official MNIST code (xunhuang1995/SGAN)
DEFAULTS = {
    "batch_size": 100,
    "lr_d": 1e-4,
    "lr_g": 1e-4,
    "z1_dim": 50,
    "z0_dim": 50,
    "w_adv": 1.0,
    "w_cond": 1.0,
    "w_ent": 10.0,
    "use_cond": True,
    "use_ent": True,
    # fraction of the steps trained level by level before switching to joint training
    "independent_fraction": 0.3,
    "encoder_epochs": 2,
    "encoder_seed": 0,
}
RULES = {
    "z1_dim": POSITIVE_INT,
    "z0_dim": POSITIVE_INT,
    "w_adv": WEIGHT,
    "w_cond": WEIGHT,
    "w_ent": WEIGHT,
    "use_cond": BOOL,
    "use_ent": BOOL,
    "independent_fraction": Rule(float, low=0, high=1),
    "encoder_epochs": POSITIVE_INT,
    "encoder_seed": COUNT,
}
REFUSED = {
    "dsprites": (
        "sgan is not run on dsprites: a Stacked GAN has no latent codes to score (a label and "
        "two 50-d U[0,1) noise blocks), so no representation is comparable with the 5 codes of "
        "the other families, its only label there is the shape factor, and the paper gives no "
        "64x64 nets (MNIST, SVHN, CIFAR-10)"
    ),
}


@register(
    "sgan",
    "Stacked GAN (Huang et al. 2017): two levels inverting a frozen encoder",
    aliases=("stacked_gan",),
    defaults=DEFAULTS,
    rules=RULES,
    refused=REFUSED,
    fuses=True,
    nets=sgan_nets_for,  # its own two-level nets, not the shared backbone
)
def build_sgan(dataset, hp) -> StackedGan:
    classes = require_labels(dataset, "sgan")
    from gan_zoo.models.sgan_encoder import pretrained_encoder

    encoder = pretrained_encoder(dataset, seed=hp["encoder_seed"], epochs=hp["encoder_epochs"])
    nets = sgan_nets_for(dataset.image_shape)
    return StackedGan(hp, encoder, classes, dataset.image_shape[0], nets)
