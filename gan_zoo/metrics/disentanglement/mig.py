"""Mutual Information Gap (Chen et al., "Isolating Sources of Disentanglement in VAEs", 2018).

Per factor, the gap between the two codes that carry most information about it,
normalised by the factor's entropy: 1 when exactly one code captures the factor. Codes
are discretised into equal-width bins (disentanglement_lib's estimator), so a factor with
more values than bins cannot reach 1 — on dSprites the true factors score about 0.89.
"""

from __future__ import annotations

import numpy as np

from gan_zoo.metrics.disentanglement.draws import Draws
from gan_zoo.metrics.disentanglement.helpers import (
    discrete_entropy,
    discretize,
    mutual_info_matrix,
    top_two_gap,
)
from gan_zoo.metrics.disentanglement.protocol import (
    MIGProtocol,
)
from gan_zoo.metrics.registry import Key

KEYS = (Key("mig", "mutual information gap (Chen et al. 2018), dSprites", "higher", ("dsprites",)),)


def score(draws: Draws, settings: MIGProtocol, rng: np.random.Generator) -> dict:
    """MIG of the draw's first ``num_train`` training points (MIG draws nothing of its own)."""
    codes, factors = draws.train
    codes, factors = codes[: settings.num_train], factors[: settings.num_train]
    m = mutual_info_matrix(discretize(codes, settings.num_bins), factors)
    return {"mig": float(np.mean(top_two_gap(m) / discrete_entropy(factors)))}
