"""Named model builders, torch-fidelity style: register a small builder, build by name.

Built-in families register when ``gan_zoo.models`` is imported; a user's family registers from
its own package, found through the ``gan_zoo.models`` entry-point group (``gan_zoo.plugins``).
A name is registered once: a second registration is refused, never a silent overwrite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gan_zoo.config import add_model_defaults, hparams_for, remove_model_defaults
from gan_zoo.config_rules import Rule
from gan_zoo.data.dataset import ImageDataset
from gan_zoo.errors import ConfigError
from gan_zoo.models.base import GanModel
from gan_zoo.models.nets import backbone_for, discover_nets
from gan_zoo.plugins import MODELS_GROUP, load_plugins
from gan_zoo.run_config import RunConfig

Builder = Callable[[ImageDataset, dict[str, Any]], GanModel]
NetsCheck = Callable[[tuple[int, int, int]], object]
"""``nets(image_shape)``: the family's nets for a C x H x W size; a ConfigError in one line
where it has none, so a plan is refused before any training."""


@dataclass(frozen=True)
class ModelEntry:
    name: str
    builder: Builder
    description: str
    #: logs a person watches beside the two losses (progress bar, plots), if the model has them
    shown: tuple[str, ...] = ()
    #: whether K runs may train as one batched computation (``--fuse``, ``gan_zoo.train.fused``)
    fuses: bool = False
    nets: NetsCheck = backbone_for


_MODELS: dict[str, ModelEntry] = {}
_ALIASES: dict[str, str] = {}


def register(
    name: str,
    description: str,
    aliases: tuple[str, ...] = (),
    defaults: dict[str, Any] | None = None,
    rules: dict[str, Rule] | None = None,
    shown: tuple[str, ...] = (),
    refused: dict[str, str] | None = None,
    fuses: bool = False,
    nets: NetsCheck = backbone_for,
) -> Callable[[Builder], Builder]:
    """Decorator: make ``builder(dataset, hparams)`` available as ``name``.

    ``shown`` names the logs worth watching beside the two losses (the progress bar, and the
    plots, also of records written before they stored them).

    ``defaults`` are the model's own hyperparameters over the common ones (``rules`` check the
    keys no other model has), and ``refused`` maps a dataset to the one-line reason the model is
    not run on it: a built-in family and a plugin declare them alike, in their own file.

    ``fuses`` declares that K runs of the family may train as one batched computation
    (``--fuse``): the fused trainer steps the family's ``fake_pass``, ``d_context`` and
    ``g_context`` under ``torch.func.vmap`` over stacked weights, one D and one G update per
    step, which needs phases free of their own random draws, of ``.item()`` and of
    data-dependent Python branches. Off by default, since nothing can check that before a run:
    a family declares it once its fused runs are tested against its separate ones.

    ``nets`` checks at plan time that the family has nets for a dataset's image size; the
    default is the shared backbone of the single-level families (``models.nets``).
    """

    def wrap(builder: Builder) -> Builder:
        for key in (name, *aliases):
            if key in _MODELS or key in _ALIASES:
                owner = _MODELS[_ALIASES.get(key, key)].builder.__module__
                raise ConfigError(f"model name {key!r} is already registered (by {owner})")
        add_model_defaults(name, defaults or {}, rules, refused)
        _MODELS[name] = ModelEntry(name, builder, description, tuple(shown), fuses, nets)
        for alias in aliases:
            _ALIASES[alias] = name
        return builder

    return wrap


def unregister(name: str) -> None:
    """Remove a model (and its aliases and plugin defaults): for tests and interactive use."""
    _MODELS.pop(name, None)
    for alias in [a for a, target in _ALIASES.items() if target == name]:
        del _ALIASES[alias]
    remove_model_defaults(name)


def canonical(name: str) -> str:
    """Resolve aliases; unknown names are a ConfigError listing the valid ones."""
    load_plugins(MODELS_GROUP)
    name = _ALIASES.get(name, name)
    if name not in _MODELS:
        raise ConfigError(f"unknown model {name!r}; available: {', '.join(available())}")
    return name


def available() -> list[str]:
    """Registered names, built-in families first, then plugins in discovery order."""
    load_plugins(MODELS_GROUP)
    return list(_MODELS)


def shown_logs(name: str) -> tuple[str, ...]:
    """The logs model ``name`` marks as worth watching; none for a name not registered (a
    record of a plugin family that is not installed)."""
    entry = _MODELS.get(_ALIASES.get(name, name))
    return () if entry is None else entry.shown


def fuses(name: str) -> bool:
    """Whether model ``name`` declared at registration that its runs may train fused."""
    return _MODELS[canonical(name)].fuses


def fused_families() -> list[str]:
    """The registered families that declared ``fuses=True``, in registration order."""
    return [name for name in available() if _MODELS[name].fuses]


def check_nets(
    name: str, image_shape: tuple[int, int, int], dataset_name: str | None = None
) -> None:
    """Refuse, in one line, an image size model ``name`` has no nets for (the dataset's own
    nets module, if its registration names one, is imported first)."""
    discover_nets(dataset_name)
    _MODELS[canonical(name)].nets(image_shape)


def describe(name: str) -> str:
    return _MODELS[canonical(name)].description


def build(name: str, dataset: ImageDataset, device_type: str = "cpu", **overrides: Any) -> GanModel:
    """Build model ``name`` for ``dataset`` with its resolved hyperparameters and overrides,
    taking the speed defaults of the kind of device it will train on."""
    name = canonical(name)
    return _build(name, dataset, hparams_for(name, dataset.name, overrides, device_type))


def build_run(config: RunConfig, dataset: ImageDataset) -> GanModel:
    """Build the model of a resolved run configuration (its hyperparameters as they stand)."""
    if config.dataset != dataset.name:
        raise ConfigError(f"run config is for {config.dataset!r}, the dataset is {dataset.name!r}")
    return _build(canonical(config.model), dataset, dict(config.hparams))


def _build(name: str, dataset: ImageDataset, hparams: dict[str, Any]) -> GanModel:
    discover_nets(dataset.name)  # a plugin dataset's own nets, before the builder asks
    model = _MODELS[name].builder(dataset, hparams)
    model.name = name
    return model
