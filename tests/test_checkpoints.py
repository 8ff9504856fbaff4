"""A damaged checkpoint costs at most one checkpoint interval, never the run."""

from __future__ import annotations

import logging

import pytest
import torch

from gan_zoo.train import train_run
from gan_zoo.train.checkpoints import CheckpointFiles


def _run(dataset, run_dir, stop_after=None):
    return train_run(
        "gan",
        dataset,
        "smoke",  # 30 steps, a checkpoint every 15
        seed=1,
        run_dir=run_dir,
        device="cpu",
        progress=False,
        stop_after=stop_after,
    )


def _truncate(path, keep: int = 100) -> None:
    path.write_bytes(path.read_bytes()[:keep])


def test_each_save_keeps_the_previous_checkpoint(mnist_small, tmp_path):
    _run(mnist_small, tmp_path, stop_after=20)  # saves at step 15, then at 20 (interrupted)
    files = CheckpointFiles(tmp_path)
    assert torch.load(files.current, weights_only=False)["step"] == 20
    assert torch.load(files.previous, weights_only=False)["step"] == 15


def test_a_truncated_checkpoint_falls_back_to_the_previous_one(mnist_small, tmp_path, caplog):
    _run(mnist_small, tmp_path, stop_after=20)
    files = CheckpointFiles(tmp_path)
    _truncate(files.current)
    with caplog.at_level(logging.WARNING):
        _, result = _run(mnist_small, tmp_path)
    assert result.status == "complete" and result.step == 30
    messages = [r.getMessage() for r in caplog.records]
    assert any("unreadable" in m for m in messages)
    assert any("previous checkpoint" in m for m in messages)
    assert (tmp_path / "checkpoint.pt.corrupt").exists()
    # resumed from step 15, not 20: the history's intervals after 15 were trained again once
    steps = [row["step"] for row in result.history]
    assert steps == sorted(set(steps)) and steps[-1] == 30


def test_resuming_from_the_fallback_matches_an_uninterrupted_run(mnist_small, tmp_path):
    straight, _ = _run(mnist_small, tmp_path / "straight")
    _run(mnist_small, tmp_path / "cut", stop_after=20)
    _truncate(CheckpointFiles(tmp_path / "cut").current)
    resumed, _ = _run(mnist_small, tmp_path / "cut")
    a, b = straight.state_dict(), resumed.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_no_readable_checkpoint_starts_the_run_again(mnist_small, tmp_path, caplog):
    _run(mnist_small, tmp_path, stop_after=20)
    files = CheckpointFiles(tmp_path)
    _truncate(files.current)
    _truncate(files.previous, keep=0)
    with caplog.at_level(logging.WARNING):
        _, result = _run(mnist_small, tmp_path)
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
    files.clear()
    assert not files.exists()
