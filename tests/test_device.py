"""``pick_device``: CUDA when present, else the CPU; an explicit choice always wins."""

from __future__ import annotations

import pytest
import torch

from gan_zoo.train import pick_device


@pytest.mark.parametrize("cuda", [False, True])
@pytest.mark.parametrize("asked", [None, "auto"])
def test_auto_is_cuda_when_present_else_cpu(asked, cuda, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    assert pick_device(asked) == torch.device("cuda" if cuda else "cpu")


@pytest.mark.parametrize("cuda", [False, True])
@pytest.mark.parametrize(
    "asked, expected",
    [("cpu", "cpu"), ("cuda", "cuda"), ("cuda:1", "cuda:1"), (torch.device("cpu"), "cpu")],
)
def test_an_explicit_choice_wins(asked, expected, cuda, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    assert pick_device(asked) == torch.device(expected)


def test_the_trainer_and_runner_use_it(monkeypatch):
    """Both entry points resolve devices through the same function."""
    import benchmarks.execute
    import gan_zoo.train.trainer

    assert benchmarks.execute.pick_device is pick_device
    assert gan_zoo.train.trainer.pick_device is pick_device
