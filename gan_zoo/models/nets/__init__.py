"""Network building blocks: the shared backbones and the heads models put on them."""

from __future__ import annotations

from torch import nn

from gan_zoo.errors import ConfigError
from gan_zoo.models.nets.dsprites import DSpritesGenerator, DSpritesTrunk
from gan_zoo.models.nets.mnist import MnistGenerator, MnistTrunk

_BACKBONES: dict[tuple[int, int], tuple[type[nn.Module], type[nn.Module]]] = {
    (28, 28): (MnistGenerator, MnistTrunk),
    (64, 64): (DSpritesGenerator, DSpritesTrunk),
}


def backbone_for(image_shape: tuple[int, int, int]) -> tuple[type[nn.Module], type[nn.Module]]:
    """The (generator, trunk) classes for a C x H x W image size."""
    key = tuple(image_shape[1:])
    if key not in _BACKBONES:
        sizes = ", ".join(f"{h}x{w}" for h, w in _BACKBONES)
        raise ConfigError(f"no backbone for {key[0]}x{key[1]} images; available: {sizes}")
    return _BACKBONES[key]
