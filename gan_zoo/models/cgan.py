"""Conditional GAN (Mirza & Osindero 2014): the label is fed to both G and D.

G gets it as a one-hot vector beside its latent input. D gets it by projection (Miyato & Koyama
2018) by default: concatenated to D's flattened features, the paper's way, D learned to ignore it
on MNIST at the quick budget (judge label accuracy 0.52 vs 0.99 with projection, seed 0).
``--set d_conditioning=concat`` restores the concatenation.
"""

from __future__ import annotations

from gan_zoo.config_rules import Rule
from gan_zoo.errors import ConfigError
from gan_zoo.models.conditioning import D_CONDITIONING
from gan_zoo.models.layouts import layout_from
from gan_zoo.models.registry import register
from gan_zoo.models.single_level import SingleLevelGan, adversarial_terms


def require_labels(dataset, model: str) -> int:
    """Conditional models need class labels; dSprites has factors, not classes."""
    if dataset.labels is None or not dataset.num_classes:
        raise ConfigError(f"{model} needs class labels, which {dataset.name} does not have")
    return int(dataset.num_classes)


@register(
    "cgan",
    "conditional GAN: label one-hot into G, into D by projection (or concat)",
    # the label takes the categorical code's place in G's input
    defaults={"num_cat": 0, "d_conditioning": "projection"},
    rules={"d_conditioning": Rule(str, choices=D_CONDITIONING)},
    fuses=True,
)
def build_cgan(dataset, hp) -> SingleLevelGan:
    classes = require_labels(dataset, "cgan")
    return SingleLevelGan(
        layout_from(hp, classes),
        hp,
        dataset.image_shape,
        terms=adversarial_terms(hp["adv_loss"]),
        label_to_g=True,
        label_to_d=True,
    )
