"""The user's own images: ``folder:PATH`` and ``npz:PATH``, their splits and their errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gan_zoo.data import DataSplits, canonical_name, load_dataset
from gan_zoo.data.registry import resolve
from gan_zoo.errors import DataError

pytestmark = pytest.mark.usefixtures("forget_user_datasets")


def write_folder(root: Path, per_class: int = 5, classes: int = 3, size: int = 28) -> Path:
    rng = np.random.default_rng(0)
    for c in range(classes):
        (root / f"class{c}").mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (size, size), dtype=np.uint8)
            Image.fromarray(pixels).save(root / f"class{c}" / f"{i}.png")
    return root


def test_class_folders_give_labels_and_a_seeded_recorded_held_out_split(tmp_path):
    folder = write_folder(tmp_path / "digits")
    splits = DataSplits(f"folder:{folder}")
    train, test = splits.train, splits.test
    assert splits.entry.class_names == ("class0", "class1", "class2")
    # 10% of each class held out, at least one: every class is in the test split
    assert len(train) + len(test) == 15 and sorted(test.labels.tolist()) == [0, 1, 2]
    assert train.images.shape[1:] == (1, 28, 28) and train.images.dtype == torch.uint8
    assert train.extra["split"] == {"rule": train.extra["split"]["rule"], "train": 12, "test": 3}
    assert "default_rng(0)" in train.extra["split"]["rule"]
    # the rule is seeded: the same files give the same split under any other spelling
    again = load_dataset(f"folder:{folder}/../digits", "test")
    assert canonical_name(f"folder:{folder}/../digits") == splits.name
    assert torch.equal(again.images, test.images)
    # the label of each image is its folder's index
    first = np.array(Image.open(folder / "class1" / "0.png"))
    everything = torch.cat([train.images, test.images])
    labels = torch.cat([train.labels, test.labels])
    match = (everything[:, 0] == torch.from_numpy(first)).flatten(1).all(1)
    assert labels[match].tolist() == [1]


def test_unlabelled_data_holds_out_a_tenth_of_all_images():
    from gan_zoo.data.user import _held_out

    train, test = _held_out(None, 40)
    assert len(test) == 4 and sorted([*train, *test]) == list(range(40))
    assert np.array_equal(_held_out(None, 40)[1], test)  # seeded


def test_a_flat_folder_has_no_labels_and_no_judge(tmp_path):
    folder = tmp_path / "flat"
    folder.mkdir()
    for i in range(4):
        Image.fromarray(np.full((32, 32, 3), i * 40, dtype=np.uint8)).save(folder / f"{i}.jpg")
    entry = resolve(f"folder:{folder}")
    assert entry.class_names is None and not entry.has_judge
    assert entry.image_shape == (3, 32, 32)
    assert load_dataset(f"folder:{folder}", "train").labels is None


def test_a_folder_with_train_and_test_keeps_its_own_split(tmp_path):
    write_folder(tmp_path / "own" / "train", per_class=3)
    write_folder(tmp_path / "own" / "test", per_class=2)
    splits = DataSplits(f"folder:{tmp_path / 'own'}")
    assert (len(splits.train), len(splits.test)) == (9, 6)
    assert splits.train.extra["split"]["rule"] == "the data's own train and test split"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: None, "is empty"),
        (lambda p: (p / "bad.png").write_bytes(b"not a png"), "bad.png is not a readable image"),
        (
            lambda p: [
                Image.fromarray(np.zeros((s, s), np.uint8)).save(p / f"{s}.png") for s in (28, 32)
            ],
            "32.png is 32 x 32; the dataset's images are 28 x 28",
        ),
        (lambda p: (p / "empty_class").mkdir(), "class folder .*empty_class has no image files"),
    ],
    ids=["empty", "unreadable", "mixed-size", "empty-class"],
)
def test_bad_folders_are_one_line_data_errors(tmp_path, make, message):
    folder = tmp_path / "data"
    folder.mkdir()
    make(folder)
    with pytest.raises(DataError, match=message) as error:
        resolve(f"folder:{folder}")
    assert "\n" not in str(error.value)


def test_npz_in_either_layout_with_labels(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (20, 28, 28, 3), dtype=np.uint8)
    labels = np.arange(20) % 4
    np.savez(tmp_path / "hwc.npz", images=images, labels=labels)
    np.savez(tmp_path / "chw.npz", images=images.transpose(0, 3, 1, 2), labels=labels)
    a, b = DataSplits(f"npz:{tmp_path / 'hwc.npz'}"), DataSplits(f"npz:{tmp_path / 'chw.npz'}")
    assert a.entry.image_shape == (3, 28, 28) and a.entry.class_names == ("0", "1", "2", "3")
    assert torch.equal(a.train.images, b.train.images) and torch.equal(a.test.labels, b.test.labels)
    assert len(a.train) == 16 and sorted(a.test.labels.tolist()) == [0, 1, 2, 3]


IMAGES = np.full((4, 1, 28, 28), 200, np.uint8)


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"images": np.zeros((4, 1, 28, 28), np.float32)}, "are float32 .* expected uint8"),
        ({"images": np.full((4, 5, 28, 28), 9, np.uint8)}, r"shape \(4, 5, 28, 28\): expected"),
        ({"images": np.full((4, 28), 9, np.uint8)}, "expected N x C x H x W"),
        ({"pictures": IMAGES}, "has array.*'pictures'; known: images, labels"),
        ({"images": np.zeros((4, 1, 28, 28), np.uint8)}, r"hold only values 0\.\.0"),
        ({"images": IMAGES, "labels": np.arange(3)}, r"\(3,\) labels for 4 images"),
        ({"images": IMAGES, "labels": np.ones(4) * 0.5}, "float64; expected integer class"),
    ],
    ids=["dtype", "channels", "shape", "unknown-array", "range", "label-count", "label-dtype"],
)
def test_bad_npz_files_are_one_line_data_errors(tmp_path, arrays, message):
    np.savez(tmp_path / "data.npz", **arrays)
    with pytest.raises(DataError, match=message) as error:
        resolve(f"npz:{tmp_path / 'data.npz'}")
    assert "\n" not in str(error.value)


def test_a_path_that_is_not_there_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="is not a folder"):
        resolve(f"folder:{tmp_path / 'nowhere'}")
    with pytest.raises(DataError, match="is not a file"):
        resolve(f"npz:{tmp_path / 'nowhere.npz'}")
