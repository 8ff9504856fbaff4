"""How a disentanglement metric plugs into the registry: one score function and its settings.

MIG, SAP and DCI score i.i.d. (code, factor) samples, so every metric whose settings say
``shared_draw`` shares one training draw and one held-out draw (the largest ``num_train`` /
``num_test`` any of them asks for; each uses a prefix): one representation pass instead of three.
Random streams: the i-th registered disentanglement metric gets stream i, and the shared draw
uses stream 0 (the first metric, MIG, needs no randomness of its own); a metric added later gets
a new stream and leaves every other score unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gan_zoo.metrics.disentanglement.helpers import sample_codes, spawn
from gan_zoo.metrics.disentanglement.protocol import (
    GroundTruthData,
    MetricProtocol,
    RepresentationFn,
)
from gan_zoo.metrics.registry import Key, Metric, metrics

#: the context entry the suite fills with a model's :class:`Draws`
CONTEXT_KEY = "disentanglement"
Codes = tuple[np.ndarray, np.ndarray]
ScoreFn = Callable[["Draws", Any, np.random.Generator], Mapping[str, float]]
"""``score(draws, settings, rng) -> {key: value}``: one disentanglement metric."""


@dataclass
class Draws:
    """The ground truth, the representation, each metric's settings and stream, the shared draw."""

    ground_truth: GroundTruthData
    representation_fn: RepresentationFn
    settings: dict[str, MetricProtocol]
    streams: dict[str, np.random.Generator]
    codes_rng: np.random.Generator
    _shared: tuple[Codes, Codes] | None = field(default=None, repr=False)

    @classmethod
    def create(
        cls,
        ground_truth: GroundTruthData,
        representation_fn: RepresentationFn,
        rng: np.random.Generator,
        overrides: Mapping[str, Mapping[str, Any]],
    ) -> Draws:
        names = [m.name for m in disentanglement_metrics()]
        streams = spawn(rng, len(names))
        settings = {
            m.name: m.settings.with_overrides(overrides.get(m.name, {}))
            for m in disentanglement_metrics()
        }
        return cls(
            ground_truth,
            representation_fn,
            settings,
            dict(zip(names[1:], streams[1:], strict=True)),
            streams[0],
        )

    def _draw(self) -> tuple[Codes, Codes]:
        if self._shared is None:
            shared = [s for s in self.settings.values() if getattr(s, "shared_draw", False)]
            batch = shared[0].representation_batch_size
            num_train = max(s.num_train for s in shared)
            num_test = max(getattr(s, "num_test", 0) for s in shared)
            gt, fn = self.ground_truth, self.representation_fn
            train = sample_codes(gt, fn, num_train, self.codes_rng, batch)
            test = sample_codes(gt, fn, num_test, self.codes_rng, batch)
            self._shared = (train, test)
        return self._shared

    @property
    def train(self) -> Codes:
        return self._draw()[0]

    @property
    def test(self) -> Codes:
        return self._draw()[1]

    def score(self, name: str, fn: ScoreFn) -> Mapping[str, float]:
        rng = self.streams.get(name, self.codes_rng)
        return fn(self, self.settings[name], rng)


def disentanglement_metric(
    name: str, keys: tuple[Key, ...], settings: type[MetricProtocol], score: ScoreFn
) -> Metric:
    """A registry entry for a dSprites disentanglement metric (register it to use it)."""

    def compute(model: Any, samples: Any, dataset: str, context: Any) -> Mapping[str, float]:
        def build() -> Draws:
            from gan_zoo.metrics.dsprites_scoring import model_draws

            return model_draws(model, samples, context)

        return context.shared(CONTEXT_KEY, build).score(name, score)

    return Metric(
        name=name,
        keys=keys,
        datasets=("dsprites",),
        needs=("model",),  # the representation is the model's encoder or its post-hoc one
        compute=compute,
        settings=settings,
    )


def disentanglement_metrics() -> list[Metric]:
    """The registered disentanglement metrics, in registry order."""
    return [
        m
        for m in metrics()
        if isinstance(m.settings, type) and issubclass(m.settings, MetricProtocol)
    ]
