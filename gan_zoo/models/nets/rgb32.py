"""32x32 RGB nets (CIFAR-10, SVHN), DCGAN-style: InfoGAN's SVHN architecture (Chen et al. 2016,
appendix C.3), shared by every single-level family on 32x32 images.

G: in -> FC 2*2*448 (BN, ReLU) -> upconvs 256, 128, 64 (4x4 stride 2, BN, ReLU) -> upconv 3 ->
sigmoid (the paper ends in tanh on [-1, 1] data; the harness's images are [0, 1]; the paper's
128 and 64 upconvs have no BN, the shared ``ConvGenerator`` puts BN on every one).
D/Q trunk: convs 64 (no BN), 128, 256 (4x4 stride 2, BN, leaky ReLU 0.1) -> FC 1024 (BN, lReLU),
so the heads sit on features of the same width as on 28x28.
"""

from __future__ import annotations

from gan_zoo.models.nets import register_backbone
from gan_zoo.models.nets.conv import ConvGenerator, ConvTrunk


class Rgb32Generator(ConvGenerator):
    def __init__(self, in_dim: int, channels: int = 3) -> None:
        super().__init__(in_dim, fc=(), base=(2, 2), widths=(448, 256, 128, 64), channels=channels)


class Rgb32Trunk(ConvTrunk):
    def __init__(self, channels: int = 3, cond_dim: int = 0) -> None:
        super().__init__(
            channels, widths=(64, 128, 256), flat=256 * 4 * 4, features=1024, cond_dim=cond_dim
        )


register_backbone((32, 32), Rgb32Generator, Rgb32Trunk)
