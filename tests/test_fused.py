"""Fused multi-seed training (``--fuse``): each member follows its separate run, resumes exactly
from its own checkpoint, and diverges alone. On synthetic data: no real digits needed."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from synthetic import synthetic_dsprites, synthetic_mnist

from gan_zoo.config import Budget
from gan_zoo.errors import ConfigError
from gan_zoo.models import build, fused_families
from gan_zoo.run_config import RunConfig
from gan_zoo.train import Trainer
from gan_zoo.train.callbacks import StepEnd, stop_at
from gan_zoo.train.checkpoints import CheckpointFiles
from gan_zoo.train.fused import FusedTrainer
from gan_zoo.train.run import train_fused as train_configs
from gan_zoo.train.seeding import seed_everything

#: 12 steps, a checkpoint every 4, a history row every 2
SHORT = Budget("fused-short", 12, 4, 2, "test")
HP = {"batch_size": 8, "amp": False}


@pytest.fixture(scope="module")
def data():
    return synthetic_mnist(256)


def separate(name, data, budget, seed, hp=HP, run_dir=None):
    seed_everything(seed)
    model = build(name, data, "cpu", **hp)
    return model, Trainer(model, data, budget, seed, run_dir, "cpu", progress=False).fit()


def train_fused(
    name, data, budget, seeds, hp=HP, run_dirs=None, device="cpu", progress=False, **seams
):
    """The fused runs of ``name`` on ``data`` for ``seeds``, configured as the runner does;
    ``seams`` (probes, callbacks, clock) go to ``gan_zoo.train.run.train_fused``."""
    configs = [
        dataclasses.replace(
            RunConfig.resolve(name, data.name, seed, "smoke", hp, device), budget=budget
        )
        for seed in seeds
    ]
    return train_configs(configs, data, run_dirs, progress, **seams)


def losses(result):
    return [(row["loss_d"], row["loss_g"]) for row in result.history]


def assert_close(a, b, rel):
    assert len(a) == len(b)
    for step, (x, y) in enumerate(zip(a, b, strict=True), 1):
        for u, v in zip(x, y, strict=True):
            assert abs(u - v) <= rel * abs(u), (step, x, y)


#: (family, steps, dtype, dataset) of the equivalence test below
EQUIVALENCE = [
    ("infogan", 20, torch.float64, "mnist"),
    ("infogan_noinfo", 3, torch.float64, "mnist"),
    ("gan", 3, torch.float64, "mnist"),
    ("cgan", 3, torch.float64, "mnist"),
    ("acgan", 3, torch.float64, "mnist"),
    ("sgan", 4, torch.float32, "mnist"),  # its cached encoder is float32
    ("infogan", 3, torch.float64, "dsprites"),  # spectral norm under vmap
]


def test_each_built_in_family_that_declares_it_fuses_is_checked_against_its_separate_runs():
    """``fuses=True`` in a registration is a claim this file tests: no family makes it
    untested (a plugin's is tested in its own way, see tests/test_plugins.py)."""
    assert set(fused_families()) == {case[0] for case in EQUIVALENCE}


@pytest.mark.parametrize(("name", "steps", "dtype", "dataset"), EQUIVALENCE)
def test_each_fused_run_follows_its_separate_run_step_by_step(data, name, steps, dtype, dataset):
    """In float64 every step's losses match the separate runs' within 1e-5 relative (in fact
    to the float32 the history logs). In float32 they agree at the first step and then drift
    apart: the batched kernels sum in another order, and Adam divides each gradient element by
    its own size, so rounding noise on an element whose true gradient is near zero (the bias
    before each batch norm has an exactly zero one) becomes a whole learning-rate step. Stacked
    GAN has no batch norm before its biases and matches in float32 too."""
    saved = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        check_equivalence(data if dataset == "mnist" else synthetic_dsprites(128), name, steps)
    finally:
        torch.set_default_dtype(saved)


def check_equivalence(data, name, steps):
    budget = Budget("fused-eq", steps, 10**6, 1, "test")  # a history row every step
    seeds = [0, 3]
    alone = [separate(name, data, budget, seed)[1] for seed in seeds]
    fused = train_fused(name, data, budget, seeds, HP, device="cpu", progress=False)
    for (_, result), single in zip(fused, alone, strict=True):
        assert result.status == "complete" and result.step == steps
        assert_close(losses(single), losses(result), 1e-5)
    assert losses(fused[0][1]) != losses(fused[1][1])  # each member is its own run


def test_a_fused_run_interrupted_and_resumed_continues_each_member_exactly(data, tmp_path, device):
    """Bit for bit: on the CPU always, on CUDA with the ``deterministic`` option."""
    seeds = [1, 2]
    hp = {**HP, "deterministic": device.type == "cuda"}

    def run(folder: str, stop: int | None = None):
        dirs = [tmp_path / folder / f"seed{s}" for s in seeds]
        calls = None if stop is None else [(), (stop_at(stop),)]  # one member's stop stops all
        return train_fused("infogan", data, SHORT, seeds, hp, dirs, str(device), callbacks=calls)

    straight = run("straight")
    cut = run("cut", stop=6)
    assert [r.status for _, r in cut] == ["interrupted", "interrupted"]
    for seed in seeds:  # each member's own ordinary checkpoint, at the step it stopped
        saved = CheckpointFiles(tmp_path / "cut" / f"seed{seed}").load()
        assert (saved["step"], saved["status"], saved["seed"]) == (6, "interrupted", seed)
        assert saved["device_type"] == device.type
        assert {"exp_avg", "exp_avg_sq"} <= set(saved["optimizers"]["d"]["state"][0])
    resumed = run("cut")
    for (m_straight, r_straight), (m_resumed, r_resumed) in zip(straight, resumed, strict=True):
        assert r_resumed.status == "complete" and r_resumed.resumed_from == 6
        a, b = m_straight.state_dict(), m_resumed.state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a)
        assert r_resumed.history == r_straight.history


def test_a_member_checkpoint_is_an_ordinary_one_a_separate_trainer_resumes(data, tmp_path):
    train_fused("gan", data, SHORT, [0, 1], HP, [tmp_path / "a", tmp_path / "b"], "cpu", False)
    seed_everything(1)
    model = build("gan", data, "cpu", **HP)
    alone = Trainer(model, data, SHORT, 1, tmp_path / "b", "cpu", progress=False).fit()
    assert alone.status == "complete" and alone.step == SHORT.steps  # read back, not retrained


def test_one_member_that_diverges_is_marked_diverged_and_the_others_go_on(
    data, tmp_path, monkeypatch
):
    seeds, bad_seed, bad_step = [0, 1, 2], 1, 7
    real = FusedTrainer.train_step

    def poisoned(self, step, total):
        live = [m.seed for m in self.live]
        if step + 1 == bad_step and bad_seed in live:  # seed 1's G weights turn NaN at step 7
            i = live.index(bad_seed)
            with torch.no_grad():
                self.params["generator.fc.0.weight"][i].fill_(float("nan"))
        return real(self, step, total)

    monkeypatch.setattr(FusedTrainer, "train_step", poisoned)
    dirs = [tmp_path / f"seed{s}" for s in seeds]
    clean = train_fused("infogan", data, SHORT, [0, 2], HP, None, "cpu", False)
    runs = train_fused("infogan", data, SHORT, seeds, HP, dirs, "cpu", False)
    bad = runs[1][1]
    assert (bad.status, bad.step, bad.error) == ("diverged", 6, "non-finite loss at step 7")
    saved = CheckpointFiles(dirs[1]).load()
    assert (saved["status"], saved["step"]) == ("diverged", 4)  # its last good weights
    assert all(torch.isfinite(v).all() for v in saved["model"].values() if v.is_floating_point())
    for (_, good), (_, ref) in zip([runs[0], runs[2]], clean, strict=True):
        assert good.status == "complete" and good.step == SHORT.steps
        assert good.history[:4] == ref.history[:4]  # the same run up to the divergence
        assert all(row["loss_g"] == row["loss_g"] for row in good.history)  # finite throughout
    again = train_fused("infogan", data, SHORT, seeds, HP, dirs, "cpu", False)
    assert [r.status for _, r in again] == ["complete", "diverged", "complete"]


def test_fusing_what_it_cannot_is_refused_in_one_line(data):
    """compile takes over the step as fused training does; cuda_graph=1 combines with --fuse
    (tests/test_fused_graphs.py) but, as alone, only on CUDA."""
    with pytest.raises(ConfigError, match="compile"):
        train_fused("gan", data, SHORT, [0, 1], {**HP, "compile": True}, device="cpu")
    with pytest.raises(ConfigError, match="cuda_graph=1 needs a CUDA device"):
        train_fused("gan", data, SHORT, [0, 1], {**HP, "cuda_graph": True}, device="cpu")


def test_each_member_calls_its_own_step_callbacks_with_its_own_logs_and_rows(data):
    """The trainer's per-step seam (live logs) works for fused runs: each member's callbacks
    see that member, every step, its own losses and its history rows, and its current weights."""
    seen: dict[int, list[StepEnd]] = {0: [], 1: []}
    weights: dict[int, list[torch.Tensor]] = {0: [], 1: []}

    def recorder(seed):
        def call(event: StepEnd) -> None:
            seen[seed].append(event)
            weights[seed].append(event.trainer.model.generator.fc[0].weight.detach().clone())

        return call

    runs = train_fused(
        "gan",
        data,
        SHORT,
        [0, 1],
        HP,
        None,
        "cpu",
        False,
        callbacks=[(recorder(0),), (recorder(1),)],
    )
    for seed, (model, result) in zip((0, 1), runs, strict=True):
        events = seen[seed]
        assert [e.step for e in events] == list(range(1, SHORT.steps + 1))
        assert all(e.trainer.seed == seed for e in events)
        rows = [dict(e.row) for e in events if e.row is not None]
        assert rows == result.history  # the rows it wrote, at the steps it wrote them
        assert torch.equal(weights[seed][-1], model.generator.fc[0].weight)
        assert not torch.equal(weights[seed][0], weights[seed][-1])  # it trained between
    assert float(seen[0][0].logs["loss_d"]) != float(seen[1][0].logs["loss_d"])


def test_a_fused_run_is_timed_on_the_clock_it_is_given(data):
    """The trainer's clock seam: a clock that moves one second a step (and stands still
    otherwise) times each member at 12 s for 12 steps, 8 images a second at batch 8."""
    now = [0.0]

    def tick(event: StepEnd) -> None:
        if event.trainer.seed == 0:  # once a step: every member's callbacks run each step
            now[0] += 1.0

    runs = train_fused("gan", data, SHORT, [0, 1], callbacks=[(tick,), ()], clock=lambda: now[0])
    for _, result in runs:
        assert (result.status, result.seconds, result.images_per_second) == ("complete", 12.0, 8.0)
