"""The harness's speed options: each is plumbing around the same mathematics."""

from __future__ import annotations

import pytest
import torch

from gan_zoo.config import Budget
from gan_zoo.models import build
from gan_zoo.train import Trainer, speed
from gan_zoo.train.seeding import seed_everything
from gan_zoo.train.speed import ALL_OFF as OFF


def _train(dataset, steps: int = 4, **options) -> tuple[torch.nn.Module, list[dict]]:
    seed_everything(3)
    model = build("infogan", dataset, **{**OFF, **options})
    result = Trainer(model, dataset, Budget("t", steps, 1000, 1, ""), seed=3, progress=False).fit()
    return model, result.history


def test_amp_falls_back_to_fp32_with_a_warning_where_bf16_would_be_emulated(monkeypatch):
    monkeypatch.setattr(speed, "bf16_is_fast", lambda device: False)
    with pytest.warns(UserWarning, match="emulate"):
        options = speed.SpeedOptions.from_hparams({"amp": True}, torch.device("cpu"))
    assert options.amp is False


@pytest.mark.skipif(not speed.bf16_is_fast(torch.device("cpu")), reason="no native bf16 here")
def test_bf16_training_tracks_fp32_training(mnist_small):
    """Same seed, amp on vs off: the losses agree to bf16 precision over the first steps."""
    _, fp32 = _train(mnist_small)
    _, bf16 = _train(mnist_small, amp=True)
    for a, b in zip(fp32, bf16, strict=True):
        assert b["loss_d"] == pytest.approx(a["loss_d"], rel=0.05)
        assert b["li_c1"] == pytest.approx(a["li_c1"], abs=0.05)


def test_channels_last_changes_layout_not_results(mnist_small):
    """Same forward numbers (to float rounding); weights differ only by Adam amplifying ulps."""
    _, plain = _train(mnist_small, steps=3)
    last, fast = _train(mnist_small, steps=3, channels_last=True)
    conv = last.discriminator.trunk.conv[0].weight
    assert conv.is_contiguous(memory_format=torch.channels_last)
    assert fast[0]["loss_d"] == pytest.approx(plain[0]["loss_d"], rel=1e-5)
    for a, b in zip(plain, fast, strict=True):
        assert b["loss_g"] == pytest.approx(a["loss_g"], rel=1e-2)
        assert b["li_c1"] == pytest.approx(a["li_c1"], abs=1e-2)


def test_compile_trains_and_keeps_checkpoint_keys(mnist_small, tmp_path):
    """torch.compile of each network (plumbing: compile is slower on the CPU it is built on)."""
    model, history = _train(mnist_small, steps=2, compile=True)
    assert len(history) == 2 and all(torch.isfinite(torch.tensor(h["loss_d"])) for h in history)
    fresh = build("infogan", mnist_small, **OFF)
    assert set(model.state_dict()) == set(fresh.state_dict())


def test_fused_adam_is_a_switch(mnist_small):
    for fused in (False, True):
        model = build("infogan", mnist_small, **{**OFF, "fused_adam": fused})
        trainer = Trainer(model, mnist_small, Budget("t", 1, 1, 1, ""), seed=0, progress=False)
        assert all(bool(o.defaults.get("fused")) is fused for o in trainer.optimizers.values())
