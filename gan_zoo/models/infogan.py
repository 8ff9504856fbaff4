"""InfoGAN (Chen et al. 2016) and the paper's Figure 1 baseline.

Follows the official launcher (openai/InfoGAN): Q shares D's trunk and sits in D's optimiser;
the information term is added to both players' losses. Continuous codes use a fixed-std Gaussian
Q (the official MNIST run) unless ``learn_std`` is set.

The baseline is "a regular GAN with an auxiliary distribution Q" (paper section 7.1): Q learns
to read the codes from detached D features, so neither G nor D's trunk is shaped by it.
"""

from __future__ import annotations

from gan_zoo.models.layouts import code_spec, layout_from
from gan_zoo.models.registry import register
from gan_zoo.models.single_level import SingleLevelGan, adversarial_terms, information_terms


def _build(dataset, hp, train_generator: bool) -> SingleLevelGan:
    layout = layout_from(hp)
    spec = code_spec(layout, hp)
    # Without the information term Q is a probe on a regular GAN: it must not shape D's trunk.
    probes = frozenset() if train_generator else frozenset({"q"})
    terms = adversarial_terms(hp["adv_loss"]) + information_terms(
        spec, hp["lambda_cat"], hp["lambda_cont"], train_generator=train_generator
    )
    return SingleLevelGan(
        layout,
        hp,
        dataset.image_shape,
        terms=terms,
        extra_heads={"q": spec.out_dim},
        probes=probes,
        code_spec=spec,
    )


#: the first code's bound is what a user watches while InfoGAN trains
WATCHED = ("li_c1",)


@register(
    "infogan",
    "InfoGAN: Q head on D's trunk, information term on both players",
    shown=WATCHED,
    fuses=True,
)
def build_infogan(dataset, hp) -> SingleLevelGan:
    return _build(dataset, hp, train_generator=True)


@register(
    "infogan_noinfo",
    "InfoGAN's baseline (paper Fig. 1): a regular GAN with a Q probe; no information gradient",
    shown=WATCHED,
    fuses=True,
)
def build_infogan_noinfo(dataset, hp) -> SingleLevelGan:
    return _build(dataset, hp, train_generator=False)
