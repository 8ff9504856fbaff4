"""The one registry of datasets: what each one is, how to load it, and what it can be judged by.

Mirrors the model and metric registries (torch-fidelity's ``register_dataset`` is the model):
a dataset is declared once with :func:`register_dataset`, and the loaders, the hyperparameters,
the judge, the metric catalogue, the tables and the runner's help all read it. Built-in datasets
register when ``gan_zoo.data`` is imported; a user's dataset registers from its own package,
found through the ``gan_zoo.datasets`` entry-point group. A name is registered once.

A *kind* (``folder``, ``npz``) turns a spec such as ``folder:PATH`` into a dataset on demand:
:func:`resolve` registers it under a path-safe name the first time it is asked for.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gan_zoo.data.dataset import ImageDataset
from gan_zoo.errors import ConfigError
from gan_zoo.plugins import DATASETS_GROUP, load_plugins

Root = str | os.PathLike[str] | None
Loader = Callable[[str, Root], ImageDataset]
"""``load(split, root) -> ImageDataset``; ``root`` beats ``GAN_ZOO_DATA``, then the user cache."""


@dataclass(frozen=True)
class JudgeSettings:
    """How the dataset's judge classifier trains, and the test accuracy it must reach.

    ``min_accuracy`` None: no bar (a user's data has no known reachable accuracy).
    """

    epochs: int
    min_accuracy: float | None = None


@dataclass(frozen=True)
class DatasetEntry:
    """One registered dataset.

    ``class_names`` is None for unlabelled data (no judge can be trained on it);
    ``ground_truth`` builds the factor sampler of a dataset with ground-truth factors (dSprites)
    from its loaded ``train`` split; ``judge`` None means no judge even if labelled; ``defaults``
    are hyperparameters over the common ones (before the model's own); ``nets`` is a module that
    declares nets for this image size when they are not built in; ``spec`` is what the user
    typed for datasets made from a spec (``folder:PATH``), else the name.
    """

    name: str
    title: str
    splits: tuple[str, ...]
    image_shape: tuple[int, int, int]
    load: Loader
    class_names: tuple[str, ...] | None = None
    ground_truth: Callable[[ImageDataset], Any] | None = None
    judge: JudgeSettings | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    model_defaults: dict[str, dict[str, Any]] = field(default_factory=dict)
    nets: str | None = None
    description: str = ""
    spec: str = ""

    @property
    def labelled(self) -> bool:
        return self.class_names is not None

    @property
    def num_classes(self) -> int | None:
        return None if self.class_names is None else len(self.class_names)

    @property
    def has_judge(self) -> bool:
        return self.judge is not None and self.labelled and "test" in self.splits


_DATASETS: dict[str, DatasetEntry] = {}
_ALIASES: dict[str, str] = {}
_KINDS: dict[str, Callable[[str], DatasetEntry]] = {}
_SPECS: dict[str, str] = {}  # spec text -> registered name
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")


def register_dataset(
    name: str,
    *,
    title: str,
    splits: tuple[str, ...],
    image_shape: tuple[int, int, int],
    load: Loader,
    class_names: tuple[str, ...] | None = None,
    ground_truth: Callable[[ImageDataset], Any] | None = None,
    judge: JudgeSettings | None = None,
    defaults: dict[str, Any] | None = None,
    model_defaults: dict[str, dict[str, Any]] | None = None,
    nets: str | None = None,
    description: str = "",
    aliases: tuple[str, ...] = (),
    spec: str = "",
) -> DatasetEntry:
    """Declare a dataset; a name (or alias) already registered is refused.

    ``name`` is lower case, path-safe (it names cache files and run ids).
    """
    if not _NAME.fullmatch(name):
        raise ConfigError(
            f"dataset name {name!r}: use lower-case letters, digits, '.', '_' and '-'"
        )
    for key in (name, *aliases):
        if key in _DATASETS or key in _ALIASES:
            raise ConfigError(f"dataset name {key!r} is already registered")
    if not splits or "train" not in splits:
        raise ConfigError(f"dataset {name!r} must offer a 'train' split, got {splits}")
    if len(image_shape) != 3:
        raise ConfigError(f"dataset {name!r}: image_shape is C x H x W, got {image_shape}")
    entry = DatasetEntry(
        name=name,
        title=title,
        splits=tuple(splits),
        image_shape=tuple(int(v) for v in image_shape),  # type: ignore[arg-type]
        load=load,
        class_names=None if class_names is None else tuple(class_names),
        ground_truth=ground_truth,
        judge=judge,
        defaults=dict(defaults or {}),
        model_defaults={k: dict(v) for k, v in (model_defaults or {}).items()},
        nets=nets,
        description=description,
        spec=spec or name,
    )
    _DATASETS[name] = entry
    for alias in aliases:
        _ALIASES[alias] = name
    return entry


def unregister_dataset(name: str) -> None:
    """Remove a dataset (and its aliases): for tests and interactive use."""
    _DATASETS.pop(name, None)
    for alias in [a for a, target in _ALIASES.items() if target == name]:
        del _ALIASES[alias]
    for spec in [s for s, target in _SPECS.items() if target == name]:
        del _SPECS[spec]


def register_kind(kind: str, make: Callable[[str], DatasetEntry]) -> None:
    """Let ``KIND:ARGUMENT`` name a dataset: ``make(argument)`` registers and returns it."""
    if kind in _KINDS:
        raise ConfigError(f"dataset kind {kind!r} is already registered")
    _KINDS[kind] = make


def resolve(name: str) -> DatasetEntry:
    """The entry for a name, an alias or a ``kind:argument`` spec (registered on first use).

    Unknown names are a ConfigError listing the registered ones.
    """
    load_plugins(DATASETS_GROUP)
    text = str(name).strip()
    kind, sep, argument = text.partition(":")
    if sep and kind in _KINDS and len(kind) > 1:  # "C:\\..." is no kind
        if text not in _SPECS:
            entry = _KINDS[kind](argument)
            _SPECS[text] = entry.name
        return _DATASETS[_SPECS[text]]
    key = text.lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    if key not in _DATASETS:
        raise ConfigError(
            f"unknown dataset {name!r}; choose one of: {', '.join(available())}, "
            f"or {' / '.join(f'{k}:PATH' for k in _KINDS)}"
        )
    return _DATASETS[key]


def find(name: str) -> DatasetEntry | None:
    """The entry registered under exactly ``name``, or None (no aliases, specs or plugins)."""
    return _DATASETS.get(name)


def get(name: str) -> DatasetEntry:
    """The registered entry of ``name`` (a name, alias or spec)."""
    return resolve(name)


def available() -> list[str]:
    """Registered names: built-ins first, then plugins, then datasets made from specs."""
    load_plugins(DATASETS_GROUP)
    return list(_DATASETS)


def kinds() -> list[str]:
    return list(_KINDS)


def dataset_hparams(name: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The dataset's hyperparameter defaults and its per-model ones; a name that is not a
    registered dataset (a test's in-memory data) has none."""
    try:
        entry = resolve(name)
    except ConfigError:
        return {}, {}
    return dict(entry.defaults), {k: dict(v) for k, v in entry.model_defaults.items()}
