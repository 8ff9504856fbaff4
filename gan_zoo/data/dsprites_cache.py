"""On-disk cache of the procedural dSprites set, bit-packed (377 MB instead of 3 GB).

Rendering takes a few seconds of CPU per run; the cache keeps every run of a benchmark on
the same bytes and lets a read-only data root fall back to the user cache folder. A
sidecar JSON holds the MD5 of the packed file, so a truncated or stale cache is noticed and
rebuilt rather than trained on.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from gan_zoo.data.checksums import md5_file
from gan_zoo.data.dsprites_factors import IMAGE_SIZE, NUM_IMAGES
from gan_zoo.data.folders import is_writable
from gan_zoo.digest_cache import set_aside
from gan_zoo.errors import DataError
from gan_zoo.io import atomic_write, atomic_write_json
from gan_zoo.paths import cache_root, data_root

# Bump when the renderer's output changes, so old caches are never mistaken for new ones.
RENDER_VERSION = 1
CACHE_NAME = f"gan_zoo_dsprites_v{RENDER_VERSION}_packed.npy"


def cache_folders(root: str | os.PathLike[str] | None = None) -> list[Path]:
    """Where the cache may live, in order of preference: data root, then cache root."""
    return [data_root(root) / "dsprites", cache_root() / "dsprites"]


def _sidecar(path: Path) -> Path:
    return path.with_suffix(".json")


def read_cache(folder: Path, count: int = NUM_IMAGES) -> tuple[np.ndarray, Path, str] | None:
    """The cached images (count, 64, 64) uint8 0/255, the file and its MD5; None if absent or bad."""
    path = folder / CACHE_NAME
    if not path.is_file():
        return None
    try:
        recorded = json.loads(_sidecar(path).read_text())["md5"]
        if md5_file(path) != recorded:
            raise ValueError(f"its MD5 is not the recorded {recorded}")
        packed = np.load(path, allow_pickle=False)
        if packed.shape != (count, IMAGE_SIZE, IMAGE_SIZE // 8) or packed.dtype != np.uint8:
            raise ValueError(f"it holds {packed.dtype} {packed.shape}")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        set_aside(path, exc, companions=(_sidecar(path),))
        return None
    images = np.unpackbits(packed, axis=-1)
    del packed
    np.multiply(images, np.uint8(255), out=images)
    return images, path, recorded


def writable_folder(folders: list[Path]) -> Path:
    """The first folder we may write the cache to, or a ``DataError`` saying how to fix it."""
    for folder in folders:
        if is_writable(folder):
            return folder
    tried = ", ".join(str(f) for f in folders)
    raise DataError(
        f"cannot write the generated dSprites cache: none of these folders is writable: "
        f"{tried}. Set GAN_ZOO_DATA or GAN_ZOO_CACHE to a writable folder, or pass root=."
    )


def write_cache(folder: Path, images: np.ndarray) -> tuple[Path, str]:
    """Write images (N, 64, 64, values 0 or nonzero) bit-packed, atomically; return path, MD5."""
    path = folder / CACHE_NAME
    packed = np.packbits(images, axis=-1)
    try:
        atomic_write(path, lambda handle: np.save(handle, packed, allow_pickle=False))
        path.chmod(0o644)  # a shared read-only cache for everyone on the machine
        digest = md5_file(path)
        atomic_write_json(_sidecar(path), {"md5": digest, "render_version": RENDER_VERSION})
    except OSError as error:
        raise DataError(f"cannot write the dSprites cache to {folder}: {error}") from error
    return path, digest
