"""Density and coverage (Naeem et al. 2020): the reference implementation's numbers, and the
known answers of the paper (matching distributions ~1 and ~0.97, a collapse ~0 coverage)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_zoo.metrics.density_coverage import DC_NEIGHBORHOOD, density_coverage

#: E[coverage] of two equal-size samples of one distribution at k = 5 (Naeem et al. 2020,
#: eq. 6 as N grows): 1 - (1/2)^k
COVERAGE_SAME = 1 - 0.5**DC_NEIGHBORHOOD


def reference_prdc(real: np.ndarray, fake: np.ndarray, k: int) -> dict[str, float]:
    """The ``prdc`` package (the paper's authors' code), its progress print silenced."""
    prdc = pytest.importorskip("prdc")
    with contextlib.redirect_stdout(io.StringIO()):
        return {key: float(v) for key, v in prdc.compute_prdc(real, fake, nearest_k=k).items()}


@pytest.mark.parametrize("k", [3, 5])
@pytest.mark.parametrize("shift", [0.0, 0.7])
def test_matches_the_reference_implementation_on_identical_features(k: int, shift: float):
    rng = np.random.default_rng(7)
    real = rng.normal(size=(600, 16)).astype(np.float32)
    fake = (rng.normal(size=(500, 16)) * 1.3 + shift).astype(np.float32)
    ours = density_coverage(torch.from_numpy(real), torch.from_numpy(fake), k=k, block=128)
    theirs = reference_prdc(real, fake, k)
    # float64 here against the package's float32 distances: a tie may fall either way
    assert ours["density"] == pytest.approx(theirs["density"], abs=2e-3)
    assert ours["coverage"] == pytest.approx(theirs["coverage"], abs=2e-3)


#: real points on a line whose pairwise distances are all different (gaps 1, 2, 4, 8, 16), so
#: no point ever sits exactly on a ball's radius and the known answers are exact
TIE_FREE = torch.tensor([[0.0], [1.0], [3.0], [7.0], [15.0], [31.0]])


@pytest.mark.known_answer("density", "coverage")
def test_identical_tie_free_sets_score_exactly_one():
    # each ball holds its own point and k - 1 neighbours strictly inside its radius
    for k in (1, 2, 3, 4):
        assert density_coverage(TIE_FREE, TIE_FREE.clone(), k=k) == {
            "density": 1.0,
            "coverage": 1.0,
        }


@pytest.mark.known_answer("density", "coverage")
def test_known_answer_by_hand_tells_density_from_coverage_and_k():
    """Radii at k = 2 (second-nearest other point): 3, 2, 3, 6, 12, 24. The fake at 2 lies at
    2, 1, 1, 5, 13, 29 from the reals, inside the first four balls only; the fake at 100 is in
    none. Density = (4 + 4 + 0) / (k * 3) = 4/3; coverage = 4 of 6 balls = 2/3. At k = 3 the
    radii are 7, 6, 4, 7, 14, 28: the fake at 2 is in five balls, density 10/9, coverage 5/6."""
    fake = torch.tensor([[2.0], [2.0], [100.0]])
    assert density_coverage(TIE_FREE, fake, k=2) == pytest.approx(
        {"density": 4 / 3, "coverage": 2 / 3}, abs=1e-12
    )
    assert density_coverage(TIE_FREE, fake, k=3) == pytest.approx(
        {"density": 10 / 9, "coverage": 5 / 6}, abs=1e-12
    )


def test_two_samples_of_one_distribution_score_one_and_the_paper_coverage():
    gen = torch.Generator().manual_seed(0)
    real, fake = torch.randn(3000, 8, generator=gen), torch.randn(3000, 8, generator=gen)
    res = density_coverage(real, fake)
    assert res["density"] == pytest.approx(1.0, abs=0.05)
    assert res["coverage"] == pytest.approx(COVERAGE_SAME, abs=0.015)


def test_copies_of_one_point_cover_nothing_and_outliers_do_not_count():
    gen = torch.Generator().manual_seed(1)
    real = torch.randn(2000, 8, generator=gen)
    collapsed = real[:1].repeat(2000, 1) + 1e-6
    res = density_coverage(real, collapsed)
    assert res["coverage"] < 0.01  # only the balls around that one point hold it
    far = torch.randn(2000, 8, generator=gen) + 50.0  # every sample far from the data
    assert density_coverage(real, far) == {"density": 0.0, "coverage": 0.0}


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="N x D"):
        density_coverage(torch.zeros(10, 3), torch.zeros(10, 4))
    with pytest.raises(ValueError, match="more than k=5"):
        density_coverage(torch.zeros(5, 3), torch.zeros(10, 3))


def test_real_mnist_against_real_mnist_on_judge_features(real_data_root: Path):
    """Two random halves of the test split: one distribution, so density ~1 and coverage at the
    paper's level; copies of one digit cover almost nothing."""
    from gan_zoo.data import load_dataset
    from gan_zoo.metrics.judge import get_judge

    judge = get_judge("mnist", root=real_data_root, device="cpu")
    test = load_dataset("mnist", "test", root=real_data_root).images
    order = torch.randperm(len(test), generator=torch.Generator().manual_seed(0))
    real = judge.features(test[order[:5000]])
    same = density_coverage(real, judge.features(test[order[5000:]]))
    assert same["density"] == pytest.approx(1.0, abs=0.05)  # measured 1.013
    assert same["coverage"] == pytest.approx(COVERAGE_SAME, abs=0.02)  # measured 0.973
    one = density_coverage(real, judge.features(test[order[5000:5001]].repeat(5000, 1, 1, 1)))
    assert one["coverage"] < 0.01
