"""The one registry of metrics: what each key means, which way is better, where it applies.

Every key a record can carry is declared here by exactly one metric, torch-fidelity style: the
suite computes the registered metrics that apply, and tables, plots, ``--list`` and the runner's
summary read their keys, descriptions, directions and headline flags from here. A key may be a
template with ``{code}`` (``code_acc_{code}`` declares ``code_acc_c1``, ``code_acc_c2``, ...).
The built-in metrics are declared in :mod:`gan_zoo.metrics.catalog`, which the package loads
first (so they come first in every table, whoever imports); a user's package adds one
with :func:`register_metric` in a module named by a ``gan_zoo.metrics`` entry point.

It is also the one place scores are named for a reader (:func:`display_name`): record keys never
change, so old records load, and every table, plot, report and printout shows the name the rule
of :data:`FEATURE_SPACES` gives, so a score on the judge's features never reads as the field's
Inception FID.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from gan_zoo.errors import ConfigError
from gan_zoo.plugins import METRICS_GROUP, load_plugins

if TYPE_CHECKING:
    from gan_zoo.metrics.context import EvalContext
    from gan_zoo.models.base import GanModel, Samples

Direction = Literal["higher", "lower", "none"]
ComputeFn = Callable[["GanModel", "Samples", str, "EvalContext"], Mapping[str, float]]
"""``fn(model, samples, dataset_name, context) -> {key: value}``: one metric on one sample bank."""
ChanceFn = Callable[[str, Mapping[str, Any]], float | None]
"""``chance(key, record) -> value``: what ``key`` reads for an output that carries nothing, for
the run ``record`` describes (its sample count, its code sizes); None where not defined."""
FloorFn = Callable[[int, "EvalContext"], Mapping[str, float]]
"""``floor(num_samples, context) -> {key: value}``: what real data scores, the best a model can
reach at that sample count, under the evaluation's options (the context's dataset, root, splits,
and its Inception flag and weights: a run scored with ``--inception`` gets the floor in
Inception's units too). A floor is a property of the dataset, not of the run: it is drawn at a
fixed seed, whatever ``context.seed`` is."""

#: what a metric may need from a model, and how a model is asked (the model's typed latent
#: layout; ``model``: something that generates, which samples scored from a file are not)
CAPABILITIES: dict[str, Callable[[Any], bool]] = {
    "model": lambda model: callable(getattr(model, "generate", None)),
    "labels": lambda model: bool(model.latent.label_classes),
    "categorical_code": lambda model: bool(model.latent.categorical),
    "continuous_code": lambda model: bool(model.latent.continuous),
}
#: how a missing capability is named where a metric is skipped (``benchmarks.evaluate``)
CAPABILITY_TEXT = {
    "model": "a model",
    "labels": "requested labels",
    "categorical_code": "a categorical code",
    "continuous_code": "a continuous code",
}
#: what a metric may need from a dataset, and how its registration is asked
DATA_CAPABILITIES: dict[str, Callable[[Any], bool]] = {
    "judge": lambda entry: entry.has_judge,
    "labels": lambda entry: entry.labelled,
    "factors": lambda entry: entry.ground_truth is not None,
    "test_split": lambda entry: "test" in entry.splits,
}
#: the headline of a templated key shows the first code, which every built-in model names c1
HEADLINE_CODE = "c1"

Features = Literal["judge", "inception", "none"]
#: THE naming rule (issue 33): the features a score is computed on decide how a reader sees it.
#: Each space gives (suffix of the display name, note printed beside tables that show it). A
#: judge-feature score reads ``FD (judge)``, ``precision (judge)``: its numbers are not the
#: field's, which are on Inception-v3. Only an Inception score bears the field's bare ``FID``,
#: ``KID``, ``IS``. ``none``: no feature space (counts, code and disentanglement scores).
FEATURE_SPACES: dict[str, tuple[str, str]] = {
    "judge": (
        " (judge)",
        "a score marked (judge) is computed on the features of the dataset's judge, a small CNN "
        "trained on the dataset (gan_zoo.metrics.judge), not on Inception-v3, so it is not "
        "comparable with published FID, KID or IS",
    ),
    "inception": (
        "",
        "FID, KID and IS unmarked are on Inception-v3 pool3 features, 2048-d, torch-fidelity's "
        "protocol, as papers report them (runner flag --inception)",
    ),
    "none": ("", ""),
}
#: where a reader learns more of a key flagged ``untrained_close`` (its own reason says why)
UNTRAINED_CLOSE_NOTE = (
    "a model that learnt little or nothing can score as high as a trained one, so such a score "
    "alone does not show learning; see the 'untrained (step 0)' row and docs/untrained.md"
)
#: the field's names for Inception-v3 scores: a display name may start with one only where
#: the key declares its feature space (a bare one is then Inception's, see FEATURE_SPACES)
FIELD_NAMES = ("FID", "KID", "IS")


@dataclass(frozen=True)
class Key:
    """One key a metric writes into a record.

    ``direction`` is ``"none"`` for counts and diagnostics; ``headline`` names the datasets whose
    README table and figures show the key. ``display`` is the name a reader sees (the key when
    empty; ``{code}`` as in ``name``) and ``features`` the space the score is computed on, which
    adds its suffix (:data:`FEATURE_SPACES`). ``untrained_close`` says why a model that learnt
    little or nothing is known to score near a trained one (empty: it is not known to), which
    ``--list`` and the tables print beside the key (:data:`UNTRAINED_CLOSE_NOTE`).
    """

    name: str
    description: str
    direction: Direction = "none"
    headline: tuple[str, ...] = ()
    display: str = ""
    features: Features = "none"
    untrained_close: str = ""

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(re.escape(self.name).replace(re.escape("{code}"), r"\w+"))

    @property
    def shown_as(self) -> str:
        """The concrete key tables show for this declaration."""
        return self.name.replace("{code}", HEADLINE_CODE)

    def matches(self, key: str) -> bool:
        return self.pattern.fullmatch(key) is not None

    def display_name(self, key: str | None = None) -> str:
        """What a reader sees for the concrete ``key`` (default: the headline's) of this
        declaration: its display name with the code filled in, plus its features' suffix."""
        key = self.shown_as if key is None else key
        if not self.display:
            base = key
        else:
            code = re.escape(self.name).replace(re.escape("{code}"), r"(?P<code>\w+)")
            found = re.fullmatch(code, key)
            filled = found.groupdict().get("code") if found else None
            base = self.display.replace("{code}", filled or HEADLINE_CODE)
        return base + FEATURE_SPACES[self.features][0]


@dataclass(frozen=True)
class Metric:
    """A metric: its keys and where it applies, and optionally how to compute it.

    ``datasets`` None means every dataset; ``data_needs`` are :data:`DATA_CAPABILITIES` the
    dataset's registration must have (``judge``: the judge-based metrics apply to every dataset
    that has a judge, a user's included); ``needs`` are :data:`CAPABILITIES` the model must have.
    ``curve`` marks metrics cheap enough for the learning-curve probe. ``settings`` is an optional
    frozen dataclass of protocol constants (the disentanglement metrics' overridable settings).
    ``min_samples`` is the fewest samples the metric is defined on (per requested label for a
    metric that needs labels); samples scored from a file with fewer are refused.
    ``chance`` and ``floor`` are the metric's reference levels, which tables print under the
    models and the runner stores in each record (see :func:`chance_level`, :func:`floors`).
    """

    name: str
    keys: tuple[Key, ...]
    datasets: tuple[str, ...] | None = None
    needs: tuple[str, ...] = ()
    compute: ComputeFn | None = None
    curve: bool = False
    settings: type | None = None
    min_samples: int = 1
    chance: ChanceFn | None = None
    floor: FloorFn | None = None
    data_needs: tuple[str, ...] = ()

    def applies(self, dataset: str, model: Any | None = None) -> bool:
        """Whether this metric is defined for ``dataset`` and (when given) ``model``."""
        if self.datasets is not None and dataset not in self.datasets:
            return False
        if self.data_needs and not _dataset_has(dataset, self.data_needs):
            return False
        return model is None or not self.missing(model)

    def missing(self, model: Any) -> list[str]:
        """The needs ``model`` lacks (empty when the metric can score it)."""
        return [need for need in self.needs if not CAPABILITIES[need](model)]


def _dataset_has(dataset: str, needs: tuple[str, ...]) -> bool:
    """Whether the registered ``dataset`` has every capability in ``needs`` (an unregistered
    name has none)."""
    from gan_zoo.data.registry import resolve

    try:
        entry = resolve(dataset)
    except ConfigError:
        return False
    return all(DATA_CAPABILITIES[need](entry) for need in needs)


_METRICS: dict[str, Metric] = {}


def register_metric(
    name: str,
    keys: Iterable[Key],
    datasets: Iterable[str] | None = None,
    needs: Iterable[str] = (),
    compute: ComputeFn | None = None,
    curve: bool = False,
    settings: type | None = None,
    min_samples: int = 1,
    chance: ChanceFn | None = None,
    floor: FloorFn | None = None,
    data_needs: Iterable[str] = (),
) -> Metric:
    """Declare a metric; a name or key already declared by another metric is refused."""
    return register(
        Metric(
            name=name,
            keys=tuple(keys),
            datasets=None if datasets is None else tuple(datasets),
            needs=tuple(needs),
            compute=compute,
            curve=curve,
            settings=settings,
            min_samples=min_samples,
            chance=chance,
            floor=floor,
            data_needs=tuple(data_needs),
        )
    )


def register(metric: Metric) -> Metric:
    """Add an already built :class:`Metric` (what :func:`register_metric` does)."""
    if not metric.keys:
        raise ConfigError(f"metric {metric.name!r} declares no keys")
    unknown = sorted(set(metric.needs) - set(CAPABILITIES))
    if unknown:
        raise ConfigError(
            f"metric {metric.name!r} needs unknown {', '.join(unknown)}; "
            f"known: {', '.join(CAPABILITIES)}"
        )
    unknown = sorted(set(metric.data_needs) - set(DATA_CAPABILITIES))
    if unknown:
        raise ConfigError(
            f"metric {metric.name!r} needs unknown dataset {', '.join(unknown)}; "
            f"known: {', '.join(DATA_CAPABILITIES)}"
        )
    for key in metric.keys:
        if key.features not in FEATURE_SPACES:
            raise ConfigError(
                f"metric {metric.name!r}: key {key.name!r} has unknown features "
                f"{key.features!r}; known: {', '.join(FEATURE_SPACES)}"
            )
        if key.features == "none" and key.display.split(" ")[0] in FIELD_NAMES:
            raise ConfigError(
                f"metric {metric.name!r}: key {key.name!r} is shown as {key.display!r}, the "
                "field's name for an Inception-v3 score: declare its features ('inception' "
                "or 'judge')"
            )
    if metric.name in _METRICS:
        raise ConfigError(f"metric {metric.name!r} is already registered")
    taken = [(m.name, k) for m in _METRICS.values() for k in m.keys]
    for i, key in enumerate(metric.keys):
        taken_here = taken + [(metric.name, k) for k in metric.keys[:i]]
        for owner, other in taken_here:
            if other.name == key.name or other.matches(key.name) or key.matches(other.name):
                raise ConfigError(
                    f"metric {metric.name!r}: key {key.name!r} is already declared by "
                    f"metric {owner!r} (as {other.name!r})"
                )
    _METRICS[metric.name] = metric
    return metric


def unregister_metric(name: str) -> None:
    """Remove metric ``name`` and its keys (nothing if it is not registered): for tests and
    interactive use, like ``gan_zoo.models.unregister``."""
    _METRICS.pop(name, None)


@contextmanager
def registered_metric(*args: Any, **kwargs: Any) -> Iterator[Metric]:
    """``register_metric(*args, **kwargs)`` for the duration of a ``with`` block: a test's
    metric never outlives the test, whatever it raises."""
    metric = register_metric(*args, **kwargs)
    try:
        yield metric
    finally:
        unregister_metric(metric.name)


def metrics() -> list[Metric]:
    """Every registered metric, built-ins first, then plugins (loaded on the first call)."""
    load_plugins(METRICS_GROUP)
    return list(_METRICS.values())


def get_metric(name: str) -> Metric:
    """The metric ``name``; unknown names are a ConfigError listing the known ones."""
    found = {m.name: m for m in metrics()}
    if name not in found:
        raise ConfigError(f"unknown metric {name!r}; registered: {', '.join(found)}")
    return found[name]


def declared_keys() -> list[Key]:
    """Every declared key (templates unexpanded) in registry order."""
    return [k for m in metrics() for k in m.keys]


def declaration(key: str) -> Key | None:
    """The declaration of a concrete record key, or None when no metric declares it."""
    return next((k for k in declared_keys() if k.matches(key)), None)


def display_name(key: str) -> str:
    """The name a reader sees for a record key (the key itself where no metric declares it):
    every table header, plot title, report and printout goes through here."""
    decl = declaration(key)
    return key if decl is None else decl.display_name(key)


def feature_notes(keys: Iterable[str]) -> list[str]:
    """The notes of the feature spaces the declared ``keys`` are on, judge first: what a
    reader of a table showing them needs to know about their names."""
    spaces = {d.features for k in keys if (d := declaration(k)) is not None}
    return [note for space, (_, note) in FEATURE_SPACES.items() if space in spaces and note]


def untrained_close(keys: Iterable[str]) -> list[str]:
    """The ``keys`` whose declaration is flagged ``untrained_close``, in the given order."""
    return [k for k in keys if (d := declaration(k)) is not None and d.untrained_close]


def undeclared(keys: Iterable[str]) -> list[str]:
    """The keys no metric declares, sorted: reported by tables, never silently dropped."""
    return sorted({k for k in keys if declaration(k) is None})


def order_keys(keys: Iterable[str]) -> list[str]:
    """Record keys in registry order (one template's keys sorted), undeclared ones last."""
    present = set(keys)
    ordered = []
    for decl in declared_keys():
        ordered += sorted(k for k in present if decl.matches(k) and k not in ordered)
    return ordered + [k for k in undeclared(present) if k not in ordered]


def headline(dataset: str) -> list[str]:
    """The keys a reader looks at first on ``dataset``: README table, plots, equivalence check.

    A dataset no key names (CIFAR-10, SVHN, the user's own) gets every dataset's headline keys
    whose metric applies to it.
    """
    named = [k.shown_as for k in declared_keys() if dataset in k.headline]
    if named:
        return named
    return list(
        dict.fromkeys(
            k.shown_as for m in metrics() if m.applies(dataset) for k in m.keys if k.headline
        )
    )


def headline_any(datasets: Iterable[str] | None = None) -> list[str]:
    """The headline keys of several datasets (all that have any when None), registry order."""
    if datasets is None:
        return list(dict.fromkeys(k.shown_as for k in declared_keys() if k.headline))
    wanted = {k for d in datasets if d for k in headline(d)}
    return [k for k in dict.fromkeys(x.shown_as for x in declared_keys()) if k in wanted]


def chance_level(key: str, record: Mapping[str, Any]) -> float | None:
    """What ``key`` reads in ``record``'s run for an output that carries nothing (None where
    its metric declares no chance level)."""
    owner = next((m for m in metrics() for k in m.keys if k.matches(key)), None)
    return None if owner is None or owner.chance is None else owner.chance(key, record)


def floors(
    num_samples: int, context: EvalContext, keys: Iterable[str] | None = None
) -> dict[str, float]:
    """Every floor declared by a metric that applies to the context's dataset: real data's own
    scores under the evaluation's options (only those of ``keys``, the scores made, when given).
    The one way the runner and ``benchmarks.evaluate`` get a floor."""
    wanted = None if keys is None else set(keys)
    out: dict[str, float] = {}
    for metric in metrics():
        if metric.floor is None or not metric.applies(context.dataset_name):
            continue
        if wanted is not None and not any(k.matches(w) for k in metric.keys for w in wanted):
            continue  # nothing of this metric was scored: its floor is not worth computing
        out.update(metric.floor(num_samples, context))
    return out if wanted is None else {k: v for k, v in out.items() if k in wanted}
