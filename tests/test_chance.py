"""The chance level of the code metrics, against exact answers."""

from __future__ import annotations

import math

import pytest
from scipy.stats import binom

from gan_zoo.metrics.chance import code_chance


def test_ten_categories_at_ten_thousand_samples_is_about_0_11_not_0_10() -> None:
    res = code_chance(10_000, 10)
    assert 0.105 < res["hungarian_accuracy"] < 0.115
    # plug-in MI bias: (K - 1)^2 / (2N) nats, normalised by ln K
    assert res["mi_normalised"] == pytest.approx(81 / 20_000 / math.log(10), rel=0.1)


def test_two_categories_match_the_exact_binomial_answer() -> None:
    # K = 2: matches on the diagonal X ~ Bin(N, 1/2); the best matching scores max(X, N - X)
    n = 50
    exact = sum(binom.pmf(x, n, 0.5) * max(x, n - x) for x in range(n + 1)) / n
    res = code_chance(n, 2, trials=4000)
    assert res["hungarian_accuracy"] == pytest.approx(exact, abs=4 * res["hungarian_accuracy_se"])
    assert res["hungarian_accuracy"] > 0.5 + 0.04  # well above 1/K at small N


def test_chance_falls_towards_one_over_k_and_is_deterministic() -> None:
    small, large = code_chance(200, 10), code_chance(20_000, 10)
    assert small["hungarian_accuracy"] > large["hungarian_accuracy"] > 0.1
    assert code_chance(1, 10)["hungarian_accuracy"] == 1.0  # one sample is always matched
    assert code_chance.__wrapped__(500, 10) == code_chance.__wrapped__(500, 10)
