"""Loading dSprites (official file, cache, generation) and the ground-truth sampler."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_zoo.data import dsprites, ground_truth, load_dataset
from gan_zoo.data.dataset import ImageDataset
from gan_zoo.data.dsprites import OFFICIAL_FILE, DSpritesGroundTruth, read_official
from gan_zoo.data.dsprites_cache import CACHE_NAME, read_cache, writable_folder, write_cache
from gan_zoo.data.dsprites_factors import (
    FACTOR_SIZES,
    NUM_IMAGES,
    classes_of,
    index_of,
    values_of,
)
from gan_zoo.data.dsprites_render import render
from gan_zoo.errors import ConfigError, DataError


def lazy_full_images() -> np.ndarray:
    """A full-size (737280, 64, 64) zero array; calloc'd, so untouched pages cost no RAM."""
    return np.zeros((NUM_IMAGES, 64, 64), dtype=np.uint8)


def fake_full_dataset() -> ImageDataset:
    classes = torch.from_numpy(classes_of(np.arange(NUM_IMAGES)))
    return ImageDataset(
        name="dsprites",
        split="train",
        images=torch.from_numpy(lazy_full_images()).unsqueeze(1),
        labels=classes[:, 1].clone(),
        num_classes=3,
        info="fake",
        factor_names=dsprites.FACTOR_NAMES,
        factor_sizes=FACTOR_SIZES,
        factor_classes=classes,
        factor_values=None,
    )


def refuse_to_render() -> np.ndarray:
    raise AssertionError("the full set must not be rendered here")


def write_fake_official(path: Path, count: int, seed: int = 0) -> np.ndarray:
    """A small npz with the official keys and layout; returns its 0/1 images."""
    rng = np.random.default_rng(seed)
    imgs = rng.integers(0, 2, (count, 64, 64), dtype=np.uint8)
    classes = classes_of(np.arange(count))
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, imgs=imgs, latents_classes=classes, latents_values=values_of(classes))
    return imgs


# --- cache -------------------------------------------------------------------------------


def test_cache_round_trip_is_bit_exact_and_packed(tmp_path: Path) -> None:
    images = (np.random.default_rng(0).integers(0, 2, (100, 64, 64)) * 255).astype(np.uint8)
    path, digest = write_cache(tmp_path / "c", images)
    assert path.name == CACHE_NAME
    assert path.stat().st_size < 100 * 64 * 8 + 256  # one bit per pixel plus the header
    assert digest == hashlib.md5(path.read_bytes()).hexdigest()
    back, back_path, back_digest = read_cache(tmp_path / "c", count=100)
    np.testing.assert_array_equal(back, images)
    assert (back_path, back_digest) == (path, digest)
    assert list((tmp_path / "c").glob("*.tmp")) == []  # atomic writes leave no temp files


@pytest.mark.parametrize("damage", ["flip", "truncate", "no-sidecar", "wrong-count"])
def test_damaged_cache_is_set_aside_with_a_warning(tmp_path: Path, damage: str, caplog) -> None:
    folder = tmp_path / "c"
    path, _ = write_cache(folder, np.zeros((10, 64, 64), dtype=np.uint8))
    raw = bytearray(path.read_bytes())
    count = 10
    if damage == "flip":
        raw[-1] ^= 1
        path.write_bytes(bytes(raw))
    elif damage == "truncate":
        path.write_bytes(bytes(raw[:-64]))
    elif damage == "no-sidecar":
        path.with_suffix(".json").unlink()
    else:
        count = 11
    with caplog.at_level(logging.WARNING):
        assert read_cache(folder, count=count) is None
    (warning,) = [r.getMessage() for r in caplog.records]
    assert warning.startswith(f"cache entry {path} is damaged (") and "\n" not in warning
    assert not path.exists() and path.with_name(path.name + ".corrupt").exists()


def test_cache_falls_back_to_the_cache_root_then_fails_clearly(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    fallback = tmp_path / "cache" / "dsprites"
    assert writable_folder([blocked / "dsprites", fallback]) == fallback
    with pytest.raises(DataError) as error:
        writable_folder([blocked / "dsprites", blocked / "other"])
    assert str(blocked / "dsprites") in str(error.value)
    assert "GAN_ZOO_CACHE" in str(error.value)


# --- loading -----------------------------------------------------------------------------


def test_generated_set_is_cached_in_the_data_root(
    isolated_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = lazy_full_images()
    rendered[5, 10, 10] = 255
    written = []
    monkeypatch.setattr(dsprites, "render_all", lambda: rendered)
    monkeypatch.setattr(
        dsprites,
        "write_cache",
        lambda folder, images: written.append(folder) or (folder / "x", "d1g"),
    )
    ds = load_dataset("dsprites")
    assert written == [isolated_data / "dsprites"]
    assert ds.images.shape == (NUM_IMAGES, 1, 64, 64) and ds.images.dtype == torch.uint8
    assert int(ds.images[5, 0, 10, 10]) == 255
    assert np.shares_memory(ds.images.numpy(), rendered)  # no second copy
    assert ds.factor_names == ("color", "shape", "scale", "orientation", "posX", "posY")
    assert ds.factor_sizes == (1, 3, 6, 40, 32, 32)
    assert ds.factor_classes.dtype == torch.int64 and ds.factor_classes.shape == (NUM_IMAGES, 6)
    assert ds.factor_values.shape == (NUM_IMAGES, 6) and ds.factor_values.is_floating_point()
    probe = [0, 1, 1024, 300_001, NUM_IMAGES - 1]
    np.testing.assert_array_equal(ds.factor_classes[probe].numpy(), classes_of(np.array(probe)))
    np.testing.assert_array_equal(
        ds.factor_values[probe].numpy(), values_of(classes_of(np.array(probe)))
    )
    np.testing.assert_array_equal(ds.labels.numpy(), ds.factor_classes[:, 1].numpy())
    assert ds.num_classes == 3 and ds.name == "dsprites" and ds.split == "train"
    assert "d1g" in ds.info and "737280" in ds.info


def test_read_only_data_root_uses_the_cache_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("GAN_ZOO_CACHE", str(tmp_path / "cache"))
    written = []
    monkeypatch.setattr(dsprites, "render_all", lazy_full_images)
    monkeypatch.setattr(
        dsprites, "write_cache", lambda folder, images: written.append(folder) or (folder, "d")
    )
    load_dataset("dsprites", root=blocked)
    assert written == [tmp_path / "cache" / "dsprites"]


def test_nowhere_to_write_fails_before_rendering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("GAN_ZOO_CACHE", str(blocked / "cache"))
    monkeypatch.setattr(dsprites, "render_all", refuse_to_render)
    with pytest.raises(DataError, match="none of these folders is writable"):
        load_dataset("dsprites", root=blocked)


def test_official_file_is_read_checked_and_scaled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "dsprites" / OFFICIAL_FILE
    imgs = write_fake_official(path, 2048)
    monkeypatch.setattr(dsprites, "OFFICIAL_NPZ_MD5", hashlib.md5(path.read_bytes()).hexdigest())
    images, classes, values, info = read_official(path, count=2048)
    np.testing.assert_array_equal(images, imgs * 255)
    np.testing.assert_array_equal(classes, classes_of(np.arange(2048)))
    assert values.dtype == np.float64 and str(path) in info


def test_official_file_with_wrong_checksum_is_refused(tmp_path: Path) -> None:
    path = tmp_path / OFFICIAL_FILE
    write_fake_official(path, 64)
    with pytest.raises(DataError) as error:
        read_official(path, count=64)
    message = str(error.value)
    assert dsprites.OFFICIAL_NPZ_MD5 in message
    assert hashlib.md5(path.read_bytes()).hexdigest() in message
    assert "Delete" in message


def test_official_file_in_another_order_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / OFFICIAL_FILE
    classes = classes_of(np.arange(64))[::-1]
    np.savez(
        path,
        imgs=np.zeros((64, 64, 64), np.uint8),
        latents_classes=classes,
        latents_values=values_of(classes),
    )
    monkeypatch.setattr(dsprites, "OFFICIAL_NPZ_MD5", hashlib.md5(path.read_bytes()).hexdigest())
    with pytest.raises(DataError, match="order"):
        read_official(path, count=64)


@pytest.mark.parametrize("where", ["dsprites/", ""])
def test_official_file_is_preferred_over_generation(
    isolated_data: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    path = isolated_data / where / OFFICIAL_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"placeholder")
    seen = []

    def fake_read(found: Path) -> tuple:
        seen.append(found)
        classes = classes_of(np.arange(NUM_IMAGES))
        return lazy_full_images(), classes, values_of(classes), "official fake"

    monkeypatch.setattr(dsprites, "read_official", fake_read)
    monkeypatch.setattr(dsprites, "render_all", refuse_to_render)
    ds = load_dataset("dsprites")
    assert seen == [path]
    assert ds.extra["source"] == "official" and "official fake" in ds.info


# --- ground truth ------------------------------------------------------------------------


def test_ground_truth_interface_on_rendered_images() -> None:
    truth = DSpritesGroundTruth.rendered()
    assert truth.factor_names == ("shape", "scale", "orientation", "posX", "posY")
    assert truth.factors_num_values == [3, 6, 40, 32, 32]
    assert truth.num_factors == 5 and truth.observation_shape == (1, 64, 64)
    factors = truth.sample_factors(500, np.random.default_rng(3))
    assert factors.dtype == np.int64 and factors.shape == (500, 5)
    assert (factors >= 0).all() and (factors < np.array([3, 6, 40, 32, 32])).all()
    assert all(len(np.unique(factors[:, i])) == n for i, n in enumerate([3, 6]))
    again = truth.sample_factors(500, np.random.default_rng(3))
    np.testing.assert_array_equal(factors, again)
    sampled, observations = truth.sample(6, np.random.default_rng(4))
    assert observations.shape == (6, 1, 64, 64) and observations.dtype == np.uint8
    full = np.concatenate([np.zeros((6, 1), np.int64), sampled], axis=1)
    np.testing.assert_array_equal(observations[:, 0], render(index_of(full)))
    only = truth.sample_observations(6, np.random.default_rng(4))
    np.testing.assert_array_equal(only, observations)


def test_ground_truth_indexes_the_dataset_array_without_copying() -> None:
    dataset = fake_full_dataset()
    truth = DSpritesGroundTruth.from_dataset(dataset)
    factors = truth.sample_factors(200, np.random.default_rng(5))
    indices = truth.index_of(factors)
    np.testing.assert_array_equal(classes_of(indices)[:, 1:], factors)
    # Written after the sampler was built: visible only if it shares the dataset's memory.
    dataset.images[torch.from_numpy(indices), 0, 0, 0] = torch.from_numpy(indices % 251 + 1).to(
        torch.uint8
    )
    observations = truth.sample_observations_from_factors(factors, np.random.default_rng(0))
    np.testing.assert_array_equal(observations[:, 0, 0, 0], indices % 251 + 1)
    assert observations.shape == (200, 1, 64, 64)


def test_ground_truth_refuses_datasets_it_cannot_index() -> None:
    dataset = fake_full_dataset()
    dataset.factor_classes = dataset.factor_classes.flip(0)
    with pytest.raises(ValueError, match="order"):
        DSpritesGroundTruth.from_dataset(dataset)
    small = fake_full_dataset()
    small.images = small.images[:10]
    with pytest.raises(ValueError, match="full dSprites"):
        DSpritesGroundTruth.from_dataset(small)
    with pytest.raises(ConfigError, match="dsprites"):
        ground_truth("mnist")


# --- the real thing ------------------------------------------------------------------------


@pytest.mark.slow
def test_full_generation_cache_and_reload(isolated_data: Path) -> None:
    """(Its speed is a benchmark, ``benchmarks/speed``, not an assert here.)"""
    ds = load_dataset("dsprites")
    assert ds.images.shape == (NUM_IMAGES, 1, 64, 64) and ds.images.dtype == torch.uint8
    subset = np.random.default_rng(11).integers(0, NUM_IMAGES, 300)
    np.testing.assert_array_equal(ds.images[subset, 0].numpy(), render(subset))
    assert set(torch.unique(ds.images[::997]).tolist()) == {0, 255}
    assert (isolated_data / "dsprites" / CACHE_NAME).is_file()
    info = ds.info
    del ds
    again = load_dataset("dsprites")  # from the cache this time
    assert "cache" in again.info and info.split("md5")[-1] == again.info.split("md5")[-1]
    np.testing.assert_array_equal(again.images[subset, 0].numpy(), render(subset))
    truth = DSpritesGroundTruth.from_dataset(again)
    assert truth.sample_observations(4, np.random.default_rng(0)).shape == (4, 1, 64, 64)
