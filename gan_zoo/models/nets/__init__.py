"""Network building blocks: the shared backbones and the heads models put on them.

Each module of this package declares the backbone of one image size with
:func:`register_backbone` (28x28 InfoGAN nets, 32x32 RGB DCGAN-style nets, 64x64 dSprites nets);
:func:`backbone_for` finds them all, so adding an image size is adding its nets module. A
dataset from a user's package whose size has no built-in nets names its own nets module in its
registration (``nets=``), imported when its nets are asked for.
"""

from __future__ import annotations

import importlib
import pkgutil

from torch import nn

from gan_zoo.errors import ConfigError

Backbone = tuple[type[nn.Module], type[nn.Module]]
_BACKBONES: dict[tuple[int, int], Backbone] = {}
_discovered = False


def register_backbone(
    size: tuple[int, int], generator: type[nn.Module], trunk: type[nn.Module]
) -> None:
    """Declare the (generator, trunk) classes every single-level family uses at ``size`` (H, W)."""
    if size in _BACKBONES and _BACKBONES[size] != (generator, trunk):
        raise ConfigError(f"a backbone for {size[0]}x{size[1]} images is already registered")
    _BACKBONES[size] = (generator, trunk)


def discover_nets(dataset_name: str | None = None) -> None:
    """Import every nets module of this package once, and the dataset's own nets module."""
    global _discovered
    if not _discovered:
        _discovered = True
        for info in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{info.name}")
    if dataset_name is not None:
        from gan_zoo.data.registry import find

        entry = find(dataset_name)
        if entry is not None and entry.nets:
            importlib.import_module(entry.nets)


def backbone_for(image_shape: tuple[int, int, int], dataset_name: str | None = None) -> Backbone:
    """The (generator, trunk) classes for a C x H x W image size."""
    discover_nets(dataset_name)
    key = (int(image_shape[1]), int(image_shape[2]))
    if key not in _BACKBONES:
        sizes = ", ".join(f"{h}x{w}" for h, w in sorted(_BACKBONES))
        raise ConfigError(f"no backbone for {key[0]}x{key[1]} images; available: {sizes}")
    return _BACKBONES[key]
