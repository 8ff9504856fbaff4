"""Stacked GAN's MNIST nets (Huang et al. 2017; xunhuang1995/SGAN MNIST defaults).

Two levels: h0 = x (28x28), h1 = E0(x) (256-d ReLU features), y = E1(h1) (10 logits).
G1 inverts E1 (label + z1 -> h1), G0 inverts E0 (h1 + z0 -> x); D1 and D0 judge each level and
carry a Q head that reconstructs the level's noise (the entropy loss).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from gan_zoo.errors import ConfigError

FEATURE_DIM = 256
D_LEAK = 0.2


class SganEncoder(nn.Module):
    """The bottom-up classifier E = E1 o E0 that Stacked GAN inverts (pretrained, then frozen)."""

    def __init__(self, num_classes: int = 10, channels: int = 1) -> None:
        super().__init__()
        self.e0 = nn.Sequential(
            nn.Conv2d(channels, 32, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(32 * 7 * 7, FEATURE_DIM),
            nn.ReLU(),
        )
        self.e1 = nn.Linear(FEATURE_DIM, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.e1(self.e0(x))


class FeatureGenerator(nn.Module):
    """G1: [z1, one-hot y] -> FC 512 -> FC 512 -> FC 256 ReLU (a fake h1)."""

    def __init__(self, in_dim: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_dim, 512),
            nn.BatchNorm1d(512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.BatchNorm1d(512),
            nn.ReLU(),
            nn.Linear(512, FEATURE_DIM),
            nn.ReLU(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class ImageGenerator(nn.Module):
    """G0: z0 -> FC 128 BN; with h1 -> FC 128*4*4 BN ReLU -> 5x5 deconvs 8, 12, 24, 28, sigmoid.

    The deconvolutions follow the official MNIST script: stride 2 "half" padding, then stride 1
    "valid", twice (128, 64, 64 maps, BN and ReLU), the last one to the image.
    """

    def __init__(self, z_dim: int, channels: int = 1) -> None:
        super().__init__()
        self.noise = nn.Sequential(nn.Linear(z_dim, 128), nn.BatchNorm1d(128), nn.ReLU())
        self.fc = nn.Sequential(
            nn.Linear(128 + FEATURE_DIM, 128 * 4 * 4), nn.BatchNorm1d(128 * 4 * 4), nn.ReLU()
        )
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(128, 128, 5, 2, 2, output_padding=1),  # 4 -> 8
            nn.BatchNorm2d(128),
            nn.ReLU(),
            nn.ConvTranspose2d(128, 64, 5, 1, 0),  # 8 -> 12
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.ConvTranspose2d(64, 64, 5, 2, 2, output_padding=1),  # 12 -> 24
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.ConvTranspose2d(64, channels, 5, 1, 0),  # 24 -> 28
            nn.Sigmoid(),
        )

    def forward(self, h1: torch.Tensor, z0: torch.Tensor) -> torch.Tensor:
        h = self.fc(torch.cat([h1, self.noise(z0)], dim=1))
        return self.deconv(h.view(-1, 128, 4, 4))


def noise_head(features: int, z_dim: int) -> nn.Module:
    """Q: reconstructs the level's U[0, 1) noise through a sigmoid, as the official code does."""
    return nn.Sequential(nn.Linear(features, z_dim), nn.Sigmoid())


class FeatureTrunk(nn.Module):
    """D1's trunk on 256-d features: FC 256 -> FC 256, ReLU (Lasagne's default, as officially)."""

    features = 256

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(FEATURE_DIM, 256),
            nn.ReLU(),
            nn.Linear(256, 256),
            nn.ReLU(),
        )

    def forward(self, h: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(h)


class ImageTrunk(nn.Module):
    """D0's trunk on images: conv 5x5 stride 2 with 32, 64, 128 maps (leaky ReLU 0.2) -> FC 256 ReLU."""

    features = 256

    def __init__(self, channels: int = 1) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, 32, 5, 2, 2),  # 28 -> 14
            nn.LeakyReLU(D_LEAK),
            nn.Conv2d(32, 64, 5, 2, 2),  # 14 -> 7
            nn.LeakyReLU(D_LEAK),
            nn.Conv2d(64, 128, 5, 2, 2),  # 7 -> 4
            nn.LeakyReLU(D_LEAK),
            nn.Flatten(),
            nn.Linear(128 * 4 * 4, 256),
            nn.ReLU(),
        )

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(x)


@dataclass(frozen=True)
class SganNets:
    """Stacked GAN's nets for one image size: what ``StackedGan`` builds its two levels from.

    ``encoder(classes, channels)`` has ``e0`` (image -> features) and ``e1`` (features ->
    logits); ``g1(z1_dim, label_dim)`` reads ``[z1, one-hot label]``; ``g0(z0_dim, channels)``
    is called as ``g0(h1, z0)``; the trunks have ``features``; ``adv_head(features)`` and
    ``q_head(features, z_dim)`` go on them (level 0's adversarial head may differ).
    """

    encoder: Callable[[int, int], nn.Module]
    g1: Callable[[int, int], nn.Module]
    g0: Callable[[int, int], nn.Module]
    feature_trunk: Callable[[], nn.Module]
    image_trunk: Callable[[int], nn.Module]
    image_adv_head: Callable[[int], nn.Module] | None = None


_SGAN_NETS: dict[tuple[int, int], SganNets] = {}


def register_sgan_nets(size: tuple[int, int], nets: SganNets) -> None:
    """Declare Stacked GAN's nets for ``size`` (H, W) images."""
    if size in _SGAN_NETS and _SGAN_NETS[size] != nets:
        raise ConfigError(f"Stacked GAN nets for {size[0]}x{size[1]} are already registered")
    _SGAN_NETS[size] = nets


def sgan_nets_for(image_shape: tuple[int, int, int]) -> SganNets:
    """Stacked GAN's nets for a C x H x W image size (every nets module is looked at first)."""
    from gan_zoo.models.nets import discover_nets

    discover_nets()
    key = (int(image_shape[1]), int(image_shape[2]))
    if key not in _SGAN_NETS:
        sizes = ", ".join(f"{h}x{w}" for h, w in sorted(_SGAN_NETS))
        raise ConfigError(f"sgan has no nets for {key[0]}x{key[1]} images; available: {sizes}")
    return _SGAN_NETS[key]


register_sgan_nets(
    (28, 28),
    SganNets(
        encoder=SganEncoder,
        g1=lambda z_dim, label_dim: FeatureGenerator(z_dim + label_dim),
        g0=ImageGenerator,
        feature_trunk=FeatureTrunk,
        image_trunk=ImageTrunk,
    ),
)
