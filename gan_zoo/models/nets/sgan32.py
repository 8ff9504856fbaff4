"""Stacked GAN's 32x32 RGB nets, after its official CIFAR-10 code (xunhuang1995/SGAN,
``cifar/train_joint.py``), for CIFAR-10, SVHN and any 32x32 dataset.

E0: conv 5x5 64 (valid, ReLU), max-pool 2, conv 5x5 128 (valid, ReLU), max-pool 2, FC 256 ReLU
(h1); E1: FC 10. G1 embeds z1 (FC 256) and the label (FC 512) apart, then FC 512, 512, 256.
G0 embeds z0 (16-d there: FC 128, FC 128), joins h1, FC 256*5*5, then 5x5 deconvs to 10, 14, 28
and 32 (stride 2 "half", stride 1 "valid", twice), sigmoid. D1: Gaussian noise 0.2 around FC 512,
FC 512 (BN). D0: Gaussian noise 0.05, 3x3 convs 96, 96 (stride 2), dropout 0.3, 192, 192
(stride 2), dropout 0.3, 192 (valid, 6x6), a 1x1 conv 192; Q reads the whole 6x6 map and the
real/fake head its global average. Leaky ReLU 0.2 in D as in the official ``nn.lrelu``.

Where the harness differs: the official D outputs 10 class logits (real/fake from their
log-sum-exp, plus a label loss on real images) and G subtracts a mean image; here D keeps the
one real/fake logit every family has, and images stay in [0, 1].
"""

from __future__ import annotations

import torch
from torch import nn

from gan_zoo.models.nets.heads import adversarial_head
from gan_zoo.models.nets.sgan import FEATURE_DIM, SganNets, register_sgan_nets

D_LEAK = 0.2


class GaussianNoise(nn.Module):
    """Adds N(0, sigma^2) noise in training mode only (Lasagne's GaussianNoiseLayer)."""

    def __init__(self, sigma: float) -> None:
        super().__init__()
        self.sigma = sigma

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.sigma * torch.randn_like(x) if self.training else x


class Encoder32(nn.Module):
    """E = E1 o E0 for 32x32 images (pretrained on the labels, then frozen)."""

    def __init__(self, num_classes: int = 10, channels: int = 3) -> None:
        super().__init__()
        self.e0 = nn.Sequential(
            nn.Conv2d(channels, 64, 5),  # 32 -> 28
            nn.ReLU(),
            nn.MaxPool2d(2),  # 14
            nn.Conv2d(64, 128, 5),  # 10
            nn.ReLU(),
            nn.MaxPool2d(2),  # 5
            nn.Flatten(),
            nn.Linear(128 * 5 * 5, FEATURE_DIM),
            nn.ReLU(),
        )
        self.e1 = nn.Linear(FEATURE_DIM, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.e1(self.e0(x))


def _dense(a: int, b: int) -> list[nn.Module]:
    return [nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU()]


class FeatureGenerator32(nn.Module):
    """G1: z1 -> FC 256 and one-hot y -> FC 512 apart, joined -> FC 512, FC 512, FC 256 ReLU."""

    def __init__(self, z_dim: int, label_dim: int) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.noise = nn.Sequential(*_dense(z_dim, 256))
        self.label = nn.Sequential(*_dense(label_dim, 512))
        self.net = nn.Sequential(
            *_dense(256 + 512, 512), *_dense(512, 512), nn.Linear(512, FEATURE_DIM), nn.ReLU()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z, y = x[:, : self.z_dim], x[:, self.z_dim :]
        return self.net(torch.cat([self.noise(z), self.label(y)], dim=1))


class ImageGenerator32(nn.Module):
    """G0: z0 -> FC 128, FC 128; with h1 -> FC 256*5*5 -> deconvs 10, 14, 28, 32 -> sigmoid."""

    def __init__(self, z_dim: int, channels: int = 3) -> None:
        super().__init__()
        self.noise = nn.Sequential(*_dense(z_dim, 128), *_dense(128, 128))
        self.fc = nn.Sequential(*_dense(FEATURE_DIM + 128, 256 * 5 * 5))
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(256, 256, 5, 2, 2, output_padding=1),  # 5 -> 10
            nn.BatchNorm2d(256),
            nn.ReLU(),
            nn.ConvTranspose2d(256, 128, 5, 1, 0),  # 10 -> 14
            nn.BatchNorm2d(128),
            nn.ReLU(),
            nn.ConvTranspose2d(128, 128, 5, 2, 2, output_padding=1),  # 14 -> 28
            nn.BatchNorm2d(128),
            nn.ReLU(),
            nn.ConvTranspose2d(128, channels, 5, 1, 0),  # 28 -> 32
            nn.Sigmoid(),
        )

    def forward(self, h1: torch.Tensor, z0: torch.Tensor) -> torch.Tensor:
        h = self.fc(torch.cat([h1, self.noise(z0)], dim=1))
        return self.deconv(h.view(-1, 256, 5, 5))


class FeatureTrunk32(nn.Module):
    """D1's trunk: noise 0.2, FC 512 lReLU, noise 0.2, FC 512 BN lReLU, noise 0.2."""

    features = 512

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            GaussianNoise(0.2),
            nn.Linear(FEATURE_DIM, 512),
            nn.LeakyReLU(D_LEAK),
            GaussianNoise(0.2),
            nn.Linear(512, 512),
            nn.BatchNorm1d(512),
            nn.LeakyReLU(D_LEAK),
            GaussianNoise(0.2),
        )

    def forward(self, h: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(h)


def _conv(a: int, b: int, stride: int = 1, pad: int = 1, bn: bool = True) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Conv2d(a, b, 3, stride, pad)]
    if bn:
        layers.append(nn.BatchNorm2d(b))
    return [*layers, nn.LeakyReLU(D_LEAK)]


class ImageTrunk32(nn.Module):
    """D0's trunk: the official all-convolutional D up to its 6x6x192 map, flattened."""

    features = 192 * 6 * 6

    def __init__(self, channels: int = 3) -> None:
        super().__init__()
        self.net = nn.Sequential(
            GaussianNoise(0.05),
            *_conv(channels, 96, bn=False),
            *_conv(96, 96, stride=2),  # 16
            nn.Dropout(0.3),
            *_conv(96, 192),
            *_conv(192, 192, stride=2),  # 8
            nn.Dropout(0.3),
            *_conv(192, 192, pad=0),  # 6
            nn.Conv2d(192, 192, 1),  # network-in-network
            nn.LeakyReLU(D_LEAK),
            nn.Flatten(),
        )

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(x)


def pooled_adversarial_head(features: int) -> nn.Module:
    """The real/fake logit from the global average of D0's 6x6 map, as officially."""
    return nn.Sequential(
        nn.Unflatten(1, (192, 6, 6)),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        adversarial_head(192),
    )


register_sgan_nets(
    (32, 32),
    SganNets(
        encoder=Encoder32,
        g1=FeatureGenerator32,
        g0=ImageGenerator32,
        feature_trunk=FeatureTrunk32,
        image_trunk=ImageTrunk32,
        image_adv_head=pooled_adversarial_head,
    ),
)
