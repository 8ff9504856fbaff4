"""Indexed ground truth: the same scores as encoding every draw, with each image encoded once."""

from __future__ import annotations

import numpy as np

from gan_zoo.data.dsprites import DSpritesGroundTruth
from gan_zoo.metrics.disentanglement import factor_vae, mig
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
    indexed = IndexedGroundTruth(truth, _encode, size=737_280)
    direct = mig(truth, _encode, 0, num_train=600)
    cached = mig(indexed, indexed.representation, 0, num_train=600)
    assert np.isclose(direct["mig"], cached["mig"], atol=1e-6)
    fv_direct = factor_vae(
        truth, _encode, 1, num_train=80, num_eval=40, num_variance_estimate=500, batch_size=16
    )
    fv_cached = factor_vae(
        indexed,
        indexed.representation,
        1,
        num_train=80,
        num_eval=40,
        num_variance_estimate=500,
        batch_size=16,
    )
    assert np.isclose(fv_direct["factorvae"], fv_cached["factorvae"])
    draws = 600 + 500 + (80 + 40) * 16
    assert 0 < indexed.encoded <= draws
    again = indexed.encoded
    indexed.representation(np.arange(10))
    indexed.representation(np.arange(10))
    assert indexed.encoded <= again + 10
