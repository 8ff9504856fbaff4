"""The two conv backbone shapes every image model here is built from.

``ConvGenerator``: FC layers (BN, ReLU) to a small feature map, then stride-2 4x4 transposed
convolutions (BN, ReLU) up to the image, sigmoid out. ``ConvTrunk``: stride-2 4x4 convolutions
(leaky ReLU; BN after all but the first, or no BN at all), flatten, optionally concatenate a
condition, one FC layer (BN, leaky ReLU). A trunk also says how its discriminator is normalised
(``spectral_norm``, ``head_batch_norm``), so the heads put on it and the spectral normalisation
follow the backbone. The 28x28 and 64x64 backbones are just two settings of these.
"""

from __future__ import annotations

from itertools import pairwise

import torch
from torch import nn


class ConvGenerator(nn.Module):
    def __init__(
        self,
        in_dim: int,
        fc: tuple[int, ...],
        base: tuple[int, int],
        widths: tuple[int, ...],
        channels: int,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        dims = (in_dim, *fc, widths[0] * base[0] * base[1])
        for a, b in pairwise(dims):
            layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU()]
        self.fc = nn.Sequential(*layers)
        self.base = (widths[0], *base)
        ups: list[nn.Module] = []
        for a, b in pairwise(widths):
            ups += [nn.ConvTranspose2d(a, b, 4, 2, 1), nn.BatchNorm2d(b), nn.ReLU()]
        ups += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1), nn.Sigmoid()]
        self.deconv = nn.Sequential(*ups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.deconv(self.fc(x).view(-1, *self.base))


class ConvTrunk(nn.Module):
    # How the whole discriminator built on this trunk is normalised (read by the model).
    spectral_norm: bool = False
    head_batch_norm: bool = True

    def __init__(
        self,
        channels: int,
        widths: tuple[int, ...],
        flat: int,
        features: int,
        cond_dim: int = 0,
        leak: float = 0.1,
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(pairwise((channels, *widths))):
            layers.append(nn.Conv2d(a, b, 4, 2, 1))
            if batch_norm and i > 0:
                layers.append(nn.BatchNorm2d(b))
            layers.append(nn.LeakyReLU(leak))
        self.conv = nn.Sequential(*layers, nn.Flatten())
        fc: list[nn.Module] = [nn.Linear(flat + cond_dim, features)]
        if batch_norm:
            fc.append(nn.BatchNorm1d(features))
        self.fc = nn.Sequential(*fc, nn.LeakyReLU(leak))
        self.features = features
        self.leak = leak

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        h = self.conv(x)
        if cond is not None:
            h = torch.cat([h, cond], dim=1)
        return self.fc(h)
