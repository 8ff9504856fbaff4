"""64x64 nets for dSprites, in the style of disentanglement_lib's conv encoder/decoder.

Generator: FC 128 -> FC 4*4*64 -> upconvs 64, 32, 32, 1 (4x4, stride 2), BN + ReLU, sigmoid out.
Trunk: convs 32, 32, 64, 64 (4x4, stride 2), leaky ReLU, BN after the first -> FC 128 features.
These match the layer sizes InfoGAN-CR (Lin et al. 2020) uses for dSprites with BN added to
keep the GAN stable at the InfoGAN learning rates.
"""

from __future__ import annotations

import itertools

import torch
from torch import nn

LEAK = 0.1
FEATURES = 128


class DSpritesGenerator(nn.Module):
    def __init__(self, in_dim: int, channels: int = 1) -> None:
        super().__init__()
        self.fc = nn.Sequential(
            nn.Linear(in_dim, 128),
            nn.BatchNorm1d(128),
            nn.ReLU(),
            nn.Linear(128, 4 * 4 * 64),
            nn.BatchNorm1d(4 * 4 * 64),
            nn.ReLU(),
        )
        layers: list[nn.Module] = []
        widths = [64, 64, 32, 32]
        for cin, cout in itertools.pairwise(widths):
            layers += [nn.ConvTranspose2d(cin, cout, 4, 2, 1), nn.BatchNorm2d(cout), nn.ReLU()]
        layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1), nn.Sigmoid()]
        self.deconv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.deconv(self.fc(x).view(-1, 64, 4, 4))


class DSpritesTrunk(nn.Module):
    def __init__(self, channels: int = 1, cond_dim: int = 0) -> None:
        super().__init__()
        widths = [channels, 32, 32, 64, 64]
        layers: list[nn.Module] = []
        for i, (cin, cout) in enumerate(itertools.pairwise(widths)):
            layers.append(nn.Conv2d(cin, cout, 4, 2, 1))
            if i > 0:
                layers.append(nn.BatchNorm2d(cout))
            layers.append(nn.LeakyReLU(LEAK))
        layers.append(nn.Flatten())
        self.conv = nn.Sequential(*layers)
        self.fc = nn.Sequential(
            nn.Linear(64 * 4 * 4 + cond_dim, FEATURES),
            nn.BatchNorm1d(FEATURES),
            nn.LeakyReLU(LEAK),
        )
        self.features = FEATURES

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        h = self.conv(x)
        if cond is not None:
            h = torch.cat([h, cond], dim=1)
        return self.fc(h)
