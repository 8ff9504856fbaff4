"""How much of a code (or a requested label) survives into the images, measured on arrays.

Pure numpy/scipy/sklearn so model-facing code can call it on anything it can turn into
arrays. Every information quantity is in nats. Categorical codes are read through a
classifier (the judge, or a post-hoc encoder) and scored three ways: the InfoGAN variational
bound, the plug-in mutual information I(c; y^) normalised by H(c), and the accuracy after
matching each code value to its most frequent class (the Hungarian algorithm, as InfoGAN's
"match each category to a digit"). Continuous codes get R^2 and an equal-width binned MI.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import linear_sum_assignment
from scipy.special import log_softmax
from sklearn.metrics import mutual_info_score, r2_score

DEFAULT_BINS = 20


def _labels(values: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one value per sample (1-D), got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.equal(np.mod(arr, 1), 0)):
            raise ValueError(f"{name} must hold integer class indices")
        arr = arr.astype(np.int64)
    return arr


def _same_length(a: np.ndarray, b: np.ndarray) -> None:
    if len(a) != len(b):
        raise ValueError(f"arrays differ in length: {len(a)} vs {len(b)}")
    if len(a) == 0:
        raise ValueError("need at least one sample")


def variational_bound(
    logits_or_log_probs: ArrayLike,
    codes: ArrayLike,
    num_categories: int,
    code_entropy: float | None = None,
) -> float:
    """InfoGAN's L_I = H(c) - CE(Q(x), c) in nats, a lower bound on I(c; G(z, c)).

    Accepts logits or log-probabilities (a log-softmax leaves log-probabilities unchanged).
    ``code_entropy`` defaults to ln(num_categories): codes drawn uniformly, as InfoGAN does.
    """
    scores = np.asarray(logits_or_log_probs, dtype=np.float64)
    c = _labels(codes, "codes")
    if scores.ndim != 2 or scores.shape[1] != num_categories:
        raise ValueError(f"expected N x {num_categories} scores, got shape {scores.shape}")
    _same_length(scores, c)
    if c.min() < 0 or c.max() >= num_categories:
        raise ValueError(f"codes must lie in 0..{num_categories - 1}")
    log_probs = log_softmax(scores, axis=1)
    cross_entropy = -float(np.mean(log_probs[np.arange(len(c)), c]))
    entropy = math.log(num_categories) if code_entropy is None else float(code_entropy)
    return entropy - cross_entropy


def hungarian_match(
    codes: ArrayLike, predictions: ArrayLike, num_categories: int, num_classes: int | None = None
) -> tuple[float, dict[int, int]]:
    """Accuracy after the best one-to-one matching of code values to predicted classes.

    Returns (accuracy, matching code value -> class). With more code values than classes
    the surplus values stay unmatched and count as errors.
    """
    c, y = _labels(codes, "codes"), _labels(predictions, "predictions")
    _same_length(c, y)
    if c.min() < 0 or c.max() >= num_categories or y.min() < 0:
        raise ValueError(f"codes must lie in 0..{num_categories - 1}, predictions be >= 0")
    classes = max(num_classes or 0, num_categories, int(y.max()) + 1)
    confusion = np.zeros((num_categories, classes), dtype=np.int64)
    np.add.at(confusion, (c, y), 1)
    rows, cols = linear_sum_assignment(confusion, maximize=True)
    matching = {int(r): int(k) for r, k in zip(rows, cols, strict=True)}
    accuracy = float(confusion[rows, cols].sum()) / len(c)
    return accuracy, matching


def categorical_mi(
    codes: ArrayLike,
    predictions: ArrayLike,
    num_categories: int,
    code_entropy: float | None = None,
) -> dict:
    """I(c; y^) in nats, normalised by H(c), and Hungarian-matched accuracy.

    ``code_entropy`` defaults to ln(num_categories) (a uniform code). Returns ``mi``,
    ``mi_normalised``, ``hungarian_accuracy`` and ``matching`` (code value -> class, for
    display; the only non-numeric entry).
    """
    c, y = _labels(codes, "codes"), _labels(predictions, "predictions")
    _same_length(c, y)
    mi = float(mutual_info_score(c, y))
    entropy = math.log(num_categories) if code_entropy is None else float(code_entropy)
    accuracy, matching = hungarian_match(c, y, num_categories)
    return {
        "mi": mi,
        "mi_normalised": mi / entropy if entropy > 0 else 0.0,
        "hungarian_accuracy": accuracy,
        "matching": matching,
    }


def label_accuracy(
    requested_labels: ArrayLike, predictions: ArrayLike, num_classes: int = 10
) -> dict[str, float]:
    """Conditional models: how often the judge sees the requested label, and I(y; y^) / ln K."""
    y, p = _labels(requested_labels, "requested_labels"), _labels(predictions, "predictions")
    _same_length(y, p)
    mi = float(mutual_info_score(y, p))
    return {
        "label_acc": float(np.mean(y == p)),
        "label_mi": mi / math.log(num_classes),
    }


def regression_r2(true: ArrayLike, predicted: ArrayLike) -> float:
    """R^2 of a regression of a continuous code; 1 is perfect, 0 is predicting the mean."""
    t, p = np.asarray(true, dtype=np.float64), np.asarray(predicted, dtype=np.float64)
    if t.shape != p.shape:
        raise ValueError(f"shapes differ: {t.shape} vs {p.shape}")
    _same_length(t, p)
    return float(r2_score(t, p))


def _equal_width_bins(values: np.ndarray, num_bins: int) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        return np.zeros(len(values), dtype=np.int64)
    edges = np.linspace(lo, hi, num_bins + 1)[1:-1]
    return np.digitize(values, edges)


def binned_mi(true: ArrayLike, predicted: ArrayLike, num_bins: int = DEFAULT_BINS) -> float:
    """MI in nats between two 1-D continuous arrays, each cut into equal-width bins.

    A plug-in estimate: biased upwards by about (num_bins - 1)^2 / (2 N) nats, so keep
    N well above num_bins^2 (10,000 samples for 20 bins gives ~0.02 nats).
    """
    t, p = np.asarray(true, dtype=np.float64), np.asarray(predicted, dtype=np.float64)
    if t.ndim != 1 or p.ndim != 1:
        raise ValueError("binned_mi takes one code dimension at a time (1-D arrays)")
    _same_length(t, p)
    if num_bins < 2:
        raise ValueError("num_bins must be at least 2")
    return float(mutual_info_score(_equal_width_bins(t, num_bins), _equal_width_bins(p, num_bins)))
