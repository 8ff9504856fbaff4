"""Indexed ground truth: the same scores as encoding every draw, with each image encoded once."""

from __future__ import annotations

import numpy as np

from gan_zoo.data.dsprites import DSpritesGroundTruth
from gan_zoo.metrics.disentanglement import compute_all
from gan_zoo.metrics.representation_cache import IndexedGroundTruth


def _encode(images: np.ndarray) -> np.ndarray:
    """A cheap deterministic representation: pixel mass and centroid of each sprite."""
    x = images.reshape(len(images), 64, 64).astype(np.float64)
    mass = x.sum(axis=(1, 2)) + 1e-6
    grid = np.arange(64)
    cy = (x.sum(axis=2) * grid).sum(axis=1) / mass
    cx = (x.sum(axis=1) * grid).sum(axis=1) / mass
    return np.stack([mass / 255.0, cx, cy], axis=1)


def test_indexed_scores_equal_direct_scores_and_encode_each_image_once():
    truth = DSpritesGroundTruth.rendered()
    encoded_images: list[int] = []  # how many images each encoder call received

    def counting_encode(images: np.ndarray) -> np.ndarray:
        encoded_images.append(len(images))
        return _encode(images)

    indexed = IndexedGroundTruth(truth, counting_encode, size=737_280)
    requested: list[np.ndarray] = []  # every index any metric asked a representation for
    lookup = indexed.representation

    def recording(indices, *args, **kwargs):
        requested.append(np.asarray(indices).reshape(-1).copy())
        return lookup(indices, *args, **kwargs)

    direct = compute_all(truth, _encode, 0, only=["mig"], num_train=600)
    cached = compute_all(indexed, recording, 0, only=["mig"], num_train=600)
    assert np.isclose(direct["mig"], cached["mig"], atol=1e-6)
    small = {"num_train": 80, "num_eval": 40, "num_variance_estimate": 500, "batch_size": 16}
    fv_direct = compute_all(truth, _encode, 1, only=["factorvae"], **small)
    fv_cached = compute_all(
        indexed,
        recording,
        1,
        only=["factorvae"],
        num_train=80,
        num_eval=40,
        num_variance_estimate=500,
        batch_size=16,
    )
    assert np.isclose(fv_direct["factorvae"], fv_cached["factorvae"])
    draws = np.concatenate(requested)
    distinct = len(np.unique(draws))
    assert len(draws) == 600 + 500 + (80 + 40) * 16  # every draw went through the cache
    assert distinct < len(draws)  # repeats happened, so "once" is being tested
    # exactly one encoding per distinct index: no repeat, none missed
    assert indexed.encoded == distinct == sum(encoded_images)
    indexed.representation(draws[:10])
    indexed.representation(draws[:10])
    assert sum(encoded_images) == distinct  # known indices are never encoded again
