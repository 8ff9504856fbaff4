"""The harness on real MNIST: models learn, runs resume exactly, NaN and Ctrl-C end cleanly."""

from __future__ import annotations

import math
import os
import signal
import threading

import pytest
import torch

from gan_zoo.config import Budget
from gan_zoo.models import build
from gan_zoo.train import Trainer, train_run
from gan_zoo.train.seeding import seed_everything

ALL = ["gan", "cgan", "acgan", "infogan", "infogan_noinfo", "sgan"]


@pytest.mark.parametrize("name", ALL)
def test_every_model_trains_at_smoke_budget_without_divergence(name, mnist_small, tmp_path):
    _, result = train_run(name, mnist_small, "smoke", seed=0, run_dir=tmp_path, progress=False)
    assert result.status == "complete" and result.step == 30
    assert (tmp_path / "checkpoint.pt").exists() and (tmp_path / "history.csv").exists()
    last = result.history[-1]
    assert math.isfinite(last["loss_d"]) and math.isfinite(last["loss_g"])


def test_infogan_information_bound_rises_towards_ln10(mnist_small):
    budget = Budget("t", 60, 1000, 10, "")
    seed_everything(0)
    model = build("infogan", mnist_small)
    result = Trainer(model, mnist_small, budget, seed=0, progress=False).fit()
    first, last = result.history[0]["li_c1"], result.history[-1]["li_c1"]
    assert first < 0.8, first  # starts near 0 nats
    assert last > 1.5, last  # climbs towards ln 10 = 2.30 within 60 steps
    assert last <= math.log(10) + 1e-4


def test_discriminator_beats_chance_after_a_few_steps(mnist_small):
    seed_everything(0)
    model = build("gan", mnist_small)
    Trainer(model, mnist_small, Budget("t", 25, 1000, 5, ""), seed=0, progress=False).fit()
    # train mode, as D sees batches while training: 25 steps leave BN running stats unsettled
    with torch.no_grad():
        real = model.discriminator(mnist_small.images[-500:].float() / 255)["adv"]
        fake = model.discriminator(
            model.generate(model.latent.sample(500, torch.Generator().manual_seed(9)))
        )["adv"]
    acc = ((real > 0).float().mean() + (fake < 0).float().mean()) / 2
    assert acc > 0.6, float(acc)


@pytest.mark.parametrize("name", ["infogan", "sgan"])
def test_resume_equals_uninterrupted_exactly(name, mnist_small, tmp_path):
    budget = "smoke"
    full, _ = train_run(
        name, mnist_small, budget, seed=4, run_dir=tmp_path / "full", progress=False
    )
    _, cut = train_run(
        name, mnist_small, budget, seed=4, run_dir=tmp_path / "cut", progress=False, stop_after=11
    )
    assert cut.status == "interrupted" and cut.step == 11
    resumed, res = train_run(
        name, mnist_small, budget, seed=4, run_dir=tmp_path / "cut", progress=False
    )
    assert res.status == "complete" and res.step == 30
    a, b = full.state_dict(), resumed.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_absurd_learning_rate_ends_as_diverged_not_an_exception(mnist_small, tmp_path):
    _, result = train_run(
        "gan",
        mnist_small,
        "smoke",
        seed=0,
        overrides={"lr_d": 1e30, "lr_g": 1e30},
        run_dir=tmp_path,
        progress=False,
    )
    assert result.status == "diverged"
    assert "non-finite" in result.error and result.step < 30


def test_ctrl_c_saves_a_checkpoint_and_returns(mnist_small, tmp_path):
    seed_everything(0)
    model = build("gan", mnist_small)
    trainer = Trainer(
        model,
        mnist_small,
        Budget("t", 10_000, 10_000, 10, ""),
        seed=0,
        run_dir=tmp_path,
        progress=False,
    )
    timer = threading.Timer(2.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    result = trainer.fit()
    timer.cancel()
    assert result.status == "interrupted" and 0 < result.step < 10_000
    saved = torch.load(tmp_path / "checkpoint.pt", weights_only=False)
    assert saved["step"] == result.step and saved["status"] == "interrupted"


def test_freezing_d_during_the_g_update_changes_nothing_but_work(mnist_small):
    """The speed option must leave the mathematics alone: identical weights after training."""
    budget = Budget("t", 6, 1000, 3, "")
    states = []
    for freeze in (False, True):
        seed_everything(2)
        model = build("infogan", mnist_small, freeze_d_in_g=freeze)
        Trainer(model, mnist_small, budget, seed=2, progress=False).fit()
        states.append(model.state_dict())
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])
