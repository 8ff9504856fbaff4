"""``pick_device``: CUDA when present, else the CPU; an explicit choice wins if the machine has
it, and anything else is a one-line error."""

from __future__ import annotations

import pytest
import torch

from gan_zoo.errors import ConfigError
from gan_zoo.train import pick_device


@pytest.mark.parametrize("cuda", [False, True])
@pytest.mark.parametrize("asked", [None, "auto"])
def test_auto_is_cuda_when_present_else_cpu(asked, cuda, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    assert pick_device(asked) == torch.device("cuda" if cuda else "cpu")


@pytest.mark.parametrize(
    "asked, expected",
    [("cpu", "cpu"), ("cuda", "cuda"), ("cuda:1", "cuda:1"), (torch.device("cpu"), "cpu")],
)
def test_an_explicit_choice_wins_where_the_machine_has_it(asked, expected, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert pick_device(asked) == torch.device(expected)


@pytest.mark.parametrize(
    "asked, count, fragment",
    [
        ("cuda", 0, "this machine has 0 CUDA device(s)"),
        ("cuda:2", 2, "this machine has 2 CUDA device(s)"),
        ("tpu", 0, "expected auto, cpu, cuda or cuda:N"),
        ("mps", 0, "expected auto, cpu, cuda or cuda:N"),
    ],
)
def test_a_device_this_machine_lacks_is_a_one_line_error(asked, count, fragment, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)
    with pytest.raises(ConfigError) as error:
        pick_device(asked)
    assert fragment in str(error.value) and len(str(error.value).splitlines()) == 1


def test_the_trainer_and_runner_use_it(monkeypatch):
    """Every entry point resolves devices through the same function (the runner's runs through
    their RunConfig)."""
    import gan_zoo.metrics.judge
    import gan_zoo.models.sgan_encoder
    import gan_zoo.run_config
    import gan_zoo.train.trainer

    assert gan_zoo.run_config.pick_device is pick_device
    assert gan_zoo.train.trainer.pick_device is pick_device
    assert gan_zoo.metrics.judge.pick_device is pick_device
    assert gan_zoo.models.sgan_encoder.pick_device is pick_device
