"""Sampling and information helpers shared by every disentanglement metric.

Arrays are (num_points, num_dims): rows are samples (disentanglement_lib stores them
transposed). Mutual information and entropy are in nats, as sklearn's
``mutual_info_score`` returns them.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import mutual_info_score

from gan_zoo.errors import ConfigError
from gan_zoo.metrics.disentanglement.protocol import GroundTruthData, RepresentationFn

RandomState = np.random.Generator | int


def as_generator(random_state: RandomState) -> np.random.Generator:
    """Accept a seed or a Generator, so callers can pass either."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def spawn(rng: np.random.Generator, num: int) -> list[np.random.Generator]:
    """Independent child generators, so one metric's draws never shift another's."""
    return [np.random.default_rng(int(s)) for s in rng.integers(0, 2**63 - 1, size=num)]


def sklearn_seed(rng: np.random.Generator) -> int:
    """An int seed for an sklearn estimator, drawn from ``rng`` so runs are reproducible."""
    return int(rng.integers(0, 2**31 - 1))


def num_factors(ground_truth_data: GroundTruthData) -> int:
    """``num_factors`` if the dataset has it, else the length of ``factors_num_values``."""
    value = getattr(ground_truth_data, "num_factors", None)
    return int(value) if value is not None else len(ground_truth_data.factors_num_values)


def check_ground_truth(ground_truth_data: GroundTruthData) -> None:
    """Reject constant factors: they have zero entropy and no classes to predict.

    disentanglement_lib's dSprites drops color (one value) for the same reason.
    """
    constant = [
        name
        for name, size in zip(
            ground_truth_data.factor_names, ground_truth_data.factors_num_values, strict=True
        )
        if size < 2
    ]
    if constant:
        raise ConfigError(
            f"factors {', '.join(constant)} take a single value; leave them out of the "
            "ground truth (as disentanglement_lib does with dSprites' color)"
        )


def encode_factors(
    ground_truth_data: GroundTruthData,
    representation_fn: RepresentationFn,
    factors: np.ndarray,
    rng: np.random.Generator,
    batch_size: int,
) -> np.ndarray:
    """Codes (num, D) for the observations of ``factors``, encoded in chunks to bound memory."""
    chunks = []
    for start in range(0, len(factors), batch_size):
        observations = ground_truth_data.sample_observations_from_factors(
            factors[start : start + batch_size], rng
        )
        codes = np.asarray(representation_fn(observations), dtype=np.float64)
        if codes.ndim == 1:
            codes = codes[:, None]
        if codes.ndim != 2 or codes.shape[0] != len(observations):
            raise ValueError(
                f"representation_fn returned shape {codes.shape} for "
                f"{len(observations)} observations; expected (num, D)"
            )
        chunks.append(codes)
    return np.concatenate(chunks, axis=0)


def sample_codes(
    ground_truth_data: GroundTruthData,
    representation_fn: RepresentationFn,
    num: int,
    rng: np.random.Generator,
    batch_size: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``num`` i.i.d. points as (codes (num, D), factors (num, F)) — the library's sampler."""
    factors = np.asarray(ground_truth_data.sample_factors(num, rng))
    codes = encode_factors(ground_truth_data, representation_fn, factors, rng, batch_size)
    return codes, factors


def sample_train_test(
    ground_truth_data: GroundTruthData,
    representation_fn: RepresentationFn,
    settings,
    random_state: RandomState,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], np.random.Generator]:
    """``num_train`` then ``num_test`` (codes, factors) draws, and the generator used for them.

    The protocol that SAP and DCI share: check the data, draw a training set, then a test set.
    """
    check_ground_truth(ground_truth_data)
    rng = as_generator(random_state)
    batch = settings.representation_batch_size
    train = sample_codes(ground_truth_data, representation_fn, settings.num_train, rng, batch)
    test = sample_codes(ground_truth_data, representation_fn, settings.num_test, rng, batch)
    return train, test, rng


def discretize(x: np.ndarray, num_bins: int = 20) -> np.ndarray:
    """Bin each column into ``num_bins`` equal-width bins spanning its own min..max.

    Same edges as ``np.histogram`` (disentanglement_lib's histogram discretizer); labels
    run 1..num_bins. Accepts (num,) or (num, D).
    """
    x = np.asarray(x, dtype=np.float64)
    columns = x[:, None] if x.ndim == 1 else x
    out = np.empty(columns.shape, dtype=np.int64)
    for d in range(columns.shape[1]):
        edges = np.histogram_bin_edges(columns[:, d], bins=num_bins)
        out[:, d] = np.digitize(columns[:, d], edges[:-1])
    return out[:, 0] if x.ndim == 1 else out


def mutual_info_matrix(codes_discrete: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """m[i, j] = I(code i; factor j) in nats between discrete labels, shape (D, F)."""
    codes_discrete = np.asarray(codes_discrete)
    factors = np.asarray(factors)
    if codes_discrete.ndim == 1:
        codes_discrete = codes_discrete[:, None]
    if factors.ndim == 1:
        factors = factors[:, None]
    m = np.empty((codes_discrete.shape[1], factors.shape[1]))
    for i in range(codes_discrete.shape[1]):
        for j in range(factors.shape[1]):
            m[i, j] = mutual_info_score(factors[:, j], codes_discrete[:, i])
    return m


def discrete_entropy(factors: np.ndarray) -> np.ndarray:
    """Plug-in entropy H(factor j) in nats of each column, shape (F,)."""
    factors = np.asarray(factors)
    if factors.ndim == 1:
        factors = factors[:, None]
    return np.array([mutual_info_score(col, col) for col in factors.T])


def top_two_gap(matrix: np.ndarray) -> np.ndarray:
    """Per column, the largest entry minus the second largest (0 if only one row).

    MIG and SAP both score a factor by how much its best code beats the runner-up.
    """
    ordered = np.sort(matrix, axis=0)[::-1]
    if ordered.shape[0] < 2:
        return ordered[0]
    return ordered[0] - ordered[1]
