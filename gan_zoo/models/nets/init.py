"""Weight initialisation shared by every backbone."""

from __future__ import annotations

from torch import nn


def init_gan_weights(module: nn.Module) -> None:
    """N(0, 0.02) weights and zero biases, as the InfoGAN and DCGAN code do; BN scale N(1, 0.02)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
