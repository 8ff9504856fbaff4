"""The judge: accuracy bar on real MNIST, cache key, batched inference, judge-based MI.

The judge is trained into the real ``cache_root()`` (about a minute on an idle 2-core CPU,
several when the cores are shared) the first time, then loaded, so later runs are quick.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_zoo.data import load_dataset
from gan_zoo.data.dataset import ImageDataset
from gan_zoo.metrics import judge as judge_module
from gan_zoo.metrics.information import categorical_mi
from gan_zoo.metrics.judge import FEATURE_DIM, Judge, get_judge, judge_recipe

PERM = [3, 7, 0, 9, 1, 5, 8, 2, 6, 4]


@pytest.fixture(scope="session")
def mnist_judge(real_data_root: Path) -> Judge:
    return get_judge("mnist", root=real_data_root, device="cpu")


@pytest.fixture(scope="session")
def mnist_test(real_data_root: Path) -> ImageDataset:
    return load_dataset("mnist", split="test", root=real_data_root)


def test_judge_clears_the_bar_on_mnist(mnist_judge: Judge, mnist_test: ImageDataset) -> None:
    assert mnist_judge.test_accuracy >= 0.990
    # The stored number is the real one, not a leftover from another recipe.
    assert mnist_judge.accuracy(mnist_test) == pytest.approx(mnist_judge.test_accuracy, abs=1e-6)
    assert mnist_judge.meta["digest"] == mnist_judge.digest
    assert mnist_judge.digest in mnist_judge.path.name


def test_cached_judge_reloads_identically(mnist_judge: Judge, mnist_test: ImageDataset) -> None:
    net, recipe = judge_module.load_checkpoint(mnist_judge.path, torch.device("cpu"))
    assert recipe == mnist_judge.recipe
    images = mnist_test.images[:500]
    with torch.inference_mode():
        features, logits = net(images)
    assert torch.allclose(features, mnist_judge.features(images))
    assert torch.allclose(logits, mnist_judge.logits(images))


def test_outputs_shapes_and_batching(mnist_judge: Judge, mnist_test: ImageDataset) -> None:
    images = mnist_test.images[:1000]
    features, logits = mnist_judge.features_and_logits(images, batch_size=1000)
    assert features.shape == (1000, FEATURE_DIM) and logits.shape == (1000, 10)
    small = mnist_judge.features(images, batch_size=37)
    assert torch.allclose(features, small, atol=1e-5)
    assert torch.equal(mnist_judge.predict(images), logits.argmax(dim=1))
    assert not features.requires_grad


def test_judge_refuses_float_images(mnist_judge: Judge) -> None:
    with pytest.raises(ValueError, match="uint8"):
        mnist_judge.predict(torch.rand(4, 1, 28, 28))


def test_cache_key_follows_seed_data_and_version(mnist_judge: Judge, real_data_root: Path) -> None:
    recipe = judge_recipe("mnist", root=real_data_root)
    assert recipe.digest == mnist_judge.digest
    assert recipe.with_seed(1).digest != recipe.digest
    assert dataclasses.replace(recipe, version=recipe.version + 1).digest != recipe.digest
    assert dataclasses.replace(recipe, data_checksum="0" * 64).digest != recipe.digest
    assert judge_module.checkpoint_path(recipe.with_seed(1)) != mnist_judge.path


def test_code_grouped_generator_is_matched_to_its_digits(
    mnist_judge: Judge, mnist_test: ImageDataset
) -> None:
    """A 'generator' that emits real digit PERM[k] for code k: the matching finds PERM."""
    labels = mnist_test.labels.numpy()
    rng = np.random.default_rng(0)
    codes = np.arange(5000) % 10
    pools = {d: np.flatnonzero(labels == d) for d in range(10)}
    picks = np.array([rng.choice(pools[PERM[k]]) for k in codes])
    predictions = mnist_judge.predict(mnist_test.images[picks]).numpy()
    res = categorical_mi(codes, predictions, 10)
    assert res["hungarian_accuracy"] > 0.98
    assert res["matching"] == dict(enumerate(PERM))
    assert res["mi_normalised"] > 0.9


def test_generator_ignoring_its_code_scores_chance(
    mnist_judge: Judge, mnist_test: ImageDataset
) -> None:
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 10, 10_000)
    picks = rng.integers(0, len(mnist_test), 10_000)
    predictions = mnist_judge.predict(mnist_test.images[picks]).numpy()
    res = categorical_mi(codes, predictions, 10)
    assert res["hungarian_accuracy"] < 0.13
    assert res["mi_normalised"] < 0.01
