"""64x64 nets for dSprites, in the style of disentanglement_lib's conv encoder/decoder.

Generator: FC 128 -> FC 4*4*64 -> upconvs 64, 32, 32, 1 (4x4, stride 2), BN + ReLU, sigmoid out.
Trunk: convs 32, 32, 64, 64 (4x4, stride 2), leaky ReLU, BN after the first -> FC 128 features.
These match the layer sizes InfoGAN-CR (Lin et al. 2020) uses for dSprites, with BN added to
keep the GAN stable at the InfoGAN learning rates.
"""

from __future__ import annotations

from gan_zoo.models.nets.conv import ConvGenerator, ConvTrunk


class DSpritesGenerator(ConvGenerator):
    def __init__(self, in_dim: int, channels: int = 1) -> None:
        super().__init__(in_dim, fc=(128,), base=(4, 4), widths=(64, 64, 32, 32), channels=channels)


class DSpritesTrunk(ConvTrunk):
    def __init__(self, channels: int = 1, cond_dim: int = 0) -> None:
        super().__init__(
            channels, widths=(32, 32, 64, 64), flat=64 * 4 * 4, features=128, cond_dim=cond_dim
        )
