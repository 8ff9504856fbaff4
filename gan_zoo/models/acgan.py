"""Auxiliary-classifier GAN (Odena et al. 2017).

G gets the label; D gets only the image and has a class head beside the real/fake one. The class
head returns logits into a cross-entropy (no softmax before it: PyTorch-GAN's known bug).
"""

from __future__ import annotations

from gan_zoo.models.cgan import require_labels
from gan_zoo.models.layouts import layout_from
from gan_zoo.models.registry import register
from gan_zoo.models.single_level import SingleLevelGan, adversarial_terms, auxiliary_terms


@register(
    "acgan",
    "auxiliary-classifier GAN: label to G, class head on D trained on real and fake",
    defaults={"num_cat": 0},  # the label takes the categorical code's place in G's input
    fuses=True,
)
def build_acgan(dataset, hp) -> SingleLevelGan:
    classes = require_labels(dataset, "acgan")
    return SingleLevelGan(
        layout_from(hp, classes),
        hp,
        dataset.image_shape,
        terms=adversarial_terms(hp["adv_loss"]) + auxiliary_terms(hp["aux_weight"]),
        extra_heads={"aux": classes},
        label_to_g=True,
    )
