"""Atomic writes: a crash mid-write never leaves a half file, and readers never see one.

Checkpoints and run records are written through these helpers, so a run killed while saving
must leave the previous checkpoint or record whole.
"""

from __future__ import annotations

import errno
import json
import os
import pathlib

import pytest
import torch

from gan_zoo import io
from gan_zoo.io import atomic_torch_save, atomic_write, atomic_write_json

OLD = b"old contents, complete\n" * 100


class Crash(Exception):
    """Stands in for a crash or a kill in the middle of a write."""


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_write_that_crashes_halfway_leaves_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / "state.pt"
    target.write_bytes(OLD)

    def half_then_crash(f):
        f.write(b"new contents, only the first ha")
        raise Crash

    with pytest.raises(Crash):
        atomic_write(target, half_then_crash)
    assert target.read_bytes() == OLD
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("interruption", [Crash, KeyboardInterrupt])
def test_an_interruption_between_the_temp_file_and_the_rename_leaves_the_old_file(
    tmp_path, monkeypatch, interruption
):
    target = tmp_path / "record.json"
    target.write_bytes(OLD)
    seen = {}

    def replace_is_interrupted(src, dst):
        # the new bytes are complete and on disk, in a temp file beside the target
        seen["src"], seen["dst"] = str(src), str(dst)
        with open(src, "rb") as f:
            seen["bytes"] = f.read()
        raise interruption

    monkeypatch.setattr(io.os, "replace", replace_is_interrupted)
    with pytest.raises(interruption):
        atomic_write(target, lambda f: f.write(b"new contents"))
    assert target.read_bytes() == OLD
    assert seen["bytes"] == b"new contents"
    assert os.path.dirname(seen["src"]) == str(tmp_path)  # same folder: the rename is atomic
    assert seen["dst"] == str(target) and seen["src"] != seen["dst"]
    # hidden, named after its target, and never matching the target's own pattern
    name = os.path.basename(seen["src"])
    assert name.startswith(".record.json.") and name.endswith(".tmp")
    assert _leftovers(tmp_path) == []


def test_a_temp_file_left_by_a_kill_is_never_read_as_a_record(tmp_path, monkeypatch):
    """SIGKILL skips the clean-up; the leftover must not look like a record to the tables."""
    from benchmarks.records import load_records, write_record

    done = {"status": "complete", "model": "gan", "dataset": "mnist", "budget": "smoke"}
    write_record(tmp_path, {"run_id": "a", **done, "seed": 0, "metrics": {}})

    def killed(src, dst):
        raise Crash

    # scoped: os is shared, and pytest's own clean-up of tmp_path needs the real unlink
    with monkeypatch.context() as patch, pytest.raises(Crash):
        patch.setattr(io.os, "replace", killed)
        patch.setattr(io.os, "unlink", lambda p: None)  # a kill runs no clean-up
        write_record(tmp_path, {"run_id": "b", "status": "complete"})
    assert len(_leftovers(tmp_path / "records")) == 1
    assert [r["run_id"] for r in load_records(tmp_path)] == ["a"]


def test_a_reader_during_the_write_sees_the_whole_old_file_then_the_whole_new_one(tmp_path):
    target = tmp_path / "record.json"
    target.write_bytes(OLD)
    new = b"new contents, also complete\n" * 100
    during = []

    def write_in_pieces(f):
        for i in range(0, len(new), 100):
            f.write(new[i : i + 100])
            f.flush()
            during.append(target.read_bytes())

    atomic_write(target, write_in_pieces)
    assert during and all(seen == OLD for seen in during)
    assert target.read_bytes() == new
    assert _leftovers(tmp_path) == []


def test_the_new_bytes_are_synced_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(io.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(
        io.os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1]
    )
    atomic_write(tmp_path / "x.bin", lambda f: f.write(b"abc"))
    assert events == ["fsync", "replace"]


def test_creates_missing_folders_and_returns_the_path(tmp_path):
    target = tmp_path / "a" / "b" / "c.txt"
    assert atomic_write(target, lambda f: f.write("hello"), "w") == target
    assert target.read_text() == "hello"


def test_json_is_sorted_indented_and_stringifies_what_json_cannot(tmp_path):
    target = tmp_path / "r.json"
    atomic_write_json(target, {"b": 1, "a": tmp_path})
    text = target.read_text()
    assert json.loads(text) == {"a": str(tmp_path), "b": 1}
    assert text == json.dumps({"a": str(tmp_path), "b": 1}, indent=2, sort_keys=True)


def test_torch_save_round_trips_and_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "ckpt.pt"
    atomic_torch_save(target, {"step": 3, "w": torch.arange(4)})
    before = target.read_bytes()
    with pytest.raises(Exception):  # noqa: B017  (pickling a lambda fails inside torch.save)
        atomic_torch_save(target, {"step": 4, "fn": lambda: 0})
    assert target.read_bytes() == before
    loaded = torch.load(target, weights_only=False)
    assert loaded["step"] == 3 and torch.equal(loaded["w"], torch.arange(4))
    assert _leftovers(tmp_path) == []


# --- a file system that refuses the write ------------------------------------------------------


@pytest.mark.parametrize(
    "code", [errno.ENOSPC, errno.EROFS, errno.EACCES, errno.ENOENT], ids=errno.errorcode.get
)
@pytest.mark.parametrize("writer", ["bytes", "json", "torch"])
def test_a_refused_write_is_one_line_naming_the_file_and_the_old_file_stays(
    tmp_path, monkeypatch, code, writer
):
    """The disk fills (or turns read-only, or loses a folder) during the write: the caller gets
    one WriteError that says which file and why, the previous file is whole and no temp file
    is left behind. torch's zip writer hides the OSError behind a RuntimeError of its own."""
    target = tmp_path / "state.pt"
    target.write_bytes(OLD)
    real_fsync = os.fsync

    def refuse(fd):
        if writer == "torch":
            try:
                raise OSError(code, os.strerror(code))
            except OSError:
                raise RuntimeError("[enforce fail at inline_container.cc:672] unexpected pos")  # noqa: B904
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(io.os, "fsync", refuse)
    with pytest.raises(io.WriteError) as caught:
        if writer == "bytes":
            atomic_write(target, lambda f: f.write(b"new"))
        elif writer == "json":
            atomic_write_json(target, {"new": 1})
        else:
            atomic_torch_save(target, {"new": torch.zeros(3)})
    message = str(caught.value)
    assert "\n" not in message and str(target) in message
    assert os.strerror(code) in message and "previous state.pt is kept" in message
    monkeypatch.setattr(io.os, "fsync", real_fsync)
    assert target.read_bytes() == OLD
    assert _leftovers(tmp_path) == []


def test_a_write_error_that_is_not_the_file_systems_passes_through(tmp_path):
    with pytest.raises(ValueError, match="a bug"):
        atomic_write(tmp_path / "x", lambda f: (_ for _ in ()).throw(ValueError("a bug")))


# --- reading tensors back -----------------------------------------------------------------------


class RunsCode:
    """An object whose unpickling creates a file: what a hostile checkpoint would do."""

    def __init__(self, marker) -> None:
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def test_a_file_whose_unpickling_would_run_code_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "code-ran"
    hostile = tmp_path / "state.pt"
    torch.save({"step": 1, "model": RunsCode(pathlib.Path(marker))}, hostile)
    with pytest.raises(io.UnsafeFileError) as caught:
        io.load_tensors(hostile)
    assert not marker.exists()
    assert str(hostile) in str(caught.value) and "\n" not in str(caught.value)
    # the file really is hostile: an unrestricted load runs its code
    torch.load(hostile, weights_only=False)
    assert marker.exists()


class CallsBlockedModule:
    """Unpickling calls ``os.mkdir``: a global from a module torch blocks outright, which torch
    2.14 reports in other words than an unknown class (no "Unsupported global")."""

    def __init__(self, marker) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_a_blocked_module_is_refused_as_foreign_not_taken_for_damage(tmp_path):
    marker = tmp_path / "code-ran"
    hostile = tmp_path / "state.pt"
    torch.save({"step": 1, "model": CallsBlockedModule(marker)}, hostile)
    with pytest.raises(io.UnsafeFileError, match="mkdir"):
        io.load_tensors(hostile)
    assert not marker.exists() and hostile.exists()


def test_a_damaged_file_is_not_called_foreign(tmp_path):
    good = tmp_path / "good.pt"
    torch.save({"w": torch.arange(100.0)}, good)
    cut = tmp_path / "cut.pt"
    cut.write_bytes(good.read_bytes()[:200])
    with pytest.raises(Exception) as caught:
        io.load_tensors(cut)
    assert not isinstance(caught.value, io.UnsafeFileError)


def test_tensors_numpy_arrays_and_plain_data_load_back(tmp_path):
    import numpy as np

    state = {"w": torch.arange(3), "numpy": np.random.get_state(), "t": (1, "a", None), "f": 0.5}
    torch.save(state, tmp_path / "s.pt")
    back = io.load_tensors(tmp_path / "s.pt")
    assert torch.equal(back["w"], state["w"]) and back["t"] == state["t"]
    assert (back["numpy"][1] == state["numpy"][1]).all()
