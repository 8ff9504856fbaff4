"""LSGAN (Mao et al. 2017) as a gan-zoo plugin that fuses: least-squares terms on the shared
single-level model, in this one file.

Where ``gan_zoo_wgan_gp`` is the plugin that does not fuse (five critic updates per step, a
random interpolation and a gradient of a gradient inside its D phase), this one declares
``fuses=True``: its phases are the single-level ones (no random draw of their own, no
``.item()``, one D and one G update per step), so K seeds of it may train as one batched
computation (``--fuse K``), and ``tests/test_plugins.py`` checks its fused runs against its
separate ones.
"""

from __future__ import annotations

import torch

from gan_zoo.losses import Term
from gan_zoo.losses.likelihood import wide
from gan_zoo.models import register
from gan_zoo.models.layouts import layout_from
from gan_zoo.models.single_level import SingleLevelD, SingleLevelG, SingleLevelGan


def d_least_squares(ctx: SingleLevelD) -> torch.Tensor:
    """D pulls real scores to 1 and fake ones to 0 (the paper's a=0, b=1)."""
    real, fake = wide(ctx.real.adv), wide(ctx.fake.adv)
    return 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake**2).mean()


def g_least_squares(ctx: SingleLevelG) -> torch.Tensor:
    """G pulls fake scores to 1 (c=1)."""
    return 0.5 * ((wide(ctx.fake.adv) - 1) ** 2).mean()


@register(
    "lsgan",
    "LSGAN (plugin example that fuses): least-squares losses on InfoGAN's nets",
    fuses=True,
)
def build_lsgan(dataset, hp) -> SingleLevelGan:
    terms = [Term("ls", "d", d_least_squares), Term("ls", "g", g_least_squares)]
    return SingleLevelGan(layout_from(hp), hp, dataset.image_shape, terms=terms)
