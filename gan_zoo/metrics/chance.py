"""What the code metrics read for a code that carries nothing: their chance level.

Hungarian accuracy picks the best of K! matchings after seeing the data, so for a code
independent of the judged class it exceeds 1/K at any finite sample count (about 0.11 for
K = 10 at 10,000 samples), and the plug-in mutual information is biased above 0 by about
(K - 1)^2 / (2N) nats. Both are estimated by a seeded simulation of independent, uniform codes
and predictions through the very functions the suite uses, so the result is deterministic and
tables built from it are reproducible.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from gan_zoo.metrics.information import categorical_mi

CHANCE_TRIALS = 200
CHANCE_SEED = 0


@lru_cache(maxsize=64)
def code_chance(
    num_samples: int,
    num_categories: int,
    trials: int = CHANCE_TRIALS,
    seed: int = CHANCE_SEED,
) -> dict[str, float]:
    """Expected ``hungarian_accuracy`` and ``mi_normalised`` of an uninformative code.

    Code and prediction are independent and uniform over ``num_categories`` values, with
    ``num_samples`` samples, averaged over ``trials`` seeded draws; ``*_se`` are the standard
    errors of those means.
    """
    if num_samples < 1 or num_categories < 1:
        raise ValueError("need at least one sample and one category")
    rng = np.random.default_rng(seed)
    acc, mi = np.empty(trials), np.empty(trials)
    for t in range(trials):
        codes = rng.integers(num_categories, size=num_samples)
        predictions = rng.integers(num_categories, size=num_samples)
        res = categorical_mi(codes, predictions, num_categories)
        acc[t], mi[t] = res["hungarian_accuracy"], res["mi_normalised"]
    se = np.sqrt(trials)
    return {
        "hungarian_accuracy": float(acc.mean()),
        "hungarian_accuracy_se": float(acc.std(ddof=1) / se) if trials > 1 else float("nan"),
        "mi_normalised": float(mi.mean()),
        "mi_normalised_se": float(mi.std(ddof=1) / se) if trials > 1 else float("nan"),
    }
