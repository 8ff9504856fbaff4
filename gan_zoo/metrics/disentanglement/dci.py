"""DCI (Eastwood & Williams, "A Framework for the Quantitative Evaluation of Disentangled
Representations", ICLR 2018), with disentanglement_lib's gradient-boosted trees.

One classifier per factor predicts it from all codes; its feature importances form
column j of the importance matrix R (codes x factors). Disentanglement: each code should
matter for one factor (1 - entropy of its row, base F, weighted by the code's share of
importance). Completeness: each factor should be captured by one code (1 - entropy of
its column, base D). Informativeness: the classifiers' accuracy.

Cost: sklearn's default boosting grows 100 trees per class, 11,300 for dSprites' 113
classes; at the default 10,000 points that is ~210 CPU-s on this project's machine.
``n_jobs`` spreads the factors over cores with identical scores. The faster
HistGradientBoostingClassifier is not offered: it has no impurity feature importances,
which is what R is made of here.
"""

from __future__ import annotations

import numpy as np
from joblib import Parallel, delayed
from scipy.stats import entropy
from sklearn.ensemble import GradientBoostingClassifier

from gan_zoo.metrics.disentanglement.draws import Draws
from gan_zoo.metrics.disentanglement.helpers import (
    sklearn_seed,
)
from gan_zoo.metrics.disentanglement.protocol import (
    DCIProtocol,
)
from gan_zoo.metrics.registry import Key

_EPS = 1e-11  # keeps zero importances out of log(0), as in disentanglement_lib


def _fit_one_factor(
    x: np.ndarray,
    y: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    seed: int,
    n_iter_no_change: int | None,
) -> tuple[np.ndarray, float, float]:
    """Importances of every code for one factor, with train and test accuracy."""
    model = GradientBoostingClassifier(random_state=seed, n_iter_no_change=n_iter_no_change)
    model.fit(x, y)
    return (
        np.abs(model.feature_importances_),
        float(np.mean(model.predict(x) == y)),
        float(np.mean(model.predict(x_test) == y_test)),
    )


def importance_matrix(
    codes: np.ndarray,
    factors: np.ndarray,
    codes_test: np.ndarray,
    factors_test: np.ndarray,
    settings: DCIProtocol,
    rng: np.random.Generator,
) -> tuple[np.ndarray, float, float]:
    """R (D, F) and the mean train and test accuracy over factors.

    Each factor's fit has its own seed, drawn in factor order, so the scores do not depend on
    the order the fits run in. They are dispatched largest first (a boosted fit costs one tree
    per class per stage), which shortens the longest worker's queue when ``n_jobs`` > 1.
    """
    num_factors = factors.shape[1]
    seeds = [sklearn_seed(rng) for _ in range(num_factors)]
    order = sorted(range(num_factors), key=lambda j: -len(np.unique(factors[:, j])))
    fits = Parallel(n_jobs=settings.n_jobs)(
        delayed(_fit_one_factor)(
            codes,
            factors[:, j],
            codes_test,
            factors_test[:, j],
            seeds[j],
            settings.n_iter_no_change,
        )
        for j in order
    )
    by_factor = dict(zip(order, fits, strict=True))
    fits = [by_factor[j] for j in range(num_factors)]
    r = np.stack([imp for imp, _, _ in fits], axis=1)
    return r, float(np.mean([f[1] for f in fits])), float(np.mean([f[2] for f in fits]))


def _one_minus_entropy(weights: np.ndarray, axis: int) -> np.ndarray:
    """1 - normalised entropy of each slice along ``axis`` (base = its length)."""
    size = weights.shape[axis]
    if size < 2:  # a single code or factor cannot be spread: perfectly specific
        return np.ones(weights.shape[1 - axis])
    return 1.0 - entropy(weights + _EPS, base=size, axis=axis)


def _weighted(per_item: np.ndarray, mass: np.ndarray) -> float:
    """Average weighted by each item's share of total importance (uniform if all zero)."""
    if mass.sum() == 0.0:
        mass = np.ones_like(mass)
    return float(np.sum(per_item * mass / mass.sum()))


def disentanglement(r: np.ndarray) -> float:
    """Eastwood & Williams' D: per code (row), importance concentrated on one factor."""
    return _weighted(_one_minus_entropy(r, axis=1), r.sum(axis=1))


def completeness(r: np.ndarray) -> float:
    """Eastwood & Williams' C: per factor (column), captured by one code."""
    return _weighted(_one_minus_entropy(r, axis=0), r.sum(axis=0))


KEYS = (
    Key(
        "dci_disentanglement",
        "DCI disentanglement (Eastwood & Williams 2018), dSprites",
        "higher",
        ("dsprites",),
    ),
    Key("dci_completeness", "DCI completeness, dSprites", "higher", ("dsprites",)),
    Key(
        "dci_informativeness",
        "DCI informativeness (test accuracy), dSprites",
        "higher",
        ("dsprites",),
    ),
    Key("dci_informativeness_train", "DCI informativeness on the training draw (diagnostic)"),
)


def score(draws: Draws, settings: DCIProtocol, rng: np.random.Generator) -> dict:
    """DCI of the draw's first ``num_train`` training and ``num_test`` held-out points."""
    (codes, factors), (codes_test, factors_test) = draws.train, draws.test
    n, n_test = settings.num_train, settings.num_test
    r, train_acc, test_acc = importance_matrix(
        codes[:n], factors[:n], codes_test[:n_test], factors_test[:n_test], settings, rng
    )
    return {
        "dci_disentanglement": disentanglement(r),
        "dci_completeness": completeness(r),
        "dci_informativeness": test_acc,
        "dci_informativeness_train": train_acc,
    }
