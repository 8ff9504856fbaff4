"""Named model builders, torch-fidelity style: register a small builder, build by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gan_zoo.config import hparams_for
from gan_zoo.data.dataset import ImageDataset
from gan_zoo.errors import ConfigError
from gan_zoo.models.base import GanModel

Builder = Callable[[ImageDataset, dict[str, Any]], GanModel]


@dataclass(frozen=True)
class ModelEntry:
    name: str
    builder: Builder
    description: str


_MODELS: dict[str, ModelEntry] = {}
_ALIASES: dict[str, str] = {}


def register(
    name: str, description: str, aliases: tuple[str, ...] = ()
) -> Callable[[Builder], Builder]:
    """Decorator: make ``builder(dataset, hparams)`` available as ``name``."""

    def wrap(builder: Builder) -> Builder:
        _MODELS[name] = ModelEntry(name, builder, description)
        for alias in aliases:
            _ALIASES[alias] = name
        return builder

    return wrap


def canonical(name: str) -> str:
    """Resolve aliases; unknown names are a ConfigError listing the valid ones."""
    name = _ALIASES.get(name, name)
    if name not in _MODELS:
        raise ConfigError(f"unknown model {name!r}; available: {', '.join(available())}")
    return name


def available() -> list[str]:
    return list(_MODELS)


def describe(name: str) -> str:
    return _MODELS[canonical(name)].description


def build(name: str, dataset: ImageDataset, **overrides: Any) -> GanModel:
    """Build model ``name`` for ``dataset`` with its resolved hyperparameters and overrides."""
    name = canonical(name)
    hp = hparams_for(name, dataset.name, overrides)
    model = _MODELS[name].builder(dataset, hp)
    model.name = name
    return model
