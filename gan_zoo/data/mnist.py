"""MNIST and Fashion-MNIST from torchvision's folder layout, checked against official MD5s.

The files live where torchvision puts them (``<root>/MNIST/raw/``,
``<root>/FashionMNIST/raw/``, uncompressed IDX), so an existing torchvision download is
reused as is. Missing files are fetched through torchvision when the network allows;
offline, one ``DataError`` says which four files to put in which folder. Every file is
hashed (once per process) and refused if it is not the official one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from gan_zoo.data.checksums import OFFICIAL_MD5, verify_md5
from gan_zoo.data.dataset import ImageDataset
from gan_zoo.data.folders import is_writable
from gan_zoo.data.idx import read_idx
from gan_zoo.errors import DataError
from gan_zoo.paths import data_root


@dataclass(frozen=True)
class IdxSource:
    """Where one IDX dataset lives and how torchvision names it."""

    name: str
    folder: str  # torchvision's folder under the data root, and its dataset class
    classes: tuple[str, ...]


SOURCES: dict[str, IdxSource] = {
    "mnist": IdxSource("mnist", "MNIST", tuple(str(d) for d in range(10))),
    "fashion-mnist": IdxSource(
        "fashion-mnist",
        "FashionMNIST",
        (
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
    ),
}

SPLIT_FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
ALL_FILES: tuple[str, ...] = tuple(f for pair in SPLIT_FILES.values() for f in pair)


def raw_folder(name: str, root: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding the four raw files, e.g. ``<data root>/MNIST/raw``."""
    return data_root(root) / SOURCES[name].folder / "raw"


def _missing_message(name: str, folder: Path, reason: str) -> str:
    files = ", ".join(ALL_FILES)
    return (
        f"{name} files are missing from {folder} and could not be downloaded ({reason}). "
        f"Put the four uncompressed files {files} (or their .gz) in {folder}, "
        f"or point GAN_ZOO_DATA (or root=) at a folder that has "
        f"{SOURCES[name].folder}/raw/ with them."
    )


def _reason(error: BaseException) -> str:
    """First and last line of an error: torchvision puts the file first, the cause last."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    return lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"


def download(name: str, root: str | os.PathLike[str] | None = None) -> None:
    """Fetch the raw files through torchvision; any failure becomes one clear ``DataError``."""
    folder = raw_folder(name, root)
    base = data_root(root)
    if not base.is_dir():  # never made here: a typo in --data-root must not become a folder
        raise DataError(
            f"the data root {base} {'is not a folder' if base.exists() else 'does not exist'}; "
            f"{name} is expected in {folder} "
            f"({', '.join(ALL_FILES)}). Create {base} to let gan-zoo download it there, or "
            "point --data-root (GAN_ZOO_DATA) at the folder that has "
            f"{SOURCES[name].folder}/raw/"
        )
    if not is_writable(folder):
        raise DataError(_missing_message(name, folder, f"{folder} is not writable"))
    import torchvision.datasets

    dataset_class = getattr(torchvision.datasets, SOURCES[name].folder)
    try:
        dataset_class(root=str(data_root(root)), train=True, download=True)
    except Exception as error:  # torchvision raises RuntimeError, URLError, HTTP errors...
        raise DataError(_missing_message(name, folder, _reason(error))) from error
    missing = [f for f in ALL_FILES if not (folder / f).is_file()]
    if missing:
        raise DataError(_missing_message(name, folder, f"still missing: {', '.join(missing)}"))


def _checked_arrays(name: str, folder: Path, split: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Images (N, 28, 28) uint8, labels (N,) and an info fragment, after the MD5 checks."""
    digests = []
    arrays = []
    for file_name in SPLIT_FILES[split]:
        path = folder / file_name
        fix = (
            f"Delete {path} and load {name} again to re-download it, "
            f"or copy the official {file_name} there."
        )
        digests.append(f"{file_name} md5 {verify_md5(path, OFFICIAL_MD5[name][file_name], fix)}")
        arrays.append(read_idx(path))
    images, labels = arrays
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(
            f"{folder}: {split} images {images.shape} and labels {labels.shape} do not match"
        )
    if images.dtype != np.uint8 or labels.dtype != np.uint8:
        raise DataError(f"{folder}: expected uint8 IDX files, got {images.dtype}/{labels.dtype}")
    num_classes = len(SOURCES[name].classes)
    if len(labels) and labels.max() >= num_classes:
        raise DataError(f"{folder}: label {labels.max()} outside 0..{num_classes - 1}")
    return images, labels, ", ".join(digests)


def load_idx_dataset(
    name: str, split: str = "train", root: str | os.PathLike[str] | None = None
) -> ImageDataset:
    """Load ``mnist`` or ``fashion-mnist`` (``train`` or ``test``) as uint8 N x 1 x 28 x 28."""
    folder = raw_folder(name, root)
    if not all((folder / f).is_file() for f in SPLIT_FILES[split]):
        download(name, root)
    images, labels, digests = _checked_arrays(name, folder, split)
    count, height, width = images.shape
    source = SOURCES[name]
    info = (
        f"{name} {split}: {count} images 1x{height}x{width} uint8 0-255, "
        f"{len(source.classes)} classes, from {folder} ({digests}; official checksums)"
    )
    return ImageDataset(
        name=name,
        split=split,
        images=torch.from_numpy(images).unsqueeze(1),
        labels=torch.from_numpy(labels.astype(np.int64)),
        num_classes=len(source.classes),
        info=info,
        extra={"class_names": source.classes, "folder": str(folder)},
    )
