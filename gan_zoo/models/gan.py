"""Vanilla GAN (Goodfellow et al. 2014) on the shared backbone.

Its input has the same layout as InfoGAN's (noise plus code slots) but no term rewards the codes,
so they are just more noise; the post-hoc encoder then measures how much they carry anyway.
"""

from __future__ import annotations

from gan_zoo.models.layouts import layout_from
from gan_zoo.models.registry import register
from gan_zoo.models.single_level import SingleLevelGan, adversarial_terms


@register("gan", "vanilla GAN, non-saturating loss, InfoGAN's nets, no code term", fuses=True)
def build_gan(dataset, hp) -> SingleLevelGan:
    return SingleLevelGan(
        layout_from(hp), hp, dataset.image_shape, terms=adversarial_terms(hp["adv_loss"])
    )
