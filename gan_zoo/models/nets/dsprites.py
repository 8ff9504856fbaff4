"""64x64 nets for dSprites, in the style of disentanglement_lib's conv encoder/decoder.

Generator: FC 128 -> FC 4*4*64 -> upconvs 64, 32, 32, 1 (4x4, stride 2), BN + ReLU, sigmoid out.
Trunk: convs 32, 32, 64, 64 (4x4, stride 2), leaky ReLU 0.2 -> FC 128 features.
These match InfoGAN-CR's dSprites nets (Lin et al. 2020, fjxmlzn/InfoGAN-CR), including its
discriminator normalisation: spectral normalisation on every layer of D and Q and no batch
norm there. With BN in D instead (this project's first version), D won within a few hundred
steps at the 2e-3 learning rate (D loss 0.05) and G collapsed to one texture that ignored every
input, so Q could read nothing and every disentanglement score was ~0.
"""

from __future__ import annotations

from gan_zoo.models.nets import register_backbone
from gan_zoo.models.nets.conv import ConvGenerator, ConvTrunk


class DSpritesGenerator(ConvGenerator):
    def __init__(self, in_dim: int, channels: int = 1) -> None:
        super().__init__(in_dim, fc=(128,), base=(4, 4), widths=(64, 64, 32, 32), channels=channels)


class DSpritesTrunk(ConvTrunk):
    spectral_norm = True
    head_batch_norm = False

    def __init__(self, channels: int = 1, cond_dim: int = 0) -> None:
        super().__init__(
            channels,
            widths=(32, 32, 64, 64),
            flat=64 * 4 * 4,
            features=128,
            cond_dim=cond_dim,
            leak=0.2,
            batch_norm=False,
        )


register_backbone((64, 64), DSpritesGenerator, DSpritesTrunk)
