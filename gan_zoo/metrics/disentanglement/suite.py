"""Run every registered disentanglement metric with reproducible, independent random streams.

The metrics are the registry's entries with disentanglement settings (see ``draws``), so a new
one is one file and its registration: this module never names them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import Any

from gan_zoo.errors import ConfigError
from gan_zoo.metrics.context import EvalContext
from gan_zoo.metrics.disentanglement.draws import CONTEXT_KEY, Draws
from gan_zoo.metrics.disentanglement.helpers import RandomState, as_generator, check_ground_truth
from gan_zoo.metrics.disentanglement.protocol import (
    GroundTruthData,
    MetricProtocol,
    RepresentationFn,
)
from gan_zoo.metrics.registry import Metric, metrics


def disentanglement_metrics() -> list[Metric]:
    """The registered disentanglement metrics (those with protocol settings), registry order."""
    return [
        m
        for m in metrics()
        if isinstance(m.settings, type) and issubclass(m.settings, MetricProtocol)
    ]


def settings_by_metric() -> dict[str, type]:
    """Each registered disentanglement metric's settings dataclass, by metric name."""
    return {m.name: m.settings for m in disentanglement_metrics()}


def split_overrides(protocol: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per-metric overrides from ``compute_all``'s keywords.

    ``dci={"n_jobs": 2}`` targets one metric; a bare setting such as ``num_train=2000``
    goes to every metric that has it (and must exist in at least one).
    """
    settings = settings_by_metric()
    per_metric: dict[str, dict[str, Any]] = {name: {} for name in settings}
    for key, value in protocol.items():
        if key in settings:
            if not isinstance(value, Mapping):
                raise ConfigError(f"{key}= takes a dict of settings, got {value!r}")
            per_metric[key].update(value)
            continue
        targets = [name for name, cls in settings.items() if key in {f.name for f in fields(cls)}]
        if not targets:
            raise ConfigError(f"no disentanglement metric has a setting {key!r}")
        for name in targets:
            per_metric[name].setdefault(key, value)
    return per_metric


def make_draws(
    ground_truth_data: GroundTruthData,
    representation_fn: RepresentationFn,
    random_state: RandomState,
    scored: tuple[str, ...] | None = None,
    **protocol: Any,
) -> Draws:
    """What the metrics score, with ``protocol`` overrides applied (checked up front)."""
    check_ground_truth(ground_truth_data)
    overrides = split_overrides(protocol)
    settings = {
        m.name: m.settings.with_overrides(overrides.get(m.name, {}))
        for m in disentanglement_metrics()
    }
    rng = as_generator(random_state)
    return Draws.create(ground_truth_data, representation_fn, rng, settings, scored)


def compute_all(
    ground_truth_data: GroundTruthData,
    representation_fn: RepresentationFn,
    random_state: RandomState,
    only: Iterable[str] | None = None,
    **protocol: Any,
) -> dict:
    """Every registered metric (or the ``only`` ones, by name) in one flat dict.

    The one way to score a representation outside an evaluation: each metric's own score
    function runs on draws made as the suite makes them, so a metric scored alone gets the
    same random stream, and the same score, as it does among all of them.
    """
    names = None
    if only is not None:
        registered = [m.name for m in disentanglement_metrics()]
        unknown = sorted(set(only) - set(registered))
        if unknown:
            raise ConfigError(
                f"no disentanglement metric {', '.join(unknown)}; registered: "
                f"{', '.join(registered)}"
            )
        names = tuple(name for name in registered if name in set(only))
    draws = make_draws(ground_truth_data, representation_fn, random_state, names, **protocol)
    return score_draws(draws, names)


def score_draws(draws: Draws, names: Iterable[str] | None = None) -> dict:
    """The registered metrics named in ``names`` (all if None) on ``draws``, as one flat dict.

    Each metric keeps its own random stream whichever others run (see ``draws``), so a subset
    scores exactly what the full set would for those metrics.
    """
    wanted = None if names is None else set(names)
    context = EvalContext(dataset_name="dsprites")
    context.shared(CONTEXT_KEY, lambda: draws)
    scores: dict = {}
    for metric in disentanglement_metrics():
        if wanted is None or metric.name in wanted:
            scores.update(metric.compute(None, None, context.dataset_name, context))
    return scores
