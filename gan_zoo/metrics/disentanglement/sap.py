"""SAP score (Kumar et al., "Variational Inference of Disentangled Latent Concepts", 2018).

Score each (code, factor) pair by how well that single code predicts the factor, then
average over factors the gap between the best and second-best code. Discrete factors
use a one-feature LinearSVC(C=0.01, balanced) scored on held-out points, as
disentanglement_lib does; a one-feature linear rule cannot separate many ordered classes,
so even the true dSprites factors score only about 0.28.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

from gan_zoo.metrics.disentanglement.draws import Draws
from gan_zoo.metrics.disentanglement.helpers import (
    sklearn_seed,
    top_two_gap,
)
from gan_zoo.metrics.disentanglement.protocol import (
    SAPProtocol,
)
from gan_zoo.metrics.registry import Key


def _squared_correlation(code: np.ndarray, factor: np.ndarray) -> float:
    """SAP's score for a continuous factor; a constant code explains nothing."""
    cov = np.cov(code, factor, ddof=1)
    if cov[0, 0] <= 1e-12:
        return 0.0
    return float(cov[0, 1] ** 2 / (cov[0, 0] * cov[1, 1]))


def _svc_accuracy(
    code: np.ndarray,
    factor: np.ndarray,
    code_test: np.ndarray,
    factor_test: np.ndarray,
    c: float,
    seed: int,
) -> float:
    """Held-out accuracy of a one-feature linear SVM; a low-C SVM often hits max_iter."""
    classifier = LinearSVC(C=c, class_weight="balanced", random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier.fit(code[:, None], factor)
    return float(np.mean(classifier.predict(code_test[:, None]) == factor_test))


def sap_score_matrix(
    codes: np.ndarray,
    factors: np.ndarray,
    codes_test: np.ndarray,
    factors_test: np.ndarray,
    settings: SAPProtocol,
    rng: np.random.Generator,
) -> np.ndarray:
    """Predictiveness of code i for factor j, shape (D, F)."""
    scores = np.zeros((codes.shape[1], factors.shape[1]))
    for i in range(codes.shape[1]):
        for j in range(factors.shape[1]):
            if settings.continuous_factors:
                scores[i, j] = _squared_correlation(codes[:, i], factors[:, j])
            else:
                scores[i, j] = _svc_accuracy(
                    codes[:, i],
                    factors[:, j],
                    codes_test[:, i],
                    factors_test[:, j],
                    settings.svc_c,
                    sklearn_seed(rng),
                )
    return scores


KEYS = (
    Key(
        "sap",
        "separated attribute predictability (Kumar et al. 2018), dSprites",
        "higher",
        ("dsprites",),
    ),
)


def score(draws: Draws, settings: SAPProtocol, rng: np.random.Generator) -> dict:
    """SAP of the draw's first ``num_train`` training and ``num_test`` held-out points."""
    (codes, factors), (codes_test, factors_test) = draws.train, draws.test
    n, n_test = settings.num_train, settings.num_test
    scores = sap_score_matrix(
        codes[:n], factors[:n], codes_test[:n_test], factors_test[:n_test], settings, rng
    )
    return {"sap": float(np.mean(top_two_gap(scores)))}
