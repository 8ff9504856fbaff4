"""A damaged checkpoint costs at most one checkpoint interval, never the run."""

from __future__ import annotations

import logging
import re

import pytest
import torch

from gan_zoo.train.checkpoints import REQUIRED, CheckpointFiles


@pytest.fixture
def run(data, train):
    """``run(run_dir, stop=None)``: gan on the smoke budget, 30 steps, a checkpoint every 15."""

    def go(run_dir, stop=None):
        return train("gan", data, "smoke", seed=1, run_dir=run_dir, stop=stop, batch_size=16)

    return go


def _truncate(path, keep: int = 100) -> None:
    path.write_bytes(path.read_bytes()[:keep])


def test_each_save_keeps_the_previous_checkpoint(run, tmp_path):
    run(tmp_path, stop=20)  # saves at step 15, then at 20 (interrupted)
    files = CheckpointFiles(tmp_path)
    assert torch.load(files.current, weights_only=False)["step"] == 20
    assert torch.load(files.previous, weights_only=False)["step"] == 15


def test_a_truncated_checkpoint_falls_back_to_the_previous_one(run, tmp_path, caplog):
    run(tmp_path, stop=20)
    files = CheckpointFiles(tmp_path)
    _truncate(files.current)
    with caplog.at_level(logging.WARNING):
        _, result = run(tmp_path)
    assert result.status == "complete" and result.step == 30
    messages = [r.getMessage() for r in caplog.records]
    assert any("unreadable" in m for m in messages)
    assert any("previous checkpoint" in m for m in messages)
    assert CheckpointFiles.aside(files.current).exists()
    # resumed from step 15, not 20: the history's intervals after 15 were trained again once
    steps = [row["step"] for row in result.history]
    assert steps == sorted(set(steps)) and steps[-1] == 30


def test_resuming_from_the_fallback_matches_an_uninterrupted_run(run, tmp_path):
    straight, _ = run(tmp_path / "straight")
    run(tmp_path / "cut", stop=20)
    _truncate(CheckpointFiles(tmp_path / "cut").current)
    resumed, _ = run(tmp_path / "cut")
    a, b = straight.state_dict(), resumed.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_no_readable_checkpoint_starts_the_run_again(run, tmp_path, caplog):
    run(tmp_path, stop=20)
    files = CheckpointFiles(tmp_path)
    _truncate(files.current)
    _truncate(files.previous, keep=0)
    with caplog.at_level(logging.WARNING):
        _, result = run(tmp_path)
    assert result.status == "complete" and result.step == 30
    assert any("starting the run again" in r.getMessage() for r in caplog.records)
    assert result.history[0]["step"] == 5  # the history starts again too


def test_a_checkpoint_without_the_resume_state_is_not_trusted(tmp_path):
    files = CheckpointFiles(tmp_path)
    torch.save({"step": 3}, files.current)
    assert files.load() is None
    assert not files.current.exists()


@pytest.mark.parametrize("present", ["current", "previous"])
def test_clear_forgets_every_checkpoint(tmp_path, present):
    files = CheckpointFiles(tmp_path)
    getattr(files, present).write_bytes(b"x")
    assert files.exists()
    files.clear()
    assert not files.exists()


def _state(step: int) -> dict:
    """The smallest state ``load`` accepts: every required key, the step to tell them apart."""
    return {**{key: {} for key in REQUIRED}, "step": step, "status": "running"}


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "gan_zoo.train.checkpoints"]


def test_a_crash_between_the_two_renames_resumes_from_the_previous_checkpoint(tmp_path, caplog):
    """``save`` moves the current checkpoint aside before writing the new one: a crash in
    between leaves only the previous one, and that is a normal resume, not a damaged file."""
    files = CheckpointFiles(tmp_path)
    files.save(_state(15))
    files.save(_state(20))
    files.current.unlink()  # the state of the disk right after the first rename
    with caplog.at_level(logging.WARNING):
        assert files.load()["step"] == 15
    assert _warnings(caplog) == []


def test_an_unreadable_checkpoint_is_set_aside_with_warnings_naming_both_files(tmp_path, caplog):
    files = CheckpointFiles(tmp_path)
    files.save(_state(15))
    files.save(_state(20))
    files.current.write_bytes(b"")  # a copy cut short at its first byte
    with caplog.at_level(logging.WARNING):
        assert files.load()["step"] == 15
    assert _warnings(caplog) == [
        f"checkpoint {files.current} is unreadable (EOFError); moved to "
        f"{files.aside(files.current).name}",
        f"resuming {tmp_path} from the previous checkpoint {files.previous.name}",
    ]
    assert files.aside(files.current).read_bytes() == b""
    assert not files.current.exists() and files.previous.exists()


def test_a_checkpoint_missing_resume_keys_names_them_and_none_left_starts_again(tmp_path, caplog):
    files = CheckpointFiles(tmp_path)
    torch.save({"step": 3, "status": "running", "model": {}}, files.previous)
    with caplog.at_level(logging.WARNING):
        assert files.load() is None
    assert _warnings(caplog) == [
        f"checkpoint {files.previous} is unreadable (missing optimizers, generator, sampler, "
        f"history, rng); moved to {files.aside(files.previous).name}",
        f"no readable checkpoint in {tmp_path}; starting the run again",
    ]
    assert not files.exists()


def test_an_error_without_a_message_is_named_by_its_type(tmp_path, caplog, monkeypatch):
    """The warning must always give a reason; some of torch's errors have no text."""
    import gan_zoo.train.checkpoints

    def raise_without_message(path):
        raise ArithmeticError

    files = CheckpointFiles(tmp_path)
    files.save(_state(1))
    monkeypatch.setattr(gan_zoo.train.checkpoints, "load_tensors", raise_without_message)
    with caplog.at_level(logging.WARNING):
        assert files.load() is None
    assert f"checkpoint {files.current} is unreadable (ArithmeticError)" in _warnings(caplog)[0]


def test_a_cuda_checkpoint_is_read_onto_the_cpu(tmp_path):
    """RNG states must come back as CPU byte tensors whatever device wrote them; the model and
    optimisers move their own tensors when they load. Needs CUDA to write such a checkpoint."""
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine")
    files = CheckpointFiles(tmp_path)
    files.save({**_state(1), "model": {"w": torch.ones(2, device="cuda")}})
    assert files.load()["model"]["w"].device.type == "cpu"


def test_a_checkpoint_whose_unpickling_would_run_code_is_refused_and_left_in_place(run, tmp_path):
    """A run folder copied from someone else must not execute anything when resumed."""
    from test_io import RunsCode

    from gan_zoo.io import UnsafeFileError

    marker = tmp_path / "code-ran"
    files = CheckpointFiles(tmp_path)
    torch.save({k: RunsCode(marker) for k in REQUIRED}, files.current)
    with pytest.raises(UnsafeFileError, match=rf"refused .*{re.escape(files.current.name)}"):
        files.load()
    assert not marker.exists() and files.current.exists()
    with pytest.raises(UnsafeFileError):
        run(tmp_path)
    assert not marker.exists()


@pytest.mark.parametrize("stale", [False, True])
def test_a_full_disk_at_the_previous_link_leaves_no_temp_link(tmp_path, monkeypatch, stale):
    """ENOSPC at the rename of the temp link onto checkpoint.prev.pt: the save fails as a
    write error, the temp link (and a stale one from an earlier crash) is gone, and the
    current checkpoint is untouched (issue 35)."""
    import errno
    import os

    from gan_zoo.io import WriteError

    files = CheckpointFiles(tmp_path)
    files.save(_state(15))
    temp = tmp_path / f".{files.previous.name}.link"
    if stale:
        temp.write_bytes(b"left by a crash")
    real_replace = os.replace

    def replace(src, dst):
        if os.fspath(dst) == os.fspath(files.previous):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fspath(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(WriteError):
        files.save(_state(20))
    assert not temp.exists() and not files.previous.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [files.current.name]
    monkeypatch.undo()
    assert files.load()["step"] == 15
