"""One generator, one discriminator with heads: the shape of gan, cgan, acgan and infogan.

The families differ only in what the generator and discriminator are fed (a label or not), which
heads sit on the trunk, and which terms are summed; the terms are built by the helpers below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from gan_zoo.errors import ConfigError
from gan_zoo.losses import (
    CodeSpec,
    Context,
    Term,
    categorical_nll,
    d_adversarial,
    g_adversarial,
    information_term,
)
from gan_zoo.models.base import GanModel, ParamGroup
from gan_zoo.models.conditioning import D_CONDITIONING, label_width, with_label
from gan_zoo.models.latent import Latent, LatentLayout
from gan_zoo.models.nets import backbone_for
from gan_zoo.models.nets.heads import (
    Discriminator,
    HeadReader,
    Heads,
    adversarial_head,
    predictor_head,
    spectral_normalize,
)
from gan_zoo.models.nets.init import init_gan_weights


@dataclass
class Fakes:
    """What G made this step: the images, with their graph."""

    x: torch.Tensor


@dataclass
class SingleLevelD(Context):
    """D's phase: its heads on real and (detached) fake images, and what made the fakes."""

    real: Heads
    fake: Heads
    real_y: torch.Tensor | None
    latent: Latent


@dataclass
class SingleLevelG(Context):
    """G's phase: D's heads on the fakes (gradients flow to G)."""

    fake: Heads
    latent: Latent


class SingleLevelGan(GanModel):
    """G(latent [+ label]) and D(x [+ label]) -> Heads(adv, q?, aux?)."""

    def __init__(
        self,
        latent: LatentLayout,
        hparams: dict[str, Any],
        image_shape: tuple[int, int, int],
        terms: list[Term] | None = None,
        extra_heads: dict[str, int] | None = None,
        label_to_g: bool = False,
        label_to_d: bool = False,
        probes: frozenset[str] = frozenset(),
        code_spec: CodeSpec | None = None,
    ) -> None:
        super().__init__(latent, hparams, terms)
        if code_spec is not None and "q" not in (extra_heads or {}):
            raise ValueError("a code_spec needs a q head to read the codes")
        self.code_spec = code_spec
        gen_cls, trunk_cls = backbone_for(image_shape)
        classes = latent.label_classes
        self.label_to_g = label_to_g
        self.label_to_d = label_to_d
        g_in = latent.input_dim + (label_width(classes) if label_to_g else 0)
        self.generator = gen_cls(g_in, channels=image_shape[0])
        conditioning = str(hparams.get("d_conditioning", "concat"))
        if conditioning not in D_CONDITIONING:
            raise ConfigError(
                f"d_conditioning must be one of {', '.join(D_CONDITIONING)}, not {conditioning!r}"
            )
        concat = label_to_d and conditioning == "concat"
        trunk = trunk_cls(channels=image_shape[0], cond_dim=label_width(classes) if concat else 0)
        heads: dict[str, nn.Module] = {"adv": adversarial_head(trunk.features)}
        for name, out_dim in (extra_heads or {}).items():
            heads[name] = predictor_head(
                trunk.features, out_dim, leak=trunk.leak, batch_norm=trunk.head_batch_norm
            )
        self.discriminator = Discriminator(
            trunk, heads, classes if label_to_d else None, conditioning, probes
        )
        init_gan_weights(self)
        if trunk.spectral_norm:
            spectral_normalize(self.discriminator)

    def generate(self, latent: Latent) -> torch.Tensor:
        x = latent.generator_input(self.latent)
        if self.label_to_g:
            x = with_label(x, latent.labels, self.latent.label_classes)
        return self.generator(x)

    def fake_pass(self, latent: Latent, real_x, real_y) -> Fakes:
        return Fakes(self.generate(latent))

    def d_context(self, real_x, real_y, fakes: Fakes, latent: Latent) -> SingleLevelD:
        d_y_real = real_y if self.label_to_d else None
        d_y_fake = latent.labels if self.label_to_d else None
        return SingleLevelD(
            real=self.discriminator(real_x, d_y_real),
            fake=self.discriminator(fakes.x.detach(), d_y_fake),
            real_y=real_y,
            latent=latent,
        )

    def g_context(self, real_x, real_y, fakes: Fakes, latent: Latent) -> SingleLevelG:
        d_y_fake = latent.labels if self.label_to_d else None
        return SingleLevelG(fake=self.discriminator(fakes.x, d_y_fake), latent=latent)

    def param_groups(self) -> dict[str, ParamGroup]:
        """D and G; Q and class heads live on D, so they go with D (as in InfoGAN)."""
        return self.players(self.discriminator.parameters(), self.generator.parameters())

    def networks(self) -> list[nn.Module]:
        return [self.generator, self.discriminator]

    def code_encoder(self) -> nn.Module | None:
        return None if self.code_spec is None else HeadReader(self.discriminator, "q")


def adversarial_terms(kind: str = "ns", weight: float = 1.0) -> list[Term]:
    """D: BCE on real and fake; G: non-saturating (or minimax) on fake."""
    return [
        Term("adv", "d", lambda c: d_adversarial(c.real.adv, c.fake.adv), weight),
        Term("adv", "g", lambda c: g_adversarial(c.fake.adv, kind), weight),
    ]


def information_terms(
    spec: CodeSpec,
    cat_weight: float,
    cont_weight: float,
    train_generator: bool = True,
) -> list[Term]:
    """InfoGAN's -L_I on generated images: Q learns it in the D phase, G in the G phase.

    With ``train_generator`` False, Q still learns to read the codes but G gets no information
    gradient: the paper's Figure 1 baseline (infogan_noinfo).
    """

    def info(ctx: SingleLevelD | SingleLevelG) -> torch.Tensor:
        lat = ctx.latent
        result = information_term(ctx.fake.q, spec, lat.cat, lat.cont, cat_weight, cont_weight)
        for i, bound in enumerate(result.categorical_bounds):
            ctx.log[f"li_c{i + 1}"] = bound
        if result.continuous_nll is not None:
            ctx.log["cont_nll"] = result.continuous_nll
        return result.loss

    terms = [Term("info", "d", info)]
    if train_generator:
        terms.append(Term("info", "g", info))
    return terms


def auxiliary_terms(weight: float = 1.0) -> list[Term]:
    """ACGAN (Odena et al. 2017): D classifies real and fake by label; G wants fakes classified."""
    return [
        Term("aux_real", "d", lambda c: categorical_nll(c.real.aux, c.real_y), weight),
        Term("aux_fake", "d", lambda c: categorical_nll(c.fake.aux, c.latent.labels), weight),
        Term("aux", "g", lambda c: categorical_nll(c.fake.aux, c.latent.labels), weight),
    ]
