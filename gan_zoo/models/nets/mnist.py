"""The InfoGAN paper's 28x28 nets (Chen et al. 2016, appendix C.1), shared by every 28x28 family.

gan, cgan, acgan, infogan and infogan_noinfo all use these exact trunks, so they differ only in
inputs, heads and loss terms. Leaky ReLU slope 0.1 follows the paper (the official code's helper
defaults to 0.01).
"""

from __future__ import annotations

import torch
from torch import nn

LEAK = 0.1
FEATURES = 1024


class MnistGenerator(nn.Module):
    """in_dim -> FC 1024 -> FC 7*7*128 -> upconv 64 -> upconv 1 -> sigmoid (images in [0, 1])."""

    def __init__(self, in_dim: int, channels: int = 1) -> None:
        super().__init__()
        self.fc = nn.Sequential(
            nn.Linear(in_dim, 1024),
            nn.BatchNorm1d(1024),
            nn.ReLU(),
            nn.Linear(1024, 7 * 7 * 128),
            nn.BatchNorm1d(7 * 7 * 128),
            nn.ReLU(),
        )
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(128, 64, 4, 2, 1),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.ConvTranspose2d(64, channels, 4, 2, 1),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.deconv(self.fc(x).view(-1, 128, 7, 7))


class MnistTrunk(nn.Module):
    """The D/Q trunk: conv 64 -> conv 128 (BN) -> FC 1024 (BN); a label may join before the FC."""

    def __init__(self, channels: int = 1, cond_dim: int = 0) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(channels, 64, 4, 2, 1),
            nn.LeakyReLU(LEAK),
            nn.Conv2d(64, 128, 4, 2, 1),
            nn.BatchNorm2d(128),
            nn.LeakyReLU(LEAK),
            nn.Flatten(),
        )
        self.fc = nn.Sequential(
            nn.Linear(128 * 7 * 7 + cond_dim, FEATURES),
            nn.BatchNorm1d(FEATURES),
            nn.LeakyReLU(LEAK),
        )
        self.features = FEATURES

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        h = self.conv(x)
        if cond is not None:
            h = torch.cat([h, cond], dim=1)
        return self.fc(h)
