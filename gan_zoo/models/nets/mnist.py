"""The InfoGAN paper's 28x28 nets (Chen et al. 2016, appendix C.1), shared by every 28x28 family.

gan, cgan, acgan, infogan and infogan_noinfo all use these exact trunks, so they differ only in
inputs, heads and loss terms. G: in -> FC 1024 -> FC 7*7*128 -> upconv 64 -> upconv 1 -> sigmoid.
D/Q trunk: conv 64 -> conv 128 (BN) -> FC 1024 (BN). Leaky ReLU slope 0.1 follows the paper
(the official code's helper defaults to 0.01).
"""

from __future__ import annotations

from gan_zoo.models.nets import register_backbone
from gan_zoo.models.nets.conv import ConvGenerator, ConvTrunk


class MnistGenerator(ConvGenerator):
    def __init__(self, in_dim: int, channels: int = 1) -> None:
        super().__init__(in_dim, fc=(1024,), base=(7, 7), widths=(128, 64), channels=channels)


class MnistTrunk(ConvTrunk):
    def __init__(self, channels: int = 1, cond_dim: int = 0) -> None:
        super().__init__(
            channels, widths=(64, 128), flat=128 * 7 * 7, features=1024, cond_dim=cond_dim
        )


register_backbone((28, 28), MnistGenerator, MnistTrunk)
