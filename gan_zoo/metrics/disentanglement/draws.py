"""What the disentanglement metrics score: a ground truth, a representation and their draws.

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
    scored: tuple[str, ...] | None = None  # the metrics this draw serves (None: every one)
    _train: Codes | None = field(default=None, repr=False)
    _test: Codes | None = field(default=None, repr=False)

    @classmethod
    def create(
        cls,
        ground_truth: GroundTruthData,
        representation_fn: RepresentationFn,
        rng: np.random.Generator,
        settings: Mapping[str, MetricProtocol],
        scored: tuple[str, ...] | None = None,
    ) -> Draws:
        """Each metric's stream, in the order of ``settings`` (the registry's order)."""
        names = list(settings)
        streams = spawn(rng, len(names))
        return cls(
            ground_truth,
            representation_fn,
            dict(settings),
            dict(zip(names[1:], streams[1:], strict=True)),
            streams[0],
            scored,
        )

    def _sharing(self) -> list[MetricProtocol]:
        return [
            s
            for name, s in self.settings.items()
            if getattr(s, "shared_draw", False) and (self.scored is None or name in self.scored)
        ]

    @property
    def train(self) -> Codes:
        """The shared training draw (the largest ``num_train`` its metrics ask for)."""
        if self._train is None:
            shared = self._sharing()
            num = max(s.num_train for s in shared)
            self._train = self._sample(num, shared[0].representation_batch_size)
        return self._train

    @property
    def test(self) -> Codes:
        """The shared held-out draw, made after the training draw from the same stream."""
        if self._test is None:
            self.train  # noqa: B018  (the training draw comes first in the stream)
            shared = self._sharing()
            num = max(getattr(s, "num_test", 0) for s in shared)
            self._test = self._sample(num, shared[0].representation_batch_size)
        return self._test

    def _sample(self, num: int, batch: int) -> Codes:
        return sample_codes(self.ground_truth, self.representation_fn, num, self.codes_rng, batch)

    def score(self, name: str, fn: ScoreFn) -> Mapping[str, float]:
        rng = self.streams.get(name, self.codes_rng)
        return fn(self, self.settings[name], rng)
