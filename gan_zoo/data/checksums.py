"""Official checksums of the raw data files, and a hash check that runs once per file.

A benchmark that silently trains on a truncated or altered file compares nothing, so every
raw file is hashed after loading and refused on a mismatch. Hashes are remembered per
(path, size, mtime) so a process that loads the same split twice hashes it once.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from gan_zoo.errors import DataError

# MD5 of the *uncompressed* IDX files, keyed by dataset name, then file name.
OFFICIAL_MD5: dict[str, dict[str, str]] = {
    # The files published on the MNIST page (LeCun, Cortes, Burges), as listed in the issue
    # and matching the copies in shared/data.
    "mnist": {
        "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
        "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
        "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
        "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
    },
    # zalandoresearch/fashion-mnist, data/fashion/*.gz decompressed. The label hashes were
    # computed here from the repository's own .gz files (whose MD5s match the official
    # ones torchvision lists); the image .gz files are too large for the mirror we had, so
    # their hashes are the ones published for the decompressed files by torchvision-style
    # dataset classes in several independent projects (the ``raw_data`` tables of
    # FashionMNIST loaders, and a MindSpore Fashion-MNIST tutorial's ``md5sum`` output),
    # all of which agree with each other and with our label hashes.
    "fashion-mnist": {
        "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
        "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
        "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
        "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
    },
}

_CHUNK = 1 << 22
_known: dict[tuple[str, int, int], str] = {}


def md5_file(path: str | os.PathLike[str]) -> str:
    """Hex MD5 of a file, computed once per (path, size, mtime) in this process."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _known:
        digest = hashlib.md5(usedforsecurity=False)
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        _known[key] = digest.hexdigest()
    return _known[key]


def verify_md5(path: str | os.PathLike[str], expected: str, fix: str) -> str:
    """Return the file's MD5, or raise ``DataError`` naming the file, both hashes and ``fix``."""
    actual = md5_file(path)
    if actual != expected:
        raise DataError(
            f"{path} is corrupt or not the official file: MD5 {actual}, expected {expected}. {fix}"
        )
    return actual
