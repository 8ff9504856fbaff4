"""Whether a row's learning curve had flattened by its last point: "not converged" marks.

A table row is one budget's snapshot; a model whose curve is still climbing steeply there is
being ranked part way (Stacked GAN at 5,000 of its official 120,000 updates). The rule reads the
curve alone: the gain of :data:`METRIC` per decade of steps over the curve's last segment (its
last two points), averaged over the row's seeds. Above :data:`STEEP_GAIN_PER_DECADE` the row is
marked: at that rate ten times the training would still add more than half the metric's range.

Measured on the committed ``paper`` records (steps 2,997 to 5,000): sgan gains 0.85 to 1.48
recall per decade (mean 1.12), every other model 0.47 at most (row means 0.38 at most).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

#: the curve metric read: recall is where a collapsing or still-spreading model shows first
METRIC = "recall"
#: gain per decade of steps, over the last curve segment, above which a row is not converged
STEEP_GAIN_PER_DECADE = 0.5
NOT_CONVERGED = "not converged"


def last_gain_per_decade(curve: list[dict[str, Any]], metric: str = METRIC) -> float | None:
    """The metric's change per decade of steps between the curve's last two points.

    None where the curve has fewer than two points carrying the metric.
    """
    points = [p for p in curve or () if p.get(metric) is not None and p.get("step")]
    points.sort(key=lambda p: float(p["step"]))
    if len(points) < 2:
        return None
    before, last = points[-2], points[-1]
    decades = math.log10(float(last["step"]) / float(before["step"]))
    if decades <= 0:
        return None
    return (float(last[metric]) - float(before[metric])) / decades


def still_rising(records: Iterable[dict[str, Any]]) -> float | None:
    """The mean last-segment gain per decade over the records' (one row's seeds') curves,
    or None where none of them has a curve with the metric."""
    gains = [g for r in records if (g := last_gain_per_decade(r.get("curve") or [])) is not None]
    return sum(gains) / len(gains) if gains else None


def is_not_converged(records: Iterable[dict[str, Any]]) -> bool:
    """True where the row's curves still rise steeply at their last point (see module doc)."""
    gain = still_rising(records)
    return gain is not None and gain > STEEP_GAIN_PER_DECADE
