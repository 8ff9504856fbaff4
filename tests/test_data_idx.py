"""IDX parsing on small files written by the tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gan_zoo.data.idx import read_idx, write_idx
from gan_zoo.errors import DataError


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
def test_round_trip_keeps_values_shape_and_dtype(tmp_path: Path, dtype: str) -> None:
    rng = np.random.default_rng(0)
    array = (rng.standard_normal((3, 4, 5)) * 100).astype(dtype)
    back = read_idx(write_idx(tmp_path / "a.idx", array))
    assert back.dtype == np.dtype(dtype)
    assert back.shape == (3, 4, 5)
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable  # torch.from_numpy warns on read-only arrays


def test_header_is_big_endian_mnist_style(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "labels", np.arange(7, dtype=np.uint8))
    raw = path.read_bytes()
    assert raw[:4] == bytes([0, 0, 0x08, 1])
    assert raw[4:8] == (7).to_bytes(4, "big")
    assert raw[8:] == bytes(range(7))
    wide = write_idx(tmp_path / "wide", np.array([258], dtype=np.int16)).read_bytes()
    assert wide[-2:] == bytes([1, 2])  # 258 big-endian


def test_empty_array_round_trips(tmp_path: Path) -> None:
    empty = read_idx(write_idx(tmp_path / "e", np.zeros((0, 28, 28), dtype=np.uint8)))
    assert empty.shape == (0, 28, 28)


def test_truncated_payload_is_refused_with_sizes(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "imgs", np.ones((10, 28, 28), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataError, match="truncated") as error:
        read_idx(path)
    message = str(error.value)
    assert str(path) in message
    assert str(16 + 10 * 28 * 28) in message  # expected size
    assert str(16 + 10 * 28 * 28 - 100) in message  # actual size


def test_truncated_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "short"
    path.write_bytes(bytes([0, 0, 0x08, 3, 0, 0, 0, 5]))  # promises 3 dims, has 1
    with pytest.raises(DataError, match="truncated"):
        read_idx(path)


def test_trailing_bytes_are_refused(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "long", np.zeros(4, dtype=np.uint8))
    path.write_bytes(path.read_bytes() + b"\x00")
    with pytest.raises(DataError, match="longer than its header"):
        read_idx(path)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x00",
        b"PK\x03\x04" + bytes(16),
        b"\x1f\x8b\x08\x00" + bytes(16),
        b"\x00\x01\x08\x01",
    ],
    ids=["empty", "two-bytes", "zip", "gzip", "nonzero-second-byte"],
)
def test_bad_magic_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "not-idx"
    path.write_bytes(content)
    with pytest.raises(DataError, match="not an IDX file") as error:
        read_idx(path)
    assert str(path) in str(error.value)


def test_unknown_type_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd"
    path.write_bytes(bytes([0, 0, 0x0A, 1, 0, 0, 0, 1, 7]))
    with pytest.raises(DataError, match="type code 0x0a"):
        read_idx(path)


def test_writer_refuses_types_idx_cannot_hold(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot store"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=np.int64))
