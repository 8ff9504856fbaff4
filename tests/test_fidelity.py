"""Sample quality through torch-fidelity on judge features, against known answers.

Uses the session's own cache (conftest: the judge and reference statistics are computed once
per test session, never read from or written to the user's cache); each full-size call takes
~10-20 s on a shared 2-core CPU.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from unittest import mock

import pytest
import torch

from gan_zoo.data import load_dataset
from gan_zoo.metrics import fidelity
from gan_zoo.metrics.fidelity import UInt8Images, quality_floor, sample_quality
from gan_zoo.metrics.judge import Judge, get_judge, meta_path

QUALITY_KEYS = {
    "fid",
    "kid_mean",
    "kid_std",
    "precision",
    "recall",
    "density",
    "coverage",
    "isc",
    "isc_std",
}


@pytest.fixture(scope="session")
def test_images(real_data_root: Path) -> torch.Tensor:
    return load_dataset("mnist", split="test", root=real_data_root).images


@pytest.fixture(scope="session")
def mnist_judge(real_data_root: Path) -> Judge:
    return get_judge("mnist", root=real_data_root, device="cpu")


def shuffled_pixels(images: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """Same pixel histogram as real digits, no digit structure at all."""
    n = len(images)
    order = torch.randperm(images[0].numel(), generator=torch.Generator().manual_seed(seed))
    return images.reshape(n, -1)[:, order].reshape(images.shape).contiguous()


@pytest.mark.known_answer(
    "fid", "kid_mean", "precision", "recall", "quality_samples", "quality_reference"
)
def test_real_test_against_itself_is_zero(
    test_images: torch.Tensor, real_data_root: Path, mnist_judge: Judge
) -> None:
    res = sample_quality(test_images, "mnist", root=real_data_root, device="cpu")
    assert res.keys() >= QUALITY_KEYS
    assert res["fid"] == pytest.approx(0.0, abs=0.5)
    assert abs(res["kid_mean"]) < 2e-3
    # Precision/recall compare the first 5,000 with a random 5,000 of the same split.
    assert res["precision"] > 0.9 and res["recall"] > 0.9
    assert res["isc"] > 9.0  # confident and balanced over ten classes
    assert (res["quality_samples"], res["quality_reference"]) == (10_000, 10_000)
    # The reference features are cached under names that carry the judge's digest, in this
    # session's fresh cache (conftest), so they were written by this session's evaluations,
    # never found left over in the user's cache from an earlier run.
    cache = fidelity.fidelity_cache()
    assert cache.is_relative_to(os.environ["GAN_ZOO_CACHE"])
    assert not cache.is_relative_to(Path.home() / ".cache")
    assert any(cache.glob(f"*{mnist_judge.digest}*"))


def test_shuffled_pixels_are_far(test_images: torch.Tensor, real_data_root: Path) -> None:
    fake = shuffled_pixels(test_images[:5000])
    res = sample_quality(fake, "mnist", root=real_data_root, device="cpu", num_samples=5000)
    # Measured with judge v1: FID ~74, KID ~0.85, recall 0 (floor: FID 0.14, KID 7e-4).
    assert res["fid"] > 40
    assert res["kid_mean"] > 0.3
    assert res["recall"] < 0.05
    assert res["isc"] < 3


def test_floor_is_low_and_stored_with_the_judge(real_data_root: Path, mnist_judge: Judge) -> None:
    floor = quality_floor("mnist", root=real_data_root, device="cpu")
    assert floor["fid"] < 1.0
    assert abs(floor["kid_mean"]) < 5e-3
    assert floor["precision"] > 0.8 and floor["recall"] > 0.8
    # train vs test is one distribution seen by a judge trained on train: slightly below 1
    assert floor["density"] == pytest.approx(1.0, abs=0.1)
    assert floor["coverage"] > 0.9
    stored = json.loads(meta_path(mnist_judge.path).read_text())["quality_floors"]
    assert stored["n10000-seed0"] == pytest.approx(floor)


@pytest.mark.known_answer("prc_samples")
def test_small_sample_counts_shrink_kid_subsets(
    test_images: torch.Tensor, real_data_root: Path
) -> None:
    res = sample_quality(
        test_images[:50],
        "mnist",
        root=real_data_root,
        device="cpu",
        num_samples=50,
        reference_images=test_images[5000:5060],
    )
    assert all(math.isfinite(res[k]) for k in QUALITY_KEYS)
    assert res["prc_samples"] == 50 and res["quality_reference"] == 60


def test_inputs_are_checked(test_images: torch.Tensor, real_data_root: Path) -> None:
    with pytest.raises(ValueError, match="uint8"):
        sample_quality(test_images[:10].float(), "mnist", root=real_data_root, num_samples=10)
    with pytest.raises(ValueError, match="num_samples"):
        sample_quality(test_images[:10], "mnist", root=real_data_root)
    with pytest.raises(ValueError, match="28"):
        sample_quality(
            torch.zeros(10, 1, 32, 32, dtype=torch.uint8),
            "mnist",
            root=real_data_root,
            num_samples=10,
        )


def test_uint8_dataset_tiles_grayscale() -> None:
    images = torch.arange(2 * 4, dtype=torch.uint8).reshape(2, 1, 2, 2)
    rgb = UInt8Images(images, channels=3)
    assert len(rgb) == 2 and rgb[1].shape == (3, 2, 2)
    assert torch.equal(rgb[1][2], images[1, 0])
    assert UInt8Images(images)[0].shape == (1, 2, 2)


def random_inception_weights(path: Path) -> Path:
    """Torch-fidelity's Inception architecture with its default random init, saved to a file."""
    import torch_fidelity.feature_extractor_inceptionv3 as inception

    cls = inception.FeatureExtractorInceptionV3
    with (
        mock.patch.object(inception, "load_state_dict_from_url", lambda *a, **k: {}),
        mock.patch.object(cls, "load_state_dict", lambda self, *a, **k: None),
    ):
        net = cls("inception-random-init", ["2048"])
    torch.save(net.state_dict(), path)
    return path


@pytest.mark.known_answer("fid_inception")
def test_inception_plumbing_with_random_weights(
    tmp_path: Path, test_images: torch.Tensor, real_data_root: Path
) -> None:
    """Plumbing only: offline there are no Inception weights, so random ones of the right
    shapes go through the weights-file path. The values mean nothing, except against the same
    images (FID 0 whatever the weights); keys must exist and be finite, and the random
    extractor must be registered apart from the real one. Ten images
    a side; torch-fidelity's 2048-d FID eigendecomposition dominates (10-30 s on 2 cores)."""
    weights = random_inception_weights(tmp_path / "inception-random.pth")
    res = sample_quality(
        test_images[:10],
        "mnist",
        root=real_data_root,
        device="cpu",
        num_samples=10,
        inception=True,
        inception_weights=weights,
        reference_images=test_images[:10],  # the same ten: a known answer whatever the weights
    )
    keys = {"fid_inception", "kid_inception_mean", "kid_inception_std", "isc_inception"}
    assert res.keys() >= keys
    assert all(math.isfinite(res[k]) for k in keys | QUALITY_KEYS)
    assert res["fid_inception"] == pytest.approx(0.0, abs=1e-3)
    assert res["fid"] == pytest.approx(0.0, abs=1e-3)
    assert fidelity.register_inception(weights) != fidelity.register_inception(None)
