"""Known-answer tests for the disentanglement metrics.

The ground truth is a stand-in for dSprites with its five factor sizes (shape 3, scale 6,
orientation 40, posX 32, posY 32) whose observations are the factor classes themselves,
so no images are needed. Expected values: /work/shared/reference/papers.md
("Disentanglement", known answers, true factors plus 1e-3 noise), at the default sample
counts. Where a faithful implementation differs from that table, the test says why.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from gan_zoo.errors import ConfigError
from gan_zoo.metrics.disentanglement import GroundTruthData, compute_all
from gan_zoo.metrics.disentanglement.dci import completeness, disentanglement
from gan_zoo.metrics.disentanglement.helpers import (
    discrete_entropy,
    discretize,
    mutual_info_matrix,
    top_two_gap,
)
from gan_zoo.metrics.disentanglement.protocol import (
    BetaVAEProtocol,
    DCIProtocol,
    FactorVAEProtocol,
    MIGProtocol,
    SAPProtocol,
)

DSPRITES_SIZES = (3, 6, 40, 32, 32)
ORIENTATION = 2
SMALL_SIZES = (2, 3, 4)  # few classes, so gradient boosting fits in seconds


class FactorClasses:
    """Ground truth whose observation is its factor classes as floats (num, F)."""

    def __init__(self, sizes: Sequence[int] = DSPRITES_SIZES) -> None:
        self.factors_num_values = list(sizes)
        self.factor_names = [f"factor{i}" for i in range(len(sizes))]

    def sample_factors(self, num: int, random_state: np.random.Generator) -> np.ndarray:
        return np.stack([random_state.integers(n, size=num) for n in self.factors_num_values], 1)

    def sample_observations_from_factors(
        self, factors: np.ndarray, random_state: np.random.Generator
    ) -> np.ndarray:
        return factors.astype(np.float64)

    def sample(self, num: int, random_state: np.random.Generator):
        factors = self.sample_factors(num, random_state)
        return factors, self.sample_observations_from_factors(factors, random_state)


def true_factors(seed: int = 0, copies: Sequence[int] = ()):
    """The classes plus 1e-3 noise (as papers.md measured), optionally repeating factors."""
    rng = np.random.default_rng(seed)

    def represent(observations: np.ndarray) -> np.ndarray:
        codes = np.concatenate([observations, observations[:, list(copies)]], axis=1)
        return codes + 1e-3 * rng.standard_normal(codes.shape)

    return represent


def gaussian_noise(seed: int = 0, dims: int = 5):
    """A representation that ignores its input."""
    rng = np.random.default_rng(seed)
    return lambda observations: rng.standard_normal((len(observations), dims))


@pytest.fixture(scope="module")
def dsprites() -> FactorClasses:
    return FactorClasses()


#: every metric but DCI, whose boosted trees take minutes at the default sample counts
FOUR = ("mig", "sap", "factorvae", "betavae")


def mig(*args, **protocol):
    return compute_all(*args, only=["mig"], **protocol)


def dci(*args, **protocol):
    return compute_all(*args, only=["dci"], **protocol)


def factor_vae(*args, **protocol):
    return compute_all(*args, only=["factorvae"], **protocol)


@pytest.fixture(scope="module")
def true_scores(dsprites: FactorClasses) -> dict:
    """MIG, SAP, FactorVAE and BetaVAE of the true factors at default sample counts."""
    return compute_all(dsprites, true_factors(), 0, only=FOUR)


@pytest.fixture(scope="module")
def noise_scores(dsprites: FactorClasses) -> dict:
    return compute_all(dsprites, gaussian_noise(), 0, only=FOUR)


def test_the_suites_ground_truth_sources_satisfy_the_protocol(dsprites: FactorClasses) -> None:
    """The production sources (not only this file's stand-in) are what the metrics accept."""
    from gan_zoo.data.dsprites import DSpritesGroundTruth
    from gan_zoo.metrics.representation_cache import IndexedGroundTruth

    rendered = DSpritesGroundTruth.rendered()
    indexed = IndexedGroundTruth(rendered, lambda x: x.reshape(len(x), -1)[:, :3], size=10)
    for source in (rendered, indexed, dsprites):
        assert isinstance(source, GroundTruthData), type(source).__name__

    # the check has teeth: a source missing one member is refused
    class NoObservations:
        factor_names = ("a",)
        factors_num_values = (2,)

        def sample_factors(self, num, random_state): ...

        def sample(self, num, random_state): ...

    assert not isinstance(NoObservations(), GroundTruthData)
    # and a stand-in behaves like the real source: classes in range, observations per factor
    rng = np.random.default_rng(0)
    factors, observations = rendered.sample(5, rng)
    assert factors.shape == (5, 5) and observations.shape == (5, 1, 64, 64)
    assert (factors < np.array(rendered.factors_num_values)).all() and (factors >= 0).all()


# --- known answers at the default protocol (papers.md table) ---------------------------


@pytest.mark.known_answer("mig")
def test_mig_true_factors(true_scores: dict) -> None:
    # papers.md: 0.88-0.89. Exactly: (1 + 1 + ln20/ln40 + 2 * 0.850) / 5 = 0.902 with
    # infinite data; 10,000 points bias the runner-up MI up, giving 0.896.
    assert true_scores["mig"] == pytest.approx(0.885, abs=0.03)


@pytest.mark.known_answer("factorvae", "factorvae_train", "factorvae_num_active_dims")
def test_factorvae_true_factors(true_scores: dict) -> None:
    assert true_scores["factorvae"] == pytest.approx(1.0, abs=0.05)
    assert true_scores["factorvae_train"] == pytest.approx(1.0, abs=0.05)
    assert true_scores["factorvae_num_active_dims"] == 5


@pytest.mark.known_answer("sap")
def test_sap_true_factors(true_scores: dict) -> None:
    # papers.md lists 0.28; disentanglement_lib's classifier, LinearSVC(C=0.01, balanced)
    # with sklearn's defaults, gives 0.23 (0.228-0.234 over seeds 0-4). The gap is the
    # intercept: liblinear penalises it (intercept_scaling=1), which costs the 6-value
    # scale factor a class (accuracy 0.50 instead of 0.67); with intercept_scaling=100 the
    # same code gives 0.285. We keep the library's classifier and test its value.
    assert true_scores["sap"] == pytest.approx(0.23, abs=0.03)
    assert true_scores["sap"] < 0.28 + 0.05


@pytest.mark.known_answer("betavae", "betavae_train")
def test_betavae_true_factors(true_scores: dict) -> None:
    assert true_scores["betavae"] == pytest.approx(1.0, abs=0.05)
    assert true_scores["betavae_train"] == pytest.approx(1.0, abs=0.05)


def test_noise_scores_at_chance(noise_scores: dict) -> None:
    assert noise_scores["mig"] == pytest.approx(0.0, abs=0.03)
    assert noise_scores["sap"] == pytest.approx(0.0, abs=0.05)
    assert noise_scores["factorvae"] == pytest.approx(0.19, abs=0.05)  # chance 1/5
    assert noise_scores["betavae"] == pytest.approx(0.2, abs=0.05)


def test_duplicated_factor_lowers_mig_by_its_share(dsprites: FactorClasses, true_scores) -> None:
    """Two codes holding orientation tie, so its gap is ~0: MIG drops by its 0.81 / 5."""
    duplicated = mig(dsprites, true_factors(copies=[ORIENTATION]), 0)["mig"]
    assert duplicated == pytest.approx(0.73, abs=0.03)
    assert true_scores["mig"] - duplicated == pytest.approx(np.log(20) / np.log(40) / 5, abs=0.02)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("representation", "expected"),
    [
        (true_factors(), (1.00, 1.00, 1.00)),
        (gaussian_noise(), (0.03, 0.04, 0.12)),
        (true_factors(copies=[ORIENTATION]), (1.00, 0.92, 1.00)),
    ],
    ids=["true", "noise", "orientation-copied"],
)
def test_dci_known_answers_at_defaults(dsprites: FactorClasses, representation, expected):
    """Gradient boosting on 10,000 points and 113 classes takes minutes; hence slow."""
    scores = dci(dsprites, representation, 0, n_jobs=2)
    got = (
        scores["dci_disentanglement"],
        scores["dci_completeness"],
        scores["dci_informativeness"],
    )
    assert got == pytest.approx(expected, abs=0.05)


# --- DCI at reduced cost (few classes, fewer points) ------------------------------------

SMALL_DCI = {"num_train": 1000, "num_test": 500}


@pytest.mark.known_answer(
    "dci_disentanglement", "dci_completeness", "dci_informativeness", "dci_informativeness_train"
)
def test_dci_small_true_factors_are_perfect() -> None:
    scores = dci(FactorClasses(SMALL_SIZES), true_factors(), 0, **SMALL_DCI)
    assert scores["dci_disentanglement"] == pytest.approx(1.0, abs=0.02)
    assert scores["dci_completeness"] == pytest.approx(1.0, abs=0.02)
    assert scores["dci_informativeness"] == pytest.approx(1.0, abs=0.01)
    assert scores["dci_informativeness_train"] == pytest.approx(1.0, abs=0.01)


def test_dci_small_copied_factor_halves_its_completeness() -> None:
    """Importance splits evenly over two identical codes: C_j = 1 - ln2 / ln4 = 0.5."""
    scores = dci(FactorClasses(SMALL_SIZES), true_factors(copies=[2]), 0, **SMALL_DCI)
    assert scores["dci_disentanglement"] == pytest.approx(1.0, abs=0.02)
    assert scores["dci_completeness"] == pytest.approx((2 + 0.5) / 3, abs=0.05)


def test_dci_small_noise_is_uninformative() -> None:
    scores = dci(FactorClasses(SMALL_SIZES), gaussian_noise(dims=3), 0, **SMALL_DCI)
    chance = np.mean([1 / n for n in SMALL_SIZES])
    assert scores["dci_informativeness"] == pytest.approx(chance, abs=0.05)
    assert scores["dci_informativeness_train"] > scores["dci_informativeness"]  # overfits
    assert scores["dci_disentanglement"] < 0.2
    assert scores["dci_completeness"] < 0.2


def test_dci_parallel_fits_give_identical_scores() -> None:
    data, small = FactorClasses((2, 3)), {"num_train": 300, "num_test": 100}
    serial = dci(data, true_factors(seed=1), 4, **small)
    assert dci(data, true_factors(seed=1), 4, **small, n_jobs=2) == serial


def test_dci_scores_of_handmade_importances() -> None:
    assert disentanglement(np.eye(3)) == pytest.approx(1.0)
    assert completeness(np.eye(3)) == pytest.approx(1.0)
    assert disentanglement(np.ones((3, 3))) == pytest.approx(0.0, abs=1e-9)
    assert completeness(np.ones((3, 3))) == pytest.approx(0.0, abs=1e-9)
    # One factor explained by two codes equally: the codes are still specific (D = 1),
    # but that factor's completeness is 1 - log_4(2) = 0.5, weighted 1/3.
    split = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0.5], [0, 0, 0.5]])
    assert disentanglement(split) == pytest.approx(1.0, abs=1e-6)
    assert completeness(split) == pytest.approx((2 + 0.5) / 3, abs=1e-6)
    assert disentanglement(np.zeros((2, 2))) == pytest.approx(0.0, abs=1e-6)


# --- helpers ----------------------------------------------------------------------------


def test_discretize_uses_numpy_histogram_edges() -> None:
    x = np.random.default_rng(0).standard_normal((1000, 3))
    bins = discretize(x, num_bins=20)
    assert bins.min() >= 1 and bins.max() <= 20
    for d in range(3):
        counts = np.bincount(bins[:, d], minlength=21)[1:]
        assert np.array_equal(counts, np.histogram(x[:, d], bins=20)[0])
    assert np.array_equal(discretize(x[:, 0]), discretize(x)[:, 0])


def test_mutual_info_matrix_of_a_variable_with_itself_is_its_entropy() -> None:
    labels = np.random.default_rng(0).integers(4, size=(5000, 2))
    m = mutual_info_matrix(labels, labels)
    assert m.shape == (2, 2)
    assert np.diag(m) == pytest.approx(discrete_entropy(labels))
    assert discrete_entropy(labels) == pytest.approx([np.log(4)] * 2, abs=0.01)
    assert m[0, 1] == pytest.approx(0.0, abs=0.01)


def test_top_two_gap() -> None:
    assert top_two_gap(np.array([[0.1, 0.5], [0.7, 0.4], [0.2, 0.4]])) == pytest.approx([0.5, 0.1])
    assert top_two_gap(np.array([[0.3, 0.2]])) == pytest.approx([0.3, 0.2])


# --- protocol, reproducibility and edge cases -------------------------------------------


def test_defaults_are_disentanglement_libs() -> None:
    assert (MIGProtocol().num_train, MIGProtocol().num_bins) == (10_000, 20)
    assert (SAPProtocol().num_train, SAPProtocol().num_test, SAPProtocol().svc_c) == (
        10_000,
        5_000,
        0.01,
    )
    assert (DCIProtocol().num_train, DCIProtocol().num_test) == (10_000, 5_000)
    assert DCIProtocol().n_iter_no_change is None
    fvae = FactorVAEProtocol()
    assert (fvae.batch_size, fvae.num_train, fvae.num_eval) == (64, 10_000, 5_000)
    assert (fvae.num_variance_estimate, fvae.prune_std_threshold) == (10_000, 0.05)
    bvae = BetaVAEProtocol()
    assert (bvae.batch_size, bvae.num_train, bvae.num_eval) == (64, 10_000, 5_000)


def test_unknown_setting_is_a_config_error(dsprites: FactorClasses) -> None:
    with pytest.raises(ConfigError, match="num_bin"):
        mig(dsprites, true_factors(), 0, num_bins=20, num_bin=3)
    with pytest.raises(ConfigError, match="bogus"):
        compute_all(dsprites, true_factors(), 0, bogus=1)


def test_constant_factor_is_rejected() -> None:
    with pytest.raises(ConfigError, match="single value"):
        mig(FactorClasses((1, 3)), true_factors(), 0, num_train=100)


def test_int_seed_equals_generator_and_batching_never_changes_scores() -> None:
    data = FactorClasses(SMALL_SIZES)

    def doubled(observations: np.ndarray) -> np.ndarray:
        return 2.0 * observations

    by_seed = mig(data, doubled, 3, num_train=2000)
    assert by_seed == mig(data, doubled, np.random.default_rng(3), num_train=2000)
    assert by_seed == mig(data, doubled, 3, num_train=2000, representation_batch_size=16)
    small = {"num_train": 200, "num_eval": 100}
    assert factor_vae(data, doubled, 1, **small) == factor_vae(
        data, doubled, 1, **small, representation_batch_size=7
    )


def test_factorvae_prunes_collapsed_dimensions() -> None:
    data = FactorClasses(SMALL_SIZES)
    small = {"num_train": 300, "num_eval": 200, "num_variance_estimate": 1000}

    def with_dead_dim(observations: np.ndarray) -> np.ndarray:
        return np.concatenate([observations, np.zeros((len(observations), 1))], axis=1)

    scores = factor_vae(data, with_dead_dim, 0, **small)
    assert scores["factorvae_num_active_dims"] == 3
    assert scores["factorvae"] == pytest.approx(1.0)
    dead = factor_vae(data, lambda obs: np.zeros((len(obs), 2)), 0, **small)
    assert dead == {"factorvae": 0.0, "factorvae_train": 0.0, "factorvae_num_active_dims": 0}


def test_compute_all_is_reproducible_and_complete() -> None:
    data = FactorClasses(SMALL_SIZES)
    small = {"num_train": 500, "num_test": 250, "num_eval": 250}
    first = compute_all(data, true_factors(seed=5), 11, **small)
    second = compute_all(data, true_factors(seed=5), 11, **small)
    assert first == second
    assert set(first) == {
        "mig",
        "sap",
        "dci_disentanglement",
        "dci_completeness",
        "dci_informativeness",
        "dci_informativeness_train",
        "factorvae",
        "factorvae_train",
        "factorvae_num_active_dims",
        "betavae",
        "betavae_train",
    }
    assert first["dci_informativeness"] == pytest.approx(1.0, abs=0.01)
    assert first["factorvae"] == pytest.approx(1.0)
