"""FactorVAE score (Kim & Mnih, "Disentangling by Factorising", ICML 2018).

A vote fixes one random factor over a batch of points; in a disentangled code the
dimension with the smallest variance (relative to its global variance) names that
factor. A majority-vote classifier maps each dimension to the factor it most often wins
for; the score is its accuracy on fresh votes. Dimensions with global std below a
threshold are pruned as collapsed (disentanglement_lib: 0.05). Chance is 1/F.

Unlike disentanglement_lib, a vote's winner is mapped back from the active subset to
its own dimension, and ``num_active_dims`` counts the kept dimensions; both agree
with the library whenever no dimension is pruned.
"""

from __future__ import annotations

import numpy as np

from gan_zoo.metrics.disentanglement.draws import Draws
from gan_zoo.metrics.disentanglement.helpers import (
    encode_factors,
    num_factors,
    sample_codes,
)
from gan_zoo.metrics.disentanglement.protocol import (
    FactorVAEProtocol,
    GroundTruthData,
    RepresentationFn,
)
from gan_zoo.metrics.registry import Key


def fixed_factor_batches(
    ground_truth_data: GroundTruthData,
    num_batches: int,
    batch_size: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Factor index per batch (num_batches,) and factors (num_batches, batch_size, F)
    in which that factor takes one value across the batch."""
    count = num_factors(ground_truth_data)
    fixed = rng.integers(count, size=num_batches)
    factors = np.asarray(ground_truth_data.sample_factors(num_batches * batch_size, rng))
    factors = factors.reshape(num_batches, batch_size, count)
    rows = np.arange(num_batches)
    factors[rows, :, fixed] = factors[rows, 0, fixed][:, None]
    return fixed, factors


def vote_matrix(
    ground_truth_data: GroundTruthData,
    representation_fn: RepresentationFn,
    num_votes: int,
    global_variances: np.ndarray,
    active: np.ndarray,
    settings: FactorVAEProtocol,
    rng: np.random.Generator,
) -> np.ndarray:
    """votes[k, d]: how often dimension d had the least normalised variance when factor k
    was fixed, shape (F, D)."""
    fixed, factors = fixed_factor_batches(ground_truth_data, num_votes, settings.batch_size, rng)
    flat = factors.reshape(-1, factors.shape[-1])
    codes = encode_factors(
        ground_truth_data, representation_fn, flat, rng, settings.representation_batch_size
    )
    codes = codes.reshape(num_votes, settings.batch_size, -1)
    ratio = np.var(codes[:, :, active], axis=1, ddof=1) / global_variances[active]
    winner = np.flatnonzero(active)[np.argmin(ratio, axis=1)]
    votes = np.zeros((num_factors(ground_truth_data), codes.shape[-1]), dtype=np.int64)
    np.add.at(votes, (fixed, winner), 1)
    return votes


def _accuracy(votes: np.ndarray, classifier: np.ndarray) -> float:
    """Share of votes whose winning dimension maps to the factor actually fixed."""
    return float(votes[classifier, np.arange(votes.shape[1])].sum() / votes.sum())


KEYS = (
    Key("factorvae", "FactorVAE score (Kim & Mnih 2018), dSprites", "higher", ("dsprites",)),
    Key("factorvae_train", "FactorVAE score of the majority-vote classifier's training votes"),
    Key("factorvae_num_active_dims", "FactorVAE: code dimensions kept after pruning (count)"),
)


def score(draws: Draws, settings: FactorVAEProtocol, rng: np.random.Generator) -> dict:
    """FactorVAE score; ``factorvae`` is the eval accuracy, also train accuracy and the
    number of dimensions kept after pruning."""
    ground_truth_data, representation_fn = draws.ground_truth, draws.representation_fn
    codes, _ = sample_codes(
        ground_truth_data,
        representation_fn,
        settings.num_variance_estimate,
        rng,
        settings.representation_batch_size,
    )
    global_variances = np.var(codes, axis=0, ddof=1)
    active = np.sqrt(global_variances) >= settings.prune_std_threshold
    if not active.any():
        return {"factorvae": 0.0, "factorvae_train": 0.0, "factorvae_num_active_dims": 0}
    args = (global_variances, active, settings, rng)
    train_votes = vote_matrix(ground_truth_data, representation_fn, settings.num_train, *args)
    classifier = np.argmax(train_votes, axis=0)
    eval_votes = vote_matrix(ground_truth_data, representation_fn, settings.num_eval, *args)
    return {
        "factorvae": _accuracy(eval_votes, classifier),
        "factorvae_train": _accuracy(train_votes, classifier),
        "factorvae_num_active_dims": int(active.sum()),
    }
