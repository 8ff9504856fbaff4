"""Fused steps as CUDA graphs (``--fuse K`` with ``cuda_graph=1``): the one capture plan of
``step_graphs`` serves a single run and K fused members.

On the CPU the plan (warm-up, capture, static buffers, each member's generator, restacking,
resume) runs with a stand-in backend (``graph_stand_in.EagerReplay``) and must train exactly as
the eager steps do; the refusals run everywhere. The CUDA tests compare real graphs with the
eager fused step and skip without a GPU.
"""

from __future__ import annotations

import dataclasses
import time

import pytest
import torch
from graph_stand_in import EagerReplay
from synthetic import synthetic_mnist

from benchmarks.run import main
from gan_zoo.config import Budget
from gan_zoo.errors import ConfigError
from gan_zoo.models import build
from gan_zoo.run_config import RunConfig
from gan_zoo.train import Trainer
from gan_zoo.train.callbacks import stop_at
from gan_zoo.train.fused import FusedTrainer, check_fusable
from gan_zoo.train.run import _seeded_trainer
from gan_zoo.train.seeding import seed_everything
from gan_zoo.train.step_graphs import WARMUP_STEPS, StepGraphs

#: 12 steps, a checkpoint every 4, a history row every 2
SHORT = Budget("graphs-short", 12, 4, 2, "test")
#: a history row every step
EVERY = Budget("graphs-every", 8, 10**6, 1, "test")
HP = {"batch_size": 8, "amp": False}


def cuda_only(test):
    """Skipped without CUDA, and marked ``cuda`` so the CUDA check's ``-k cuda`` selects it."""
    skip = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
    return pytest.mark.cuda(skip(test))


@pytest.fixture(scope="module")
def data():
    return synthetic_mnist(256)


def members(name, data, seeds, budget, hp=HP, device="cpu", run_dirs=None, callbacks=None):
    """Trainers of ``seeds``, each built and seeded as the runner's fused runs are."""
    out = []
    for i, seed in enumerate(seeds):
        config = RunConfig.resolve(name, data.name, seed, "smoke", hp, device)
        config = dataclasses.replace(config, budget=budget)
        run_dir = None if run_dirs is None else run_dirs[i]
        calls = () if callbacks is None else callbacks[i]
        out.append(_seeded_trainer(config, data, run_dir, False, None, time.perf_counter, calls))
    return out


def rows(results):
    return [r.history for r in results]


# --- the plan ------------------------------------------------------------------------------------
def test_each_key_warms_up_then_is_captured_once_and_replayed_on_its_own_buffers():
    backend = EagerReplay()
    plan = StepGraphs(torch.device("cpu"), torch.Generator(), backend=backend)
    seen: list[torch.Tensor] = []

    def step(x, y):
        seen.append(x)
        return {"sum": x.sum() + (0 if y is None else y.sum())}

    for i in range(WARMUP_STEPS + 3):
        out = plan("a", step, torch.full((2, 3), float(i)), None)
        assert float(out["sum"]) == 6 * i  # the step saw this call's inputs
    assert plan.captured == ("a",) and len(backend.recorded) == 1
    assert backend.warmed == WARMUP_STEPS and backend.replays == 3
    buffer = plan.buffers("a")[0]
    assert all(x is buffer for x in seen[WARMUP_STEPS:])  # replays read the static buffer only
    plan("b", step, torch.ones(2, 3), torch.ones(2))  # another kind warms up on its own
    assert plan.captured == ("a",) and backend.warmed == WARMUP_STEPS + 1


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (torch.zeros(4, 3), None, "does not fit"),  # another batch size
        (torch.zeros(2, 3, dtype=torch.float64), None, "does not fit"),
        (torch.zeros(2, 3), torch.zeros(2), "None on one side"),
    ],
)
def test_an_input_that_does_not_fit_its_buffer_is_refused_not_broadcast(x, y, message):
    plan = StepGraphs(torch.device("cpu"), torch.Generator(), backend=EagerReplay())
    for _ in range(WARMUP_STEPS + 1):
        plan("k", lambda a, b: {"s": a.sum()}, torch.zeros(2, 3), None)
    with pytest.raises(ValueError, match=message):
        plan("k", lambda a, b: {"s": a.sum()}, x, y)


def test_a_fused_plan_refuses_inputs_without_one_slice_per_member():
    generators = [torch.Generator() for _ in range(3)]
    plan = StepGraphs(torch.device("cpu"), generators, stacked=True, backend=EagerReplay())
    assert plan.members == 3
    for _ in range(WARMUP_STEPS):
        plan("k", lambda a: {"s": a.sum()}, torch.zeros(2, 8))
    with pytest.raises(ValueError, match="one slice per member"):
        plan("k", lambda a: {"s": a.sum()}, torch.zeros(2, 8))


def test_the_fused_buffers_stack_each_members_batch_and_register_each_members_generator(data):
    backend = EagerReplay()
    fused = FusedTrainer(members("infogan", data, [0, 1, 2], EVERY), graph_backend=backend)
    results = fused.fit()
    assert [r.status for r in results] == ["complete"] * 3
    (generators,) = backend.recorded  # one phase, one capture, for all three members
    assert all(g is m.generator for g, m in zip(generators, fused.members, strict=True))
    (key,) = fused.graphs.captured
    real_x, real_y = fused.graphs.buffers(key)
    assert real_x.shape == (3, 8, 1, 28, 28)  # [K, batch, image]
    assert real_y is None or real_y.shape == (3, 8)
    assert backend.warmed == WARMUP_STEPS and backend.replays == EVERY.steps - WARMUP_STEPS


# --- the same training as the eager steps ----------------------------------------------------------
@pytest.mark.parametrize("name", ["infogan", "gan"])
def test_fused_steps_through_the_plan_train_exactly_as_the_eager_fused_steps(data, name):
    """Bit for bit on the CPU: the plan moves the step's inputs into buffers and each member's
    latents into the step, which must change nothing (member order, RNG order, outputs)."""
    eager = FusedTrainer(members(name, data, [0, 3], EVERY)).fit()
    graphed = FusedTrainer(members(name, data, [0, 3], EVERY), graph_backend=EagerReplay()).fit()
    assert rows(graphed) == rows(eager)
    assert rows(graphed)[0] != rows(graphed)[1]  # each member is its own run


def test_a_single_run_through_the_same_plan_trains_exactly_as_its_eager_steps(data):
    def fit(graphed: bool):
        seed_everything(4)
        model = build("infogan", data, "cpu", **HP)
        trainer = Trainer(model, data, EVERY, 4, None, "cpu", progress=False)
        if graphed:
            trainer.graphs = StepGraphs(trainer.device, [trainer.generator], backend=EagerReplay())
        return trainer, trainer.fit()

    _, eager = fit(False)
    trainer, graphed = fit(True)
    assert graphed.history == eager.history and trainer.graphs.members == 1


# --- resume and restacking -------------------------------------------------------------------------
def test_a_graphed_fused_run_interrupted_and_resumed_continues_each_member_exactly(data, tmp_path):
    """Graphs are never saved: the resumed session warms up and captures anew, from each
    member's ordinary checkpoint, and ends where the uninterrupted run ends."""
    seeds = [1, 2]

    def run(folder: str, stop: int | None = None, backend=None):
        dirs = [tmp_path / folder / f"seed{s}" for s in seeds]
        calls = None if stop is None else [(stop_at(stop),), ()]
        trainers = members("infogan", data, seeds, SHORT, run_dirs=dirs, callbacks=calls)
        return trainers, FusedTrainer(trainers, graph_backend=backend or EagerReplay()).fit()

    straight_models, straight = run("straight")
    _, cut = run("cut", stop=6)
    assert [(r.status, r.step) for r in cut] == [("interrupted", 6)] * 2
    backend = EagerReplay()
    resumed_models, resumed = run("cut", backend=backend)
    assert [(r.status, r.resumed_from) for r in resumed] == [("complete", 6)] * 2
    assert backend.warmed == WARMUP_STEPS and len(backend.recorded) == 1  # warmed up again
    assert rows(resumed) == rows(straight)
    for a, b in zip(straight_models, resumed_models, strict=True):
        sa, sb = a.model.state_dict(), b.model.state_dict()
        assert all(torch.equal(sa[k], sb[k]) for k in sa)


def test_members_stacked_again_after_a_divergence_are_captured_anew_with_the_survivors(
    data, monkeypatch
):
    seeds, bad_seed, bad_step = [0, 1, 2], 1, 7
    real = FusedTrainer.train_step

    def poisoned(self, step, total):
        live = [m.seed for m in self.live]
        if step + 1 == bad_step and bad_seed in live:
            with torch.no_grad():  # seed 1's G weights turn NaN, in the graph's own tensors
                self.params["generator.fc.0.weight"][live.index(bad_seed)].fill_(float("nan"))
        return real(self, step, total)

    monkeypatch.setattr(FusedTrainer, "train_step", poisoned)
    backend = EagerReplay()
    trainers = members("infogan", data, seeds, SHORT)
    results = FusedTrainer(trainers, graph_backend=backend).fit()
    assert [r.status for r in results] == ["complete", "diverged", "complete"]
    first, second = backend.recorded  # captured at step 4 with three, after step 8 with two
    assert len(first) == 3 and [g.initial_seed() for g in second] == [0, 2]
    assert all(g is t.generator for g, t in zip(second, [trainers[0], trainers[2]], strict=True))


# --- refusals and the default ----------------------------------------------------------------------
def test_fused_and_graphed_is_refused_on_the_cpu_in_one_line_exit_2(tmp_path, capsys):
    argv = ["--models", "infogan", "--seeds", "2", "--fuse", "2", "--budget", "smoke"]
    argv += ["--device", "cpu", "--no-progress", "--set", "cuda_graph=1", "--out", str(tmp_path)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cuda_graph=1 needs a CUDA device" in err[0]
    assert not (tmp_path / "runs").exists()


def test_graphs_combine_with_fuse_but_compile_does_not_and_neither_is_on_by_default(data):
    check_fusable("infogan", {"cuda_graph": True})  # no longer a refused combination
    with pytest.raises(ConfigError, match="compile=1"):
        check_fusable("infogan", {"compile": True})
    with pytest.raises(ConfigError, match="needs a CUDA device"):
        StepGraphs(torch.device("cpu"), torch.Generator())  # the CUDA backend, on the CPU
    fused = FusedTrainer(members("infogan", data, [0, 1], EVERY))
    assert not fused.graphed and fused.graphs is None  # eager unless asked for


# --- on CUDA -----------------------------------------------------------------------------------------
@cuda_only
@pytest.mark.parametrize("name", ["infogan", "sgan"])
def test_fused_graph_replays_train_like_the_eager_fused_step(data, name):
    """Within float tolerance (capturable Adam computes its bias correction on the device);
    a replay that reused a member's noise, or mixed two members' generators, drifts at once.
    Stacked GAN changes phase during the run, so it captures one graph per phase."""
    budget = Budget("g", 18, 10**6, 1, "test")
    eager = FusedTrainer(members(name, data, [0, 3], budget, device="cuda")).fit()
    trainers = members(name, data, [0, 3], budget, {**HP, "cuda_graph": True}, "cuda")
    fused = FusedTrainer(trainers)
    graphed = fused.fit()
    assert fused.graphed and [r.status for r in graphed] == ["complete", "complete"]
    for a_rows, b_rows in zip(rows(eager), rows(graphed), strict=True):
        for a, b in zip(a_rows, b_rows, strict=True):
            for key in a:
                assert b[key] == pytest.approx(a[key], rel=2e-3, abs=2e-4), (a["step"], key)
        later = [row["loss_g"] for row in b_rows[WARMUP_STEPS + 1 :]]
        assert len(set(later)) == len(later)  # fresh latents every replay


@cuda_only
def test_a_graphed_fused_run_on_the_gpu_resumes_at_its_step(data, tmp_path):
    hp = {**HP, "cuda_graph": True}
    dirs = [tmp_path / "s0", tmp_path / "s1"]
    cut = members("infogan", data, [0, 1], SHORT, hp, "cuda", dirs, [(stop_at(7),), ()])
    assert [r.step for r in FusedTrainer(cut).fit()] == [7, 7]
    rest = FusedTrainer(members("infogan", data, [0, 1], SHORT, hp, "cuda", dirs)).fit()
    assert [(r.status, r.step, r.resumed_from) for r in rest] == [("complete", 12, 7)] * 2
