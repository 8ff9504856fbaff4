"""MNIST and Fashion-MNIST: real files when present, synthetic IDX files otherwise."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.error import URLError

import numpy as np
import pytest
import torch
import torchvision.datasets.mnist as tv_mnist

from gan_zoo.data import available, checksums, load_dataset
from gan_zoo.data.idx import write_idx
from gan_zoo.errors import ConfigError, DataError

FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
SIZES = {"train": 30, "test": 12}


def write_synthetic(folder: Path, seed: int = 0) -> dict[str, np.ndarray]:
    """Write the four raw files with random small contents; return the arrays by file name."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, (image_file, label_file) in FILES.items():
        arrays[image_file] = rng.integers(0, 256, (SIZES[split], 28, 28), dtype=np.uint8)
        arrays[label_file] = rng.integers(0, 10, SIZES[split], dtype=np.uint8)
    for name, array in arrays.items():
        write_idx(folder / name, array)
    return arrays


def trust(monkeypatch: pytest.MonkeyPatch, dataset: str, folder: Path) -> None:
    """Make the files now in ``folder`` the 'official' ones for ``dataset``."""
    table = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    monkeypatch.setitem(checksums.OFFICIAL_MD5, dataset, table)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """torchvision's download step fails as offline; returns the URLs it was asked for."""
    asked: list[str] = []

    def offline(url: str, *args, **kwargs) -> None:
        asked.append(url)
        raise URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(tv_mnist, "download_and_extract_archive", offline)
    return asked


def test_real_mnist_shapes_dtypes_and_labels(real_data_root: Path) -> None:
    train = load_dataset("mnist", "train", root=real_data_root)
    test = load_dataset("mnist", "test", root=real_data_root)
    assert train.images.shape == (60000, 1, 28, 28)
    assert test.images.shape == (10000, 1, 28, 28)
    for ds in (train, test):
        assert ds.images.dtype == torch.uint8
        assert ds.labels is not None and ds.labels.dtype == torch.int64
        assert set(ds.labels.unique().tolist()) == set(range(10))
        assert ds.num_classes == 10 and ds.image_shape == (1, 28, 28)
        assert int(ds.images.max()) == 255 and int(ds.images.min()) == 0
    # Known facts of the official files: class counts of the training set.
    assert torch.bincount(train.labels).tolist()[:2] == [5923, 6742]
    assert "6bbc9ace898e44ae57da46a324031adb" in train.info
    assert "2646ac647ad5339dbf082846283269ea" in test.info
    assert train.split == "train" and test.split == "test" and train.name == "mnist"


def test_synthetic_fashion_mnist_loads_exactly_what_was_written(
    isolated_data: Path, monkeypatch: pytest.MonkeyPatch, no_network: list[str]
) -> None:
    folder = isolated_data / "FashionMNIST" / "raw"
    arrays = write_synthetic(folder)
    trust(monkeypatch, "fashion-mnist", folder)
    for split, (image_file, label_file) in FILES.items():
        ds = load_dataset("fashion-mnist", split)  # root from GAN_ZOO_DATA
        assert ds.images.shape == (SIZES[split], 1, 28, 28)
        np.testing.assert_array_equal(ds.images[:, 0].numpy(), arrays[image_file])
        np.testing.assert_array_equal(ds.labels.numpy(), arrays[label_file].astype(np.int64))
        assert ds.labels.dtype == torch.int64
        assert ds.name == "fashion-mnist" and ds.split == split and ds.num_classes == 10
        assert ds.extra["class_names"][9] == "Ankle boot"
        assert str(folder) in ds.info and str(SIZES[split]) in ds.info
    assert no_network == []  # files present: no download attempted


def test_root_argument_beats_environment(
    isolated_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: list[str]
) -> None:
    write_synthetic(isolated_data / "FashionMNIST" / "raw", seed=1)
    other = tmp_path / "other"
    arrays = write_synthetic(other / "FashionMNIST" / "raw", seed=2)
    trust(monkeypatch, "fashion-mnist", other / "FashionMNIST" / "raw")
    ds = load_dataset("Fashion_MNIST", "test", root=other)  # also: name is normalised
    np.testing.assert_array_equal(ds.images[:, 0].numpy(), arrays["t10k-images-idx3-ubyte"])


def test_fake_file_fails_the_official_mnist_checksum(isolated_data: Path) -> None:
    folder = isolated_data / "MNIST" / "raw"
    write_synthetic(folder)  # right format, wrong contents: the real table must refuse it
    with pytest.raises(DataError) as error:
        load_dataset("mnist", "test")
    message = str(error.value)
    assert "t10k-images-idx3-ubyte" in message
    assert "2646ac647ad5339dbf082846283269ea" in message  # expected, official
    assert hashlib.md5((folder / "t10k-images-idx3-ubyte").read_bytes()).hexdigest() in message
    assert "Delete" in message and "re-download" in message


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_corrupted_copy_is_refused(
    isolated_data: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    folder = isolated_data / "FashionMNIST" / "raw"
    write_synthetic(folder)
    trust(monkeypatch, "fashion-mnist", folder)
    target = folder / "train-labels-idx1-ubyte"
    raw = bytearray(target.read_bytes())
    if damage == "truncate":
        raw = raw[:-5]
    else:
        raw[-1] ^= 0xFF
    target.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="train-labels-idx1-ubyte") as error:
        load_dataset("fashion-mnist", "train")
    assert checksums.OFFICIAL_MD5["fashion-mnist"]["train-labels-idx1-ubyte"] in str(error.value)
    load_dataset("fashion-mnist", "test")  # the intact split still loads


def test_offline_with_missing_files_gives_one_clear_error(
    isolated_data: Path, no_network: list[str]
) -> None:
    isolated_data.mkdir(parents=True)  # an existing root: the download is tried, offline
    with pytest.raises(DataError) as error:
        load_dataset("mnist", "train")
    message = str(error.value)
    folder = isolated_data / "MNIST" / "raw"
    assert str(folder) in message
    for name in (*FILES["train"], *FILES["test"]):
        assert name in message
    assert "Temporary failure in name resolution" in message
    assert "Traceback" not in message
    assert no_network and all(url.startswith("http") for url in no_network)


def test_download_through_torchvision_then_verify(
    isolated_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged = tmp_path / "staged"
    arrays = write_synthetic(staged, seed=3)
    trust(monkeypatch, "mnist", staged)
    fetched: list[str] = []

    def fake_download(url: str, download_root: str, filename: str, md5: str) -> None:
        name = filename.removesuffix(".gz")
        fetched.append(name)
        (Path(download_root) / name).write_bytes((staged / name).read_bytes())

    monkeypatch.setattr(tv_mnist, "download_and_extract_archive", fake_download)
    isolated_data.mkdir(parents=True)  # gan-zoo downloads into a root that exists, never makes one
    ds = load_dataset("mnist", "test")
    assert sorted(fetched) == sorted((*FILES["train"], *FILES["test"]))
    np.testing.assert_array_equal(ds.labels.numpy(), arrays["t10k-labels-idx1-ubyte"])
    assert (isolated_data / "MNIST" / "raw" / "train-images-idx3-ubyte").is_file()


def test_a_file_as_the_data_root_is_refused_before_any_download(
    tmp_path: Path, no_network: list[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(DataError, match="is not a folder") as error:
        load_dataset("mnist", "train", root=blocker)
    assert "t10k-labels-idx1-ubyte" in str(error.value)
    assert no_network == []  # refused before trying to download


def test_unknown_name_and_split_list_the_valid_ones() -> None:
    assert available()[:3] == ["mnist", "fashion-mnist", "dsprites"]
    with pytest.raises(ConfigError) as error:
        load_dataset("cifar100")
    assert all(name in str(error.value) for name in available())
    with pytest.raises(ConfigError) as error:
        load_dataset("mnist", "validation")
    assert "train" in str(error.value) and "test" in str(error.value)
    with pytest.raises(ConfigError, match="train"):
        load_dataset("dsprites", "test")
