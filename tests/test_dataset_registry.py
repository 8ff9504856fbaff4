"""The dataset registry: built-ins declared once, duplicates refused, plugins found."""

from __future__ import annotations

import pytest

from gan_zoo.data import available, ground_truth, splits
from gan_zoo.data.registry import JudgeSettings, register_dataset, resolve, unregister_dataset
from gan_zoo.errors import ConfigError


def test_the_built_in_datasets_are_registered_in_order():
    assert available()[:5] == ["mnist", "fashion-mnist", "dsprites", "cifar10", "svhn"]
    assert resolve("Fashion_MNIST").name == "fashion-mnist"
    assert resolve("cifar-10").name == "cifar10"
    assert splits("dsprites") == ("train",)
    mnist = resolve("mnist")
    assert mnist.judge == JudgeSettings(epochs=2, min_accuracy=0.99) and mnist.num_classes == 10
    assert resolve("dsprites").ground_truth is not None and not resolve("dsprites").has_judge


@pytest.mark.parametrize("name", ["mnist", "cifar-10"])
def test_a_registered_name_or_alias_is_refused(name):
    with pytest.raises(ConfigError, match=f"{name!r} is already registered"):
        register_dataset(
            name, title="x", splits=("train",), image_shape=(1, 28, 28), load=lambda s, r: None
        )


def test_a_dataset_needs_a_train_split_and_a_path_safe_name():
    with pytest.raises(ConfigError, match="must offer a 'train' split"):
        register_dataset(
            "toy", title="x", splits=("test",), image_shape=(1, 8, 8), load=lambda s, r: None
        )
    with pytest.raises(ConfigError, match="lower-case letters"):
        register_dataset(
            "my/data", title="x", splits=("train",), image_shape=(1, 8, 8), load=lambda s, r: None
        )
    assert "toy" not in available()


def test_unknown_names_list_the_registered_ones_and_the_kinds():
    with pytest.raises(ConfigError, match=r"unknown dataset 'cifar100'.*mnist.*folder:PATH"):
        resolve("cifar100")


def test_only_a_dataset_with_factors_has_a_ground_truth():
    with pytest.raises(ConfigError, match="mnist has no ground-truth factors; only dsprites"):
        ground_truth("mnist")


def test_unregister_forgets_a_dataset():
    register_dataset(
        "toy-reg", title="Toy", splits=("train",), image_shape=(1, 8, 8), load=lambda s, r: None
    )
    assert "toy-reg" in available()
    unregister_dataset("toy-reg")
    assert "toy-reg" not in available()
