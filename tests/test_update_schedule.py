"""Update schedules (more than one D or G update per step), observed on the trainer itself.

WGAN-GP's five critic updates per generator update are the common case; Stacked GAN's CIFAR
code varies the count. Every extra update must read its own real batch with its labels, draw
fresh latents from the run's generator on the run's device, and pass them to the model's hooks;
a slip there trains a conditional critic on unlabelled batches or breaks a seed's
reproducibility, and nothing else in the suite would notice. Also here: the names a step gives
its logs (the history's columns). Built on synthetic data.
"""

from __future__ import annotations

from itertools import pairwise

import pytest
import torch

from gan_zoo.config import Budget
from gan_zoo.models.base import UpdateSchedule
from gan_zoo.models.latent import LatentLayout
from gan_zoo.train import Trainer

D_STEPS, G_STEPS = 3, 2


@pytest.fixture
def scheduled(data, make_trainer):
    """``scheduled(device, seed=0, steps=2, global_seed=None)``: cgan (conditional: its hooks
    need the labels) with D_STEPS critic and G_STEPS generator updates per step."""

    def make(device, seed: int = 0, steps: int = 2, global_seed: int | None = None) -> Trainer:
        budget = Budget("t", steps, 1000, 1, "test")
        trainer = make_trainer(data, None, device, name="cgan", budget=budget, seed=seed)
        trainer.model.update_schedule = UpdateSchedule(d_steps=D_STEPS, g_steps=G_STEPS)
        if global_seed is not None:  # the global RNG from here on is not the run's business
            torch.manual_seed(global_seed)
        return trainer

    return make


def test_every_extra_update_reads_its_batch_and_fresh_latents_of_the_run(
    scheduled, device, monkeypatch
):
    trainer = scheduled(device)
    model = trainer.model
    calls: list[tuple[str, tuple]] = []

    def spy(name, original):
        def record(*args):
            out = original(*args)
            calls.append((name, args, out))
            return out

        return record

    for hook in ("fake_pass", "d_context", "g_context"):
        setattr(model, hook, spy(hook, getattr(model, hook)))
    trainer._next_batch = spy("batch", trainer._next_batch)
    sample = LatentLayout.sample
    monkeypatch.setattr(
        LatentLayout, "sample", lambda self, *a: spy("latent", lambda *b: sample(self, *b))(*a)
    )

    trainer.train_step()

    names = [name for name, _, _ in calls]
    d_only = ["batch", "latent", "fake_pass", "d_context"]
    main = ["batch", "latent", "fake_pass", "d_context", "g_context"]
    extra_g = ["latent", "fake_pass", "g_context"]
    assert names == d_only * (D_STEPS - 1) + main + extra_g * (G_STEPS - 1)
    batch = latent = fakes = None
    for name, args, out in calls:
        if name == "batch":
            batch = out
            assert out[1] is not None  # the labels of a labelled dataset
        elif name == "latent":
            latent = out
            # each draw: a batch's worth, from the run's generator, on the run's device
            assert args == (16, trainer.generator, trainer.device)
        elif name == "fake_pass":
            fakes = out
            assert args[0] is latent and args[1] is batch[0] and args[2] is batch[1]
        else:  # d_context and g_context: the batch, these fakes and their latents
            assert args[0] is batch[0] and args[1] is batch[1]
            assert args[2] is fakes and args[3] is latent
    draws = [out for name, _, out in calls if name == "latent"]
    assert len({id(d) for d in draws}) == len(draws) == D_STEPS + G_STEPS - 1
    batches = [out[0] for name, _, out in calls if name == "batch"]
    assert not any(torch.equal(a, b) for a, b in pairwise(batches))


def test_each_player_steps_as_often_as_the_schedule_says(scheduled, device):
    trainer = scheduled(device, steps=2)
    result = trainer.fit()
    assert result.status == "complete" and result.step == 2
    d_state = next(iter(trainer.optimizers["d"].state.values()))
    g_state = next(iter(trainer.optimizers["g"].state.values()))
    assert int(d_state["step"]) == 2 * D_STEPS and int(g_state["step"]) == 2 * G_STEPS


def test_a_scheduled_run_follows_its_seed_whatever_the_global_rng(scheduled, device):
    """Batches and the extra updates' latents come from the run's generator, never the global
    one (which is reseeded after the model is built)."""

    def weights(global_seed: int, seed: int = 0) -> torch.Tensor:
        trainer = scheduled(device, seed=seed, global_seed=global_seed)  # seeded weights
        trainer.fit()
        return torch.cat([p.detach().flatten().cpu() for p in trainer.model.parameters()])

    first = weights(1)
    assert torch.equal(first, weights(2))
    assert not torch.equal(first, weights(1, seed=1))


def test_a_schedule_rule_reads_the_logs_of_the_step_before(data, make_trainer):
    """A rule such as Stacked GAN's (more D updates while D's loss is low) sees the previous
    step's logs, and an empty mapping at the first step."""
    seen: list[tuple[int, dict]] = []

    def rule(step, logs):
        seen.append((step, {k: float(v) for k, v in logs.items()}))
        return 1

    trainer = make_trainer(data, name="cgan", budget=Budget("t", 3, 1000, 1, "test"), seed=0)
    trainer.model.update_schedule = UpdateSchedule(d_steps=rule)
    result = trainer.fit()
    assert [step for step, _ in seen] == [0, 1, 2] and seen[0][1] == {}
    for (_, logs), row in zip(seen[1:], result.history, strict=False):
        assert logs["loss_d"] == pytest.approx(row["loss_d"])


def test_stacked_gan_trains_its_levels_apart_then_jointly_from_its_fraction_of_the_budget(
    data, make_trainer
):
    """The trainer tells the model each step and the budget, so Stacked GAN switches from
    independent to joint training at ``independent_fraction`` of the run."""
    trainer = make_trainer(data, name="sgan", budget=Budget("t", 10, 1000, 5, "test"), seed=0)
    model = trainer.model
    switch = int(model.hparams["independent_fraction"] * 10)
    assert 0 < switch < 10
    joint = []
    for step in range(10):
        trainer.step = step
        trainer.train_step()
        joint.append(model.joint)
    assert joint == [step >= switch for step in range(10)]


def test_a_step_logs_each_phase_under_its_own_name(data, make_trainer):
    """A step's logs become the history's columns: each loss term as ``<phase>_<term>``, the
    two totals, D's context logs under their names and G's under theirs, prefixed ``g_``
    only where D logged the same name. InfoGAN measures its L_I bound in both phases (before
    and after Q's update), so both values are kept and they differ."""
    trainer = make_trainer(data, name="infogan", budget=Budget("t", 1, 1000, 1, "test"), seed=0)
    model = trainer.model
    contexts = {}

    def recorded(phase, hook):
        def build_context(*args):
            ctx = hook(*args)
            if phase == "g":  # a log only G writes keeps its own name
                ctx.log["g_only"] = torch.tensor(1.5)
            contexts[phase] = ctx
            return ctx

        return build_context

    model.d_context = recorded("d", model.d_context)
    model.g_context = recorded("g", model.g_context)
    logs = trainer.train_step()

    terms = {f"{t.phase}_{t.name}" for t in model.terms}
    assert terms == {"d_adv", "d_info", "g_adv", "g_info"}
    shared = {"li_c1", "cont_nll"}
    assert set(logs) == terms | {"loss_d", "loss_g", "g_only"} | shared | {f"g_{k}" for k in shared}
    d_log, g_log = contexts["d"].log, contexts["g"].log
    for key in shared:
        assert torch.equal(logs[key], d_log[key]) and torch.equal(logs[f"g_{key}"], g_log[key])
    assert not torch.equal(logs["li_c1"], logs["g_li_c1"])
    assert float(logs["g_only"]) == 1.5
    for phase in ("d", "g"):
        total = sum(t.weight * logs[f"{phase}_{t.name}"] for t in model.terms if t.phase == phase)
        assert torch.allclose(logs[f"loss_{phase}"], total)
