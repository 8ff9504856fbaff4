"""The harness's speed options: each is plumbing around the same mathematics."""

from __future__ import annotations

import pytest
import torch

from gan_zoo.config import Budget
from gan_zoo.errors import ConfigError
from gan_zoo.models import build
from gan_zoo.train import Trainer, speed
from gan_zoo.train.seeding import seed_everything
from gan_zoo.train.speed import ALL_OFF as OFF


def _train(
    dataset, steps: int = 4, device: str | torch.device = "cpu", **options
) -> tuple[torch.nn.Module, list[dict]]:
    seed_everything(3)
    model = build("infogan", dataset, **{**OFF, **options})
    budget = Budget("t", steps, 1000, 1, "")
    result = Trainer(model, dataset, budget, seed=3, device=device, progress=False).fit()
    return model, result.history


def test_amp_falls_back_to_fp32_with_one_plain_note_where_bf16_would_be_emulated(
    monkeypatch, capsys, recwarn
):
    """A fact of the machine, not of a run: one plain line per process, no warning's source
    line, however many runs meet it."""
    from gan_zoo import progress

    monkeypatch.setattr(speed, "bf16_is_fast", lambda device: False)
    monkeypatch.setattr(progress, "_said", set())
    for _ in range(3):
        options = speed.SpeedOptions.from_hparams({"amp": True}, torch.device("cpu"))
        assert options.amp is False
    err = capsys.readouterr().err
    assert err.count("asks for bf16") == 1 and err.startswith("note: amp=1 asks for bf16")
    assert not [w for w in recwarn if "bf16" in str(w.message)]


@pytest.mark.skipif(not speed.bf16_is_fast(torch.device("cpu")), reason="no native bf16 here")
def test_bf16_training_tracks_fp32_training(mnist_small):
    """Same seed, amp on vs off: the losses agree to bf16 precision over the first steps."""
    _, fp32 = _train(mnist_small)
    _, bf16 = _train(mnist_small, amp=True)
    for a, b in zip(fp32, bf16, strict=True):
        assert b["loss_d"] == pytest.approx(a["loss_d"], rel=0.05)
        assert b["li_c1"] == pytest.approx(a["li_c1"], abs=0.05)


def test_channels_last_changes_layout_not_results(mnist_small, device):
    """Same forward numbers (to float rounding); weights differ only by Adam amplifying ulps.

    On CUDA the comparison runs with the ``deterministic`` option: without it cuDNN may pick
    other algorithms per layout and round convolutions to TF32 (relative error ~1e-4)."""
    opts = {"device": device, "deterministic": device.type == "cuda"}
    _, plain = _train(mnist_small, steps=3, **opts)
    last, fast = _train(mnist_small, steps=3, channels_last=True, **opts)
    conv = last.discriminator.trunk.conv[0].weight
    assert conv.is_contiguous(memory_format=torch.channels_last)
    assert fast[0]["loss_d"] == pytest.approx(plain[0]["loss_d"], rel=1e-5)
    for a, b in zip(plain, fast, strict=True):
        assert b["loss_g"] == pytest.approx(a["loss_g"], rel=1e-2)
        assert b["li_c1"] == pytest.approx(a["li_c1"], abs=1e-2)


def test_compile_trains_and_keeps_checkpoint_keys(mnist_small, device):
    """torch.compile of each network (plumbing: compile is slower on the CPU it is built on).

    On CUDA with channels_last it is refused before training (an inductor stride bug), so it
    runs there with contiguous weights; on the CPU the combination works and is tested."""
    layout = {"channels_last": device.type == "cpu"}
    model, history = _train(mnist_small, steps=2, device=device, compile=True, **layout)
    assert len(history) == 2 and all(torch.isfinite(torch.tensor(h["loss_d"])) for h in history)
    fresh = build("infogan", mnist_small, **OFF)
    assert set(model.state_dict()) == set(fresh.state_dict())


def test_compile_with_channels_last_is_refused_on_cuda_before_training():
    hp = {**OFF, "compile": True, "channels_last": True}
    with pytest.raises(ConfigError, match="channels_last=0"):
        speed.SpeedOptions.from_hparams(hp, torch.device("cuda"))
    assert speed.SpeedOptions.from_hparams(hp, torch.device("cpu")).compile


def test_fused_adam_is_a_switch(mnist_small):
    for fused in (False, True):
        model = build("infogan", mnist_small, **{**OFF, "fused_adam": fused})
        trainer = Trainer(model, mnist_small, Budget("t", 1, 1, 1, ""), seed=0, progress=False)
        assert all(bool(o.defaults.get("fused")) is fused for o in trainer.optimizers.values())
