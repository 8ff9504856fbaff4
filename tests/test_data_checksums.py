"""MD5 checks: correct hashes, one hash per file per process, clear mismatch errors."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from gan_zoo.data import checksums
from gan_zoo.data.checksums import OFFICIAL_MD5, md5_file, verify_md5
from gan_zoo.errors import DataError


def test_md5_matches_hashlib_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checksums, "_CHUNK", 7)  # force many chunks on a small file
    data = bytes(range(256)) * 3
    path = tmp_path / "f"
    path.write_bytes(data)
    assert md5_file(path) == hashlib.md5(data).hexdigest()


def test_same_file_is_hashed_once_until_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real_md5 = hashlib.md5

    def counting_md5(*args, **kwargs):
        calls.append(1)
        return real_md5(*args, **kwargs)

    monkeypatch.setattr(checksums.hashlib, "md5", counting_md5)
    path = tmp_path / "f"
    path.write_bytes(b"first")
    first = md5_file(path)
    assert md5_file(path) == first
    assert len(calls) == 1
    path.write_bytes(b"second, longer")
    os.utime(path, ns=(1, 1))  # a new mtime and size: the file must be hashed again
    assert md5_file(path) == real_md5(b"second, longer").hexdigest()
    assert len(calls) == 2


def test_mismatch_names_file_both_hashes_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"not mnist")
    actual = hashlib.md5(b"not mnist").hexdigest()
    expected = OFFICIAL_MD5["mnist"]["train-images-idx3-ubyte"]
    with pytest.raises(DataError) as error:
        verify_md5(path, expected, "Delete it and download again.")
    message = str(error.value)
    assert str(path) in message
    assert expected in message and actual in message
    assert "Delete it and download again." in message


def test_match_returns_the_hash(tmp_path: Path) -> None:
    path = tmp_path / "ok"
    path.write_bytes(b"ok")
    digest = hashlib.md5(b"ok").hexdigest()
    assert verify_md5(path, digest, "unused") == digest


def test_official_tables_are_complete_and_well_formed() -> None:
    names = {
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    }
    for dataset in ("mnist", "fashion-mnist"):
        table = OFFICIAL_MD5[dataset]
        assert set(table) == names
        assert all(len(v) == 32 and int(v, 16) >= 0 for v in table.values())
    assert not set(OFFICIAL_MD5["mnist"].values()) & set(OFFICIAL_MD5["fashion-mnist"].values())
