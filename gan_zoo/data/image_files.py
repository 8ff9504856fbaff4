"""Images from files: an ``.npz`` of arrays or a folder of image files, as uint8 N x C x H x W.

One reader for every place that takes images from a user (external samples to evaluate, user
datasets): it refuses anything that is not what it claims, in one line (a ``DataError``),
instead of guessing. An image folder is either flat (no labels) or one subfolder per label,
named by the label's index (``0/``, ``1/``, ...); files are read in name order, so the same
folder always gives the same array. Hidden files (``.DS_Store``) are ignored.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from gan_zoo.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
#: Pillow modes of 8-bit images and their channel counts
_MODES = {"L": 1, "RGB": 3}


def value_range(values: np.ndarray) -> str:
    """``lo..hi`` of the finite values, then how many are NaN or infinite: one NaN would make
    ``min()`` and ``max()`` both NaN and hide the range of the rest."""
    finite = np.isfinite(values)
    parts = []
    if finite.any():
        kept = values[finite]
        parts.append(f"{kept.min():g}..{kept.max():g}")
    nan = int(np.isnan(values).sum()) if np.issubdtype(values.dtype, np.inexact) else 0
    inf = int(values.size - finite.sum()) - nan
    parts += [f"{count} {name}" for count, name in ((nan, "NaN"), (inf, "inf")) if count]
    return " and ".join(parts) + ("" if finite.any() else " (none finite)")


def to_nchw(images: np.ndarray, image_shape: tuple[int, int, int], what: str) -> np.ndarray:
    """``images`` (uint8, N x C x H x W or N x H x W x C) as N x C x H x W of ``image_shape``.

    The layout is read from the shape (the channel count sits first or last); a dtype, a
    shape or a range that does not fit is a one-line ``DataError`` naming ``what``.
    """
    c, h, w = image_shape
    if images.dtype != np.uint8:
        found = ""
        if images.size and np.issubdtype(images.dtype, np.number):
            found = f" with values {value_range(images)}"
        raise DataError(
            f"{what} are {images.dtype}{found}; expected uint8 0-255 (from floats in [0, 1]: "
            "(x * 255).round().astype(numpy.uint8))"
        )
    if images.ndim != 4 or images.shape[0] == 0:
        raise DataError(
            f"{what} have shape {images.shape}; expected N x {c} x {h} x {w} or N x {h} x {w} x {c}"
        )
    if images.shape[1:] == (c, h, w):
        out = images
    elif images.shape[1:] == (h, w, c):
        out = images.transpose(0, 3, 1, 2)
    else:
        raise DataError(
            f"{what} are {images.shape[1:]} each; expected {c} x {h} x {w} or {h} x {w} x {c}"
        )
    if int(out.max()) <= 1:
        raise DataError(
            f"{what} hold only values 0..{int(out.max())}: [0, 1] floats cast to uint8? "
            "Scale by 255 before the cast"
        )
    # a fresh C-order copy: ascontiguousarray keeps the odd stride of a transposed size-1
    # channel axis, and torch's convolutions then take another path (features differ by 1e-6)
    return np.array(out, order="C")


def read_npz(path: Path, known: Iterable[str]) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` (never unpickling); a name outside ``known`` is refused, so a
    misspelt ``label`` cannot silently drop the labels."""
    if not zipfile.is_zipfile(path):
        raise DataError(f"{path} is not an .npz archive (not a zip file)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise DataError(f"{path} holds pickled objects; save plain numeric arrays") from None
        raise DataError(f"{path} is not a readable .npz ({exc})") from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"{path} is not a readable .npz ({exc})") from None
    known = tuple(known)
    unknown = sorted(set(arrays) - set(known))
    if unknown:
        raise DataError(
            f"{path} has array(s) {', '.join(map(repr, unknown))}; known: {', '.join(known)}"
        )
    return arrays


def read_image(path: Path, image_shape: tuple[int, int, int]) -> np.ndarray:
    """One 8-bit image of the dataset's size as H x W x C; RGB with equal channels counts as
    grayscale (what ``torchvision.utils.save_image`` writes for one-channel images)."""
    channels, h, w = image_shape
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
            mode = image.mode
            if mode not in _MODES:
                raise DataError(f"{path} is a {mode!r} image; expected 8-bit grayscale (L) or RGB")
            array = np.asarray(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"{path} is not a readable image ({exc})") from None
    if array.shape[:2] != (h, w):
        raise DataError(
            f"{path} is {array.shape[1]} x {array.shape[0]}; the dataset's images are {w} x {h}"
        )
    if array.ndim == 2:
        array = array[:, :, None]
    if array.shape[2] == 3 and channels == 1:
        if not (
            np.array_equal(array[..., 0], array[..., 1])
            and np.array_equal(array[..., 0], array[..., 2])
        ):
            raise DataError(f"{path} is a colour image; the dataset's images are grayscale")
        array = array[..., :1]
    return array


def image_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    for path in files:
        if path.is_dir():
            raise DataError(f"{path} is a folder inside a label folder; only images go there")
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            raise DataError(f"{path} is not an image file (expected {', '.join(IMAGE_SUFFIXES)})")
    return files


def image_shape_of(path: Path) -> tuple[int, int, int]:
    """C x H x W of one image file (C 1 for grayscale, 3 for RGB), for data whose size is not
    known beforehand (a user's dataset takes the size of its first image)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            mode, (w, h) = image.mode, image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"{path} is not a readable image ({exc})") from None
    if mode not in _MODES:
        raise DataError(f"{path} is a {mode!r} image; expected 8-bit grayscale (L) or RGB")
    return _MODES[mode], h, w


def read_image_folder(
    folder: Path, image_shape: tuple[int, int, int], num_classes: int | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """(uint8 N x C x H x W, labels or None) from a flat folder or one subfolder per label."""
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    subfolders = [p for p in entries if p.is_dir()]
    if subfolders and len(subfolders) != len(entries):
        raise DataError(
            f"{folder} mixes image files and subfolders; use one or the other "
            "(subfolders: one per label, named 0, 1, ...)"
        )
    if subfolders:
        bad = [p.name for p in subfolders if not p.name.isdigit()]
        if bad:
            raise DataError(
                f"{folder}: label subfolders are named by the label's index (0, 1, ...), "
                f"not {', '.join(map(repr, bad[:3]))}"
            )
        groups = [(int(p.name), image_files(p)) for p in subfolders]
        check_labels(np.array([g[0] for g in groups]), num_classes, f"{folder} label folders")
        groups.sort()
    else:
        groups = [(-1, image_files(folder))]
    files = [(label, path) for label, paths in groups for path in paths]
    if not files:
        raise DataError(f"{folder} holds no images")
    images = np.stack([read_image(path, image_shape) for _, path in files])
    labels = np.array([label for label, _ in files], dtype=np.int64) if subfolders else None
    return to_nchw(images, image_shape, f"the images in {folder}"), labels


def check_labels(labels: np.ndarray, num_classes: int | None, what: str) -> np.ndarray:
    """Integer labels in 0..num_classes-1 (a dataset without classes takes none)."""
    if num_classes is None:
        raise DataError(f"{what}: the dataset has no classes, so samples cannot carry labels")
    if not np.issubdtype(labels.dtype, np.integer):
        raise DataError(f"{what} are {labels.dtype}; expected integer class indices")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise DataError(
            f"{what} lie in {labels.min()}..{labels.max()}; the dataset's classes are "
            f"0..{num_classes - 1}"
        )
    return labels.astype(np.int64)


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, or of a folder's files (relative names and bytes, in name order)."""
    h = hashlib.sha256()
    if path.is_file():
        files = [path]
    else:
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
    for file in files:
        if file != path:
            h.update(file.relative_to(path).as_posix().encode() + b"\0")
        with open(file, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()
