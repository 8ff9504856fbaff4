"""`--no-progress` silences every bar, including helpers that never see the runner's flags."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_zoo.fitting import train_classifier
from gan_zoo.progress import set_progress


@pytest.fixture
def restore_progress():
    yield
    set_progress(True)


def _train_tiny(desc: str) -> None:
    images = torch.randint(0, 256, (64, 1, 4, 4), dtype=torch.uint8)
    labels = torch.randint(0, 2, (64,))
    net = nn.Sequential(nn.Flatten(), nn.Linear(16, 2))
    train_classifier(net, images, labels, epochs=1, batch_size=16, desc=desc)


@pytest.mark.parametrize("enabled", [True, False])
def test_progress_switch_controls_helper_bars(enabled, capsys, restore_progress):
    set_progress(enabled)
    _train_tiny("tiny-classifier")
    shown = "tiny-classifier" in capsys.readouterr().err
    assert shown is enabled
