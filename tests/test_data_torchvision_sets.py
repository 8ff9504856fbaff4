"""CIFAR-10 and SVHN load through torchvision's classes from files in their own on-disk formats.

No copy of either set is on this machine (and no network): the tests write small files in the
official formats (CIFAR-10's python pickle batches, SVHN's MATLAB .mat) and give torchvision's
class the MD5s of those files, as its checksum lists hold the official ones.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from torchvision.datasets import CIFAR10, SVHN

from gan_zoo.data import DataSplits, available, load_dataset
from gan_zoo.errors import DataError

PER_BATCH = 6


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def write_cifar(root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, np.ndarray]:
    """Six pickle batches (rows of 3072 bytes, channel-major) and the label names."""
    folder = root / CIFAR10.base_folder
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    written = {}
    for name in [n for n, _ in CIFAR10.train_list + CIFAR10.test_list]:
        data = rng.integers(0, 256, (PER_BATCH, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, PER_BATCH)]
        with (folder / name).open("wb") as f:
            pickle.dump({"batch_label": name, "data": data, "labels": labels}, f)
        written[name] = data
        written[name + "_labels"] = np.array(labels)
    with (folder / "batches.meta").open("wb") as f:
        pickle.dump({"label_names": ["airplane", "automobile"] + ["x"] * 8}, f)
    monkeypatch.setattr(
        CIFAR10, "train_list", [[n, md5(folder / n)] for n, _ in CIFAR10.train_list]
    )
    monkeypatch.setattr(CIFAR10, "test_list", [[n, md5(folder / n)] for n, _ in CIFAR10.test_list])
    monkeypatch.setattr(CIFAR10, "meta", {**CIFAR10.meta, "md5": md5(folder / "batches.meta")})
    return written


def test_cifar10_is_registered_and_loads_its_pickle_batches(tmp_path, monkeypatch):
    written = write_cifar(tmp_path, monkeypatch)
    assert "cifar10" in available()
    train = load_dataset("cifar10", "train", root=tmp_path)
    test = load_dataset("cifar-10", "test", root=tmp_path)
    assert train.images.dtype == torch.uint8 and train.images.shape == (5 * PER_BATCH, 3, 32, 32)
    assert test.images.shape == (PER_BATCH, 3, 32, 32) and train.num_classes == 10
    # the first image of the first batch, channel-major as in the file
    first = written["data_batch_1"][0].reshape(3, 32, 32)
    assert torch.equal(train.images[0], torch.from_numpy(first))
    assert train.labels[:PER_BATCH].tolist() == written["data_batch_1_labels"].tolist()
    assert test.labels.tolist() == written["test_batch_labels"].tolist()


def test_a_cifar10_batch_that_is_not_the_official_file_is_refused_by_name(tmp_path, monkeypatch):
    write_cifar(tmp_path, monkeypatch)
    batch = tmp_path / CIFAR10.base_folder / "data_batch_3"
    batch.write_bytes(batch.read_bytes()[:-10])
    with pytest.raises(DataError, match="data_batch_3 is corrupt or not the official file"):
        load_dataset("cifar10", "train", root=tmp_path)


def test_missing_cifar10_offline_says_where_to_put_which_files(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("<urlopen error [Errno -3] Temporary failure in name resolution>")

    monkeypatch.setattr(CIFAR10, "download", offline)
    with pytest.raises(DataError) as error:
        load_dataset("cifar10", "train", root=tmp_path)
    message = str(error.value)
    assert "data_batch_1" in message and str(tmp_path / CIFAR10.base_folder) in message
    assert "name resolution" in message and "\n" not in message


def write_svhn(root: Path, split: str, count: int, monkeypatch: pytest.MonkeyPatch) -> np.ndarray:
    """A .mat file as SVHN publishes it: X is 32 x 32 x 3 x N, y is N x 1 with 10 for digit 0."""
    from scipy.io import savemat

    folder = root / "SVHN"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, (32, 32, 3, count), dtype=np.uint8)
    y = (np.arange(count) % 10 + 1).reshape(-1, 1).astype(np.uint8)  # 1..10
    url, name, _ = SVHN.split_list[split]
    savemat(folder / name, {"X": x, "y": y})
    lists = {**SVHN.split_list, split: [url, name, md5(folder / name)]}
    monkeypatch.setattr(SVHN, "split_list", lists)
    return x


def test_svhn_loads_its_mat_files_with_ten_as_the_digit_zero(tmp_path, monkeypatch):
    x = write_svhn(tmp_path, "train", 12, monkeypatch)
    write_svhn(tmp_path, "test", 7, monkeypatch)
    splits = DataSplits("svhn", root=tmp_path)
    train, test = splits.train, splits.test
    assert train.images.shape == (12, 3, 32, 32) and test.images.shape == (7, 3, 32, 32)
    assert torch.equal(train.images[4], torch.from_numpy(x[:, :, :, 4].transpose(2, 0, 1)))
    assert train.labels[:10].tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]
    assert splits.train is train  # loaded once


def test_a_damaged_svhn_file_is_refused(tmp_path, monkeypatch):
    write_svhn(tmp_path, "train", 5, monkeypatch)
    path = tmp_path / "SVHN" / "train_32x32.mat"
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(DataError, match=r"train_32x32\.mat is corrupt"):
        load_dataset("svhn", "train", root=tmp_path)
