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

from gan_zoo.metrics.disentanglement.draws import disentanglement_metric
from gan_zoo.metrics.disentanglement.helpers import (
    RandomState,
    as_generator,
    sample_train_test,
    sklearn_seed,
    top_two_gap,
)
from gan_zoo.metrics.disentanglement.protocol import (
    GroundTruthData,
    RepresentationFn,
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


def sap_from_codes(
    codes: np.ndarray,
    factors: np.ndarray,
    codes_test: np.ndarray,
    factors_test: np.ndarray,
    settings: SAPProtocol,
    random_state: RandomState,
) -> dict:
    """SAP of already-sampled train and test codes; returns ``{"sap": ...}``."""
    n, n_test = settings.num_train, settings.num_test
    scores = sap_score_matrix(
        codes[:n],
        factors[:n],
        codes_test[:n_test],
        factors_test[:n_test],
        settings,
        as_generator(random_state),
    )
    return {"sap": float(np.mean(top_two_gap(scores)))}


def sap(
    ground_truth_data: GroundTruthData,
    representation_fn: RepresentationFn,
    random_state: RandomState,
    **protocol: object,
) -> dict:
    """SAP score on ``num_train`` training and ``num_test`` held-out points."""
    settings = SAPProtocol.with_overrides(protocol)
    train, test, rng = sample_train_test(
        ground_truth_data, representation_fn, settings, random_state
    )
    return sap_from_codes(*train, *test, settings, rng)


METRIC = disentanglement_metric(
    "sap",
    (
        Key(
            "sap",
            "separated attribute predictability (Kumar et al. 2018), dSprites",
            "higher",
            ("dsprites",),
        ),
    ),
    SAPProtocol,
    lambda draws, settings, rng: sap_from_codes(*draws.train, *draws.test, settings, rng),
)
