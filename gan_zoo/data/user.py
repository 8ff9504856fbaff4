"""The user's own images as a dataset: ``folder:PATH`` and ``npz:PATH``.

``folder:PATH``: image files (PNG, JPEG, ...), either in one subfolder per class (labels are the
sorted subfolder names) or flat (no labels). ``npz:PATH``: an ``.npz`` with ``images`` (uint8,
N x C x H x W or N x H x W x C, C 1 or 3) and optionally ``labels`` (N integers from 0). A
folder with exactly the subfolders ``train`` and ``test``, or an npz with ``test_images`` (and
``test_labels``), brings its own held-out split; otherwise one is made by a seeded rule
(:data:`SPLIT_RULE`), recorded in the dataset's ``extra["split"]``.

Everything is read and checked when the spec is first resolved, before any run starts, by the
one reader of users' image files (``gan_zoo.data.image_files``): an unreadable or mixed-size
image, an empty folder, a wrong dtype or shape, or labels that do not match the images are one
``DataError`` naming the file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from gan_zoo.data.dataset import ImageDataset
from gan_zoo.data.image_files import (
    IMAGE_SUFFIXES,
    check_labels,
    image_files,
    image_shape_of,
    read_image,
    read_npz,
    to_nchw,
)
from gan_zoo.data.registry import DatasetEntry, JudgeSettings, find, register_dataset
from gan_zoo.errors import DataError

#: the held-out rule for data without a test split: a seeded permutation, the last 10% held out
SPLIT_SEED = 0
TEST_FRACTION = 0.1
#: user data has no known reachable accuracy: the judge trains long enough for a small set and
#: is reported with its test accuracy, without a bar
USER_JUDGE = JudgeSettings(epochs=10, min_accuracy=None)


@dataclass
class Arrays:
    """Checked uint8 images N x C x H x W, optional labels, and the class names."""

    images: np.ndarray
    labels: np.ndarray | None
    class_names: tuple[str, ...] | None


def _slug(path: Path, kind: str) -> str:
    """A path-safe, stable dataset name: the kind, the file or folder stem, a path digest."""
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or kind
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:8]
    return f"{kind}-{stem[:32]}-{digest}"


def _stack(files: list[Path], what: str) -> np.ndarray:
    """Read ``files`` (all of the size and channels of the first) into uint8 N x C x H x W."""
    shape = image_shape_of(files[0])
    return to_nchw(np.stack([read_image(path, shape) for path in files]), shape, what)


def read_folder(folder: Path) -> Arrays:
    """A flat folder of images (no labels) or one subfolder per class (the sorted subfolder
    names are the class names; a flat folder has none)."""
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    subfolders = [p for p in entries if p.is_dir()]
    if not entries:
        raise DataError(f"{folder} is empty: it has no image files ({', '.join(IMAGE_SUFFIXES)})")
    if subfolders and len(subfolders) != len(entries):
        raise DataError(
            f"{folder} mixes image files and subfolders: use one subfolder per class, or a flat "
            "folder of images"
        )
    if not subfolders:
        return Arrays(_stack(image_files(folder), f"the images in {folder}"), None, None)
    per_class = []
    for sub in subfolders:
        found = image_files(sub)
        if not found:
            raise DataError(f"class folder {sub} has no image files")
        per_class.append(found)
    images = _stack([f for found in per_class for f in found], f"the images in {folder}")
    labels = np.concatenate([np.full(len(found), i) for i, found in enumerate(per_class)])
    return Arrays(images, labels.astype(np.int64), tuple(s.name for s in subfolders))


def _shape_of(images: np.ndarray, source: str) -> tuple[int, int, int]:
    """C x H x W of N x C x H x W or N x H x W x C arrays (C 1 or 3; N x H x W is grey)."""
    if images.ndim == 4 and images.shape[1] in (1, 3):
        return tuple(int(v) for v in images.shape[1:])  # type: ignore[return-value]
    if images.ndim == 4 and images.shape[3] in (1, 3):
        return int(images.shape[3]), int(images.shape[1]), int(images.shape[2])
    raise DataError(
        f"{source} have shape {images.shape}: expected N x C x H x W or N x H x W x C with C 1 "
        "or 3 (or N x H x W)"
    )


NPZ_ARRAYS = ("images", "labels", "test_images", "test_labels")


def read_npz_arrays(path: Path, arrays: dict[str, np.ndarray], prefix: str = "") -> Arrays:
    """``{prefix}images`` and optional ``{prefix}labels`` of an npz, checked."""
    if f"{prefix}images" not in arrays:
        raise DataError(f"{path}: has no array {prefix}images (found: {', '.join(arrays)})")
    what = f"{path} [{prefix}images]"
    images = arrays[f"{prefix}images"]
    if images.ndim == 3:
        images = images[:, None]
    if images.dtype == np.uint8:
        images = to_nchw(images, _shape_of(images, what), what)
    else:
        images = to_nchw(images, (1, 1, 1), what)  # refuses the dtype, in the shared words
    labels = arrays.get(f"{prefix}labels")
    names = None
    if labels is not None:
        where = f"{path} [{prefix}labels]"
        if labels.ndim != 1 or len(labels) != len(images):
            raise DataError(
                f"{where}: {labels.shape} labels for {len(images)} images (one integer each)"
            )
        width = int(labels.max()) + 1 if np.issubdtype(labels.dtype, np.integer) else 0
        labels = check_labels(labels, max(width, 1), where)
        names = tuple(str(c) for c in range(width))
    return Arrays(images, labels, names)


def _held_out(labels: np.ndarray | None, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices of the seeded rule: a permutation, the last 10% (at least 1) held
    out, within each class for labelled data (so every class is in the test split)."""
    if count < 2:
        raise DataError(f"{count} image(s): a dataset needs at least 2 to hold one out")
    groups = (
        [np.arange(count)]
        if labels is None
        else [np.flatnonzero(labels == c) for c in np.unique(labels)]
    )
    rng = np.random.default_rng(SPLIT_SEED)
    train, test = [], []
    for group in groups:
        order = group[rng.permutation(len(group))]
        held = max(1, round(TEST_FRACTION * len(order))) if len(order) > 1 else 0
        train.append(order[: len(order) - held])
        test.append(order[len(order) - held :])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def _register(kind: str, path: Path, train: Arrays, test: Arrays | None, spec: str) -> DatasetEntry:
    name = _slug(path, kind)
    if (known := find(name)) is not None:  # the same path typed another way
        return known
    if test is None:
        train_idx, test_idx = _held_out(train.labels, len(train.images))
        within = " of each class" if train.labels is not None else ""
        rule = (
            f"seeded rule: numpy default_rng({SPLIT_SEED}).permutation{within}, the last "
            f"{TEST_FRACTION:.0%}{within} (at least 1) held out as test: {len(test_idx)} of "
            f"{len(train.images)} images"
        )
        whole = train
        train = Arrays(whole.images[train_idx], _pick(whole.labels, train_idx), whole.class_names)
        test = Arrays(whole.images[test_idx], _pick(whole.labels, test_idx), whole.class_names)
    else:
        rule = "the data's own train and test split"
        if (train.labels is None) != (test.labels is None):
            raise DataError(f"{path}: the train split and the test split must both have labels")
        if test.images.shape[1:] != train.images.shape[1:]:
            raise DataError(
                f"{path}: test images are {test.images.shape[1:]} but train images are "
                f"{train.images.shape[1:]}"
            )
    names = train.class_names
    if test.class_names is not None and names is not None and len(test.class_names) > len(names):
        names = test.class_names
    if train.labels is not None and names is not None and len(names) < 2:
        raise DataError(f"{path}: labelled data needs at least 2 classes, got {len(names)}")
    split = {"rule": rule, "train": len(train.images), "test": len(test.images)}
    arrays = {"train": train, "test": test}

    def load(which: str, root: object = None) -> ImageDataset:
        part = arrays[which]
        c, h, w = part.images.shape[1:]
        return ImageDataset(
            name=name,
            split=which,
            images=torch.from_numpy(part.images),
            labels=None if part.labels is None else torch.from_numpy(part.labels),
            num_classes=None if names is None else len(names),
            info=(
                f"{spec} {which}: {len(part.images)} images {c}x{h}x{w} uint8, "
                f"{'no labels' if names is None else f'{len(names)} classes'}; {rule}"
            ),
            extra={"class_names": names, "split": split, "spec": spec},
        )

    c, h, w = train.images.shape[1:]
    return register_dataset(
        name,
        title=f"{path.name} ({kind})",
        splits=("train", "test"),
        image_shape=(int(c), int(h), int(w)),
        load=load,
        class_names=names,
        judge=USER_JUDGE if names is not None else None,
        description=f"the user's images from {path}",
        spec=spec,
    )


def _pick(labels: np.ndarray | None, index: np.ndarray) -> np.ndarray | None:
    return None if labels is None else labels[index]


def folder_dataset(argument: str) -> DatasetEntry:
    """``folder:PATH``: register the images under PATH (read and checked now)."""
    path = Path(argument).expanduser().resolve()
    if not path.is_dir():
        raise DataError(f"folder:{argument}: {path} is not a folder")
    subfolders = {p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")}
    if subfolders == {"train", "test"} and not any(p.is_file() for p in path.iterdir()):
        train, test = read_folder(path / "train"), read_folder(path / "test")
        if train.class_names != test.class_names:
            raise DataError(
                f"{path}: train and test have different class folders "
                f"({train.class_names} vs {test.class_names})"
            )
        return _register("folder", path, train, test, f"folder:{path}")
    return _register("folder", path, read_folder(path), None, f"folder:{path}")


def npz_dataset(argument: str) -> DatasetEntry:
    """``npz:PATH``: register the arrays of PATH (read and checked now)."""
    path = Path(argument).expanduser().resolve()
    if not path.is_file():
        raise DataError(f"npz:{argument}: {path} is not a file")
    arrays = read_npz(path, NPZ_ARRAYS)
    train = read_npz_arrays(path, arrays)
    test = read_npz_arrays(path, arrays, "test_") if "test_images" in arrays else None
    if train.labels is not None and test is not None and test.labels is not None:
        width = max(len(train.class_names or ()), len(test.class_names or ()))
        names = tuple(str(c) for c in range(width))
        train, test = (Arrays(a.images, a.labels, names) for a in (train, test))
    return _register("npz", path, train, test, f"npz:{path}")
