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


def init_lasagne_discriminator(module: nn.Module, conv_std: float = 0.01) -> None:
    """Stacked GAN's official discriminators: N(0, conv_std) convolutions, and Lasagne's default
    Glorot-uniform dense layers (the official code gives them no initialiser). N(0, 0.02) on the
    dense layers shrinks the features so much that the Q heads barely learn within thousands of
    steps, which silently turns the entropy loss off.
    """
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.normal_(m.weight, 0.0, conv_std)
        elif isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
        else:
            continue
        if m.bias is not None:
            nn.init.zeros_(m.bias)
