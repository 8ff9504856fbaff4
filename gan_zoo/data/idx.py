"""Reader and writer for the IDX format of the MNIST family.

Our own parser rather than torchvision's internals, so loading never depends on private
torchvision functions and a truncated or foreign file fails with a message that names it.

Layout: two zero bytes, a type code, the number of dimensions, one big-endian uint32 per
dimension, then the values in C order, big-endian.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from gan_zoo.errors import DataError

# IDX type code -> big-endian numpy dtype (from the format description on the MNIST page).
_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dtype.newbyteorder("="): code for code, dtype in _DTYPES.items()}


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """The array stored in an IDX file, in native byte order and writable.

    Raises ``DataError`` naming the file when the header is not IDX or the payload is
    shorter or longer than the header promises (a truncated download, say).
    """
    path = Path(path)
    size = path.stat().st_size
    with path.open("rb") as handle:
        magic = handle.read(4)
        if len(magic) < 4 or magic[0] != 0 or magic[1] != 0:
            raise DataError(
                f"{path} is not an IDX file (bad magic number {magic.hex() or 'empty'})"
            )
        code, ndim = magic[2], magic[3]
        if code not in _DTYPES:
            raise DataError(f"{path}: unknown IDX type code 0x{code:02x}")
        raw_dims = handle.read(4 * ndim)
        if len(raw_dims) < 4 * ndim:
            raise DataError(f"{path} is truncated: the header ends after {size} bytes")
        dims = struct.unpack(f">{ndim}I", raw_dims)
        dtype = _DTYPES[code]
        count = int(np.prod(dims, dtype=np.int64))
        expected = 4 + 4 * ndim + count * dtype.itemsize
        if size != expected:
            problem = "truncated" if size < expected else "longer than its header says"
            raise DataError(
                f"{path} is {problem}: {size} bytes, expected {expected} for shape {dims}"
            )
        values = np.fromfile(handle, dtype=dtype, count=count)
    return values.reshape(dims).astype(dtype.newbyteorder("="), copy=False)


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> Path:
    """Write ``array`` as an IDX file (used for synthetic test data and conversions)."""
    array = np.ascontiguousarray(array)
    native = array.dtype.newbyteorder("=")
    if native not in _CODES:
        raise ValueError(f"IDX cannot store dtype {array.dtype}")
    code = _CODES[native]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path = Path(path)
    path.write_bytes(header + array.astype(_DTYPES[code], copy=False).tobytes())
    return path
