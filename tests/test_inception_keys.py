"""Known answers for the Inception keys the registry declares (shown as the field's FID, KID
and IS, issue 33), on a case whose answer holds whatever the weights: copies of one image."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_fidelity import random_inception_weights


@pytest.mark.known_answer(
    "kid_inception_mean", "kid_inception_std", "isc_inception", "isc_inception_std"
)
def test_copies_of_one_image_on_inception(tmp_path: Path, real_data_root: Path) -> None:
    """Identical features on both sides: every kernel value is one constant, so KID's unbiased
    estimate is exactly 0 on every subset (std 0), and the Inception Score of one image is 1
    (each split's marginal is its conditional). Random weights: offline, and these answers do
    not depend on them."""
    from gan_zoo.data import load_dataset
    from gan_zoo.metrics.fidelity import sample_quality

    one = load_dataset("mnist", "test", root=real_data_root).images[:1].repeat(10, 1, 1, 1)
    res = sample_quality(
        one, "mnist", root=real_data_root, device="cpu", num_samples=10, inception=True,
        inception_weights=random_inception_weights(tmp_path / "inception-random.pth"),
        reference_images=one,
    )  # fmt: skip
    assert res["kid_inception_mean"] == pytest.approx(0.0, abs=1e-6)
    assert res["kid_inception_std"] == pytest.approx(0.0, abs=1e-6)
    assert res["isc_inception"] == pytest.approx(1.0, abs=1e-6)
    assert res["isc_inception_std"] == pytest.approx(0.0, abs=1e-6)
