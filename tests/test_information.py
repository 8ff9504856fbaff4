"""Information metrics on arrays, against answers known in closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gan_zoo.metrics.information import (
    binned_mi,
    categorical_mi,
    hungarian_match,
    label_accuracy,
    regression_r2,
    variational_bound,
)

LN10 = math.log(10)
PERM = np.array([3, 7, 0, 9, 1, 5, 8, 2, 6, 4])


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def balanced_codes(n: int = 10_000) -> np.ndarray:
    return np.arange(n) % 10


def test_variational_bound_perfect_q_reaches_entropy() -> None:
    codes = balanced_codes(1000)
    logits = np.full((1000, 10), -50.0)
    logits[np.arange(1000), codes] = 50.0
    assert variational_bound(logits, codes, 10) == pytest.approx(LN10, abs=1e-9)


def test_variational_bound_uninformed_q_is_zero() -> None:
    codes = balanced_codes(1000)
    assert variational_bound(np.zeros((1000, 10)), codes, 10) == pytest.approx(0.0, abs=1e-12)


def test_variational_bound_takes_log_probs_and_logits_alike(rng: np.random.Generator) -> None:
    codes = rng.integers(0, 10, 500)
    logits = rng.normal(size=(500, 10)) * 3
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    assert variational_bound(logits, codes, 10) == pytest.approx(
        variational_bound(log_probs, codes, 10)
    )
    # A Q right 50% of the time with the rest spread evenly: CE = -ln 0.5 exactly.
    probs = np.full((500, 10), 0.5 / 9)
    probs[np.arange(500), codes] = 0.5
    assert variational_bound(np.log(probs), codes, 10) == pytest.approx(LN10 - math.log(2))


def test_variational_bound_rejects_wrong_width() -> None:
    with pytest.raises(ValueError, match="N x 10"):
        variational_bound(np.zeros((4, 9)), np.zeros(4, dtype=int), 10)


def test_bijection_has_full_information_and_matching() -> None:
    codes = balanced_codes()
    res = categorical_mi(codes, PERM[codes], 10)
    assert res["mi"] == pytest.approx(LN10, abs=1e-9)
    assert res["mi_normalised"] == pytest.approx(1.0, abs=1e-9)
    assert res["hungarian_accuracy"] == 1.0
    assert res["matching"] == {k: int(PERM[k]) for k in range(10)}


def test_independent_arrays_carry_no_information(rng: np.random.Generator) -> None:
    n = 100_000
    res = categorical_mi(rng.integers(0, 10, n), rng.integers(0, 10, n), 10)
    # Plug-in bias is about (10 - 1)^2 / (2 n) = 4e-4 nats.
    assert res["mi"] < 2e-3
    assert res["hungarian_accuracy"] == pytest.approx(0.1, abs=0.01)


def test_noisy_mapping_is_recovered(rng: np.random.Generator) -> None:
    codes = balanced_codes(50_000)
    preds = PERM[codes].copy()
    noisy = rng.random(len(codes)) < 0.2
    preds[noisy] = rng.integers(0, 10, noisy.sum())
    accuracy, matching = hungarian_match(codes, preds, 10)
    # 80% kept, and a tenth of the 20% redrawn land on the right class anyway.
    assert accuracy == pytest.approx(0.82, abs=0.01)
    assert matching == {k: int(PERM[k]) for k in range(10)}


def test_more_code_values_than_classes_leaves_some_unmatched() -> None:
    codes = np.arange(12) % 12
    preds = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2])
    accuracy, matching = hungarian_match(codes, preds, 12)
    assert accuracy == pytest.approx(3 / 12)
    assert len(set(matching.values())) == len(matching)


def test_categorical_mi_uses_given_code_entropy() -> None:
    codes = balanced_codes(1000) % 2
    res = categorical_mi(codes, codes, 2, code_entropy=math.log(2))
    assert res["mi_normalised"] == pytest.approx(1.0)


def test_label_accuracy() -> None:
    labels = balanced_codes()
    assert label_accuracy(labels, labels) == pytest.approx({"label_acc": 1.0, "label_mi": 1.0})
    shifted = label_accuracy(labels, (labels + 1) % 10)
    assert shifted["label_acc"] == 0.0
    assert shifted["label_mi"] == pytest.approx(1.0)  # informative, but not what was asked


def test_regression_r2_known_cases(rng: np.random.Generator) -> None:
    t = rng.uniform(-1, 1, 100_000)  # variance 1/3
    assert regression_r2(t, t) == pytest.approx(1.0)
    assert regression_r2(t, np.full_like(t, t.mean())) == pytest.approx(0.0, abs=1e-12)
    noise = rng.normal(0, 0.5, t.shape)  # R^2 = 1 - 0.25 / (1/3) = 0.25
    assert regression_r2(t, t + noise) == pytest.approx(0.25, abs=0.01)


def test_binned_mi_of_a_copy_is_the_binned_entropy(rng: np.random.Generator) -> None:
    u = rng.uniform(size=100_000)
    # 20 equal-width bins of a uniform variable hold ~5% each: H = ln 20.
    assert binned_mi(u, u) == pytest.approx(math.log(20), abs=1e-3)
    assert binned_mi(u, 3 * u + 1) == pytest.approx(binned_mi(u, u))
    assert binned_mi(u, u, num_bins=10) == pytest.approx(math.log(10), abs=1e-3)


def test_binned_mi_of_independent_arrays_is_near_zero(rng: np.random.Generator) -> None:
    n = 100_000
    assert binned_mi(rng.uniform(size=n), rng.uniform(size=n)) < 5e-3  # bias ~ 19^2/(2n)


@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_binned_mi_of_correlated_gaussians(rng: np.random.Generator, rho: float) -> None:
    n = 100_000
    x = rng.standard_normal(n)
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal(n)
    exact = -0.5 * math.log(1 - rho**2)
    estimate = binned_mi(x, y)
    # Binning loses a little information (data processing), the plug-in adds ~2e-3.
    assert exact - 0.04 < estimate < exact + 0.005


def test_binned_mi_of_a_constant_is_zero() -> None:
    assert binned_mi(np.ones(100), np.linspace(0, 1, 100)) == 0.0


def test_shape_errors() -> None:
    with pytest.raises(ValueError, match="length"):
        categorical_mi(np.zeros(3, dtype=int), np.zeros(4, dtype=int), 10)
    with pytest.raises(ValueError, match="1-D"):
        binned_mi(np.zeros((5, 2)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"0\.\.9"):
        hungarian_match(np.array([10]), np.array([0]), 10)
