"""Mutual Information Gap (Chen et al., "Isolating Sources of Disentanglement in VAEs", 2018).

Per factor, the gap between the two codes that carry most information about it,
normalised by the factor's entropy: 1 when exactly one code captures the factor. Codes
are discretised into equal-width bins (disentanglement_lib's estimator), so a factor with
more values than bins cannot reach 1 — on dSprites the true factors score about 0.89.
"""

from __future__ import annotations

import numpy as np

from gan_zoo.metrics.disentanglement.draws import disentanglement_metric
from gan_zoo.metrics.disentanglement.helpers import (
    RandomState,
    as_generator,
    check_ground_truth,
    discrete_entropy,
    discretize,
    mutual_info_matrix,
    sample_codes,
    top_two_gap,
)
from gan_zoo.metrics.disentanglement.protocol import (
    GroundTruthData,
    MIGProtocol,
    RepresentationFn,
)
from gan_zoo.metrics.registry import Key


def mig_from_codes(codes: np.ndarray, factors: np.ndarray, settings: MIGProtocol) -> dict:
    """MIG of already-sampled codes (num, D) against their factors (num, F)."""
    codes = codes[: settings.num_train]
    factors = factors[: settings.num_train]
    m = mutual_info_matrix(discretize(codes, settings.num_bins), factors)
    entropy = discrete_entropy(factors)
    return {"mig": float(np.mean(top_two_gap(m) / entropy))}


def mig(
    ground_truth_data: GroundTruthData,
    representation_fn: RepresentationFn,
    random_state: RandomState,
    **protocol: object,
) -> dict:
    """Mutual Information Gap on ``num_train`` fresh points; returns ``{"mig": ...}``."""
    settings = MIGProtocol.with_overrides(protocol)
    check_ground_truth(ground_truth_data)
    codes, factors = sample_codes(
        ground_truth_data,
        representation_fn,
        settings.num_train,
        as_generator(random_state),
        settings.representation_batch_size,
    )
    return mig_from_codes(codes, factors, settings)


METRIC = disentanglement_metric(
    "mig",
    (Key("mig", "mutual information gap (Chen et al. 2018), dSprites", "higher", ("dsprites",)),),
    MIGProtocol,
    lambda draws, settings, rng: mig_from_codes(*draws.train, settings),
)
