"""Resume and divergence, observed directly: the step a run restarts at, the optimiser state and
history it restores, and what a diverged run leaves behind (and does when run again).

Comparing final weights cannot tell a resumed run from one that silently restarted at step 0
(training is deterministic), so these tests count the steps each session trains and read the
checkpoint itself. Built on synthetic data: no real digits are needed.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import replace

import pytest
import torch
from tqdm import tqdm

from gan_zoo.config import Budget
from gan_zoo.errors import ConfigError
from gan_zoo.train import Trainer


def _same_tensors(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_tensors(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same_tensors(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, torch.Tensor):
        return torch.equal(a.cpu(), b.cpu())
    return a == b


def test_an_interrupted_run_resumes_at_its_step_and_trains_only_the_rest(
    data, tmp_path, device, counted, make_trainer, checkpoints
):
    cut = make_trainer(data, tmp_path, device, stop=5, callbacks=[counted]).fit()
    assert (cut.status, cut.step) == ("interrupted", 5)
    assert counted == [0, 1, 2, 3, 4]
    saved = checkpoints.read(tmp_path)
    assert (saved["step"], saved["status"]) == (5, "interrupted")

    counted.clear()
    done = make_trainer(data, tmp_path, device, callbacks=[counted]).fit()
    assert (done.status, done.step) == ("complete", 12)
    assert counted == list(range(5, 12))  # restarts at step 5, not 0
    assert [row["step"] for row in done.history] == [2, 4, 6, 8, 10, 12]


def test_callbacks_see_every_step_with_its_logs_and_the_history_rows_it_wrote(data, make_trainer):
    """The trainer's per-step seam: one call per step after the step's writes, with the
    step's losses and, at a history step, the row just written (what a logger reads)."""
    events = []
    result = make_trainer(data, callbacks=[events.append]).fit()
    assert [event.step for event in events] == list(range(1, 13))
    assert all({"loss_d", "loss_g", "li_c1"} <= event.logs.keys() for event in events)
    rows = [dict(event.row) for event in events if event.row is not None]
    assert rows == result.history and [row["step"] for row in rows] == [2, 4, 6, 8, 10, 12]
    assert result.shown == ("loss_d", "loss_g", "li_c1")  # what the bar and the plots show


def test_a_resumed_run_shows_progress_from_its_step_to_the_budget(
    data, tmp_path, monkeypatch, make_trainer
):
    """The bar of a resumed run starts at the checkpoint's step, counts to the budget, names
    the run and shows the losses (tqdm writes to a buffer here; progress=False still hides it)."""
    import gan_zoo.train.trainer as trainer_module

    bars: list[tuple[dict, tqdm]] = []

    def recording_bar(**kwargs):
        bar = tqdm(**{**kwargs, "disable": False, "file": io.StringIO()})
        bars.append((kwargs, bar))
        return bar

    monkeypatch.setattr(trainer_module, "progress_bar", recording_bar)
    make_trainer(data, tmp_path, "cpu", stop=5).fit()
    make_trainer(data, tmp_path, "cpu").fit()
    (cut, cut_bar), (resumed, resumed_bar) = bars
    assert (cut["initial"], cut["total"], cut_bar.n) == (0, 12, 5)
    assert (resumed["initial"], resumed["total"], resumed_bar.n) == (5, 12, 12)
    assert cut["desc"] == resumed["desc"] == "infogan seed 3"
    assert cut["disable"] is True  # the trainer was built with progress=False
    assert re.fullmatch(r"loss_d=[-0-9.e]+, loss_g=[-0-9.e]+, li_c1=[-0-9.e]+", resumed_bar.postfix)


def test_resuming_restores_optimiser_state_history_and_step(
    data, tmp_path, device, make_trainer, checkpoints
):
    cut_dir, full_dir = tmp_path / "cut", tmp_path / "full"
    make_trainer(data, cut_dir, device, stop=5).fit()
    saved = checkpoints.read(cut_dir)
    # Adam has taken 5 steps, and step 5's logs wait in an open history interval
    assert all(
        int(s["step"]) == 5 for o in saved["optimizers"].values() for s in o["state"].values()
    )
    assert [r["step"] for r in saved["history"]["rows"]] == [2, 4]
    assert saved["history"]["count"] == 1

    fresh = make_trainer(data, cut_dir, device)
    assert fresh.load(checkpoints.path(cut_dir)) == "interrupted"
    assert fresh.step == 5
    for name, opt in fresh.optimizers.items():
        assert _same_tensors(opt.state_dict(), saved["optimizers"][name])
    assert fresh.history.rows == saved["history"]["rows"]
    assert fresh.history.state_dict() == saved["history"]
    assert _same_tensors(fresh.model.state_dict(), saved["model"])

    # ...so the resumed run's history equals an uninterrupted run's, row for row (the row at
    # step 6 averages steps 5 and 6, one from each session)
    resumed = make_trainer(data, cut_dir, device).fit()
    straight = make_trainer(data, full_dir, device).fit()
    if device.type == "cpu":
        assert resumed.history == straight.history
    else:
        assert [r["step"] for r in resumed.history] == [r["step"] for r in straight.history]


def test_a_checkpoint_names_the_setup_that_wrote_it(data, tmp_path, make_trainer, checkpoints):
    """A checkpoint read on its own says which hyperparameters, budget, seed and device made
    it (nothing else records how an abandoned run was set up)."""
    trainer = make_trainer(data, tmp_path, "cpu", stop=4)
    trainer.fit()
    saved = checkpoints.read(tmp_path)
    assert saved["hparams"] == trainer.model.hparams and saved["hparams"]["batch_size"] == 16
    assert saved["budget"] == trainer.budget.as_dict() and saved["seed"] == 3
    assert saved["device_type"] == "cpu" and saved["status"] == "interrupted"
    # the checkpoint before it, written mid-training, says the run was still going
    previous = checkpoints.read(tmp_path, previous=True)
    assert (previous["step"], previous["status"]) == (4, "running")


def test_a_complete_run_is_not_trained_again(
    data, tmp_path, device, counted, make_trainer, checkpoints
):
    first = make_trainer(data, tmp_path, device, callbacks=[counted]).fit()
    assert first.status == "complete" and len(counted) == 12
    # the end is written once: the fallback is the checkpoint of step 8, not a copy of the end
    fallback = checkpoints.read(tmp_path, previous=True)
    assert (fallback["step"], fallback["status"]) == (8, "running")
    counted.clear()
    again = make_trainer(data, tmp_path, device, callbacks=[counted]).fit()
    assert (again.status, again.step) == ("complete", 12)
    assert counted == []
    assert again.history == first.history
    # its speed is the finished run's, read off the checkpoint, not zero
    assert again.seconds == checkpoints.read(tmp_path)["elapsed"] > 0
    assert again.images_per_second == pytest.approx(12 * 16 / again.seconds)
    assert again.resumed_from == 12  # this session started (and ended) at step 12
    # a checkpoint from before training time was recorded: no speed, rather than a made-up one
    legacy = checkpoints.read(tmp_path)
    del legacy["elapsed"]
    checkpoints.write(tmp_path, legacy)
    old = make_trainer(data, tmp_path, device, callbacks=[counted]).fit()
    assert (old.status, old.seconds, old.images_per_second) == ("complete", 0.0, 0.0)


def _poison_from(
    trainer: Trainer, bad_step: int, phase: str = "g", poison=lambda v: v * float("nan")
) -> None:
    """From step ``bad_step`` (1-based) on, pass the first ``phase`` term's value through
    ``poison`` (by default G's loss becomes NaN): a run that diverges late."""
    terms = list(trainer.model.terms)
    first = next(i for i, t in enumerate(terms) if t.phase == phase)
    fn = terms[first].fn

    def poisoned(ctx):
        value = fn(ctx)
        return poison(value) if trainer.step + 1 >= bad_step else value

    terms[first] = replace(terms[first], fn=poisoned)
    trainer.model.terms = terms


def _assert_diverged_at(checkpoints, result, run_dir, bad: int, kept_step: int) -> None:
    """The run ended diverged, dated to its first non-finite step ``bad`` with the steps before
    it done, and its checkpoint keeps the finite weights of step ``kept_step``, marked."""
    error = f"non-finite loss at step {bad}"
    assert (result.status, result.step, result.error) == ("diverged", bad - 1, error)
    saved = checkpoints.read(run_dir)
    assert (saved["status"], saved["step"]) == ("diverged", kept_step)
    assert all(torch.isfinite(v).all() for v in saved["model"].values() if v.is_floating_point())


def test_divergence_after_good_checkpoints_keeps_the_last_good_weights_marked_diverged(
    data, tmp_path, device, counted, make_trainer, checkpoints
):
    good = make_trainer(data, tmp_path / "good", device, stop=8, callbacks=[counted]).fit()
    assert good.step == 8

    trainer = make_trainer(data, tmp_path / "bad", device, callbacks=[counted])
    _poison_from(trainer, 10)  # checkpoints at steps 4 and 8 are good; step 10 is NaN
    result = trainer.fit()
    _assert_diverged_at(checkpoints, result, tmp_path / "bad", 10, 8)  # the last good checkpoint
    assert _same_tensors(
        checkpoints.read(tmp_path / "bad")["model"], checkpoints.read(tmp_path / "good")["model"]
    )

    # run again (nothing poisoned now): it reports diverged and trains nothing
    counted.clear()
    again = make_trainer(data, tmp_path / "bad", device, callbacks=[counted]).fit()
    assert again.status == "diverged"
    assert counted == []


def test_divergence_before_any_checkpoint_is_recorded_as_diverged(
    data, tmp_path, device, make_trainer, checkpoints
):
    trainer = make_trainer(data, tmp_path, device)
    _poison_from(trainer, 2)
    result = trainer.fit()
    assert (result.status, result.step) == ("diverged", 1)
    assert checkpoints.read(tmp_path)["status"] == "diverged"
    again = make_trainer(data, tmp_path, device).fit()
    assert again.status == "diverged" and again.step == 1
    assert math.isfinite(result.history[-1]["loss_d"])


def test_a_divergence_found_at_a_later_check_is_dated_to_its_step_and_never_checkpointed(
    data, tmp_path, device, make_trainer, checkpoints
):
    """The non-finite watch is read only at check points (here: the checkpoint every 4 steps
    and the row every 8), so step 6's NaN is found at step 8: the record still names step 6,
    the step-8 checkpoint is never written, and the history row holds steps 1-5 only."""
    trainer = make_trainer(data, tmp_path, device, budget=Budget("t", 16, 4, 8, "test"))
    _poison_from(trainer, 6)
    result = trainer.fit()
    _assert_diverged_at(checkpoints, result, tmp_path, 6, 4)
    assert [row["step"] for row in result.history] == [5]
    assert all(math.isfinite(v) for v in result.history[0].values())


def test_a_resumed_run_that_diverges_dates_the_bad_step_from_the_start_of_the_run(
    data, tmp_path, make_trainer, checkpoints
):
    """Cut at step 5, resumed, NaN from step 7: the record names step 7 of the run (not
    step 2 of the session) and keeps the checkpoint written when the run was cut."""
    make_trainer(data, tmp_path, "cpu", stop=5).fit()
    trainer = make_trainer(data, tmp_path, "cpu")
    _poison_from(trainer, 7)
    result = trainer.fit()
    _assert_diverged_at(checkpoints, result, tmp_path, 7, 5)
    assert result.resumed_from == 5


def test_a_run_stopped_before_the_check_point_after_a_nan_ends_diverged_not_interrupted(
    data, tmp_path, make_trainer, checkpoints
):
    """NaN at step 5, stopped right after it (step 5 is neither a history row nor a
    checkpoint): the stop still reads the watch, so the run is diverged and the NaN weights
    are never saved as an interrupted run that a rerun would resume."""
    trainer = make_trainer(data, tmp_path, "cpu", stop=5)
    _poison_from(trainer, 5)
    _assert_diverged_at(checkpoints, trainer.fit(), tmp_path, 5, 4)


def test_a_non_finite_d_loss_alone_is_a_divergence(data, tmp_path, counted, make_trainer):
    """From step 6 D's loss is infinite while its gradients, G's loss and every weight stay
    finite: the run still ends diverged at step 6 (both players' losses are watched)."""
    trainer = make_trainer(data, tmp_path, "cpu", callbacks=[counted])
    # adding a constant leaves the gradient alone
    _poison_from(trainer, 6, phase="d", poison=lambda v: v + float("inf"))
    result = trainer.fit()
    assert (result.status, result.error) == ("diverged", "non-finite loss at step 6")
    assert counted == list(range(5))  # found at the history row of step 6, which ends the run
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())


@pytest.mark.parametrize(("bad", "seen_at"), [(5, 6), (7, 8), (10, 10)])
def test_a_divergence_stops_the_run_at_the_first_check_point_after_it(
    data, tmp_path, counted, bad, seen_at, make_trainer, checkpoints
):
    """Every check point reads the watch: here the history row every 3 steps (NaN at 5, seen at
    6), the checkpoint every 4 (7, seen at 8) and the last step (10, which is neither). The run
    trains no further, no checkpoint ever holds the NaN weights, and a NaN in the last
    interval is not a complete run."""
    budget = Budget("t", 10, 4, 3, "test")
    trainer = make_trainer(data, tmp_path, "cpu", budget=budget, callbacks=[counted])
    _poison_from(trainer, bad)
    _assert_diverged_at(checkpoints, trainer.fit(), tmp_path, bad, 4 * ((bad - 1) // 4))
    # trained up to the check point; the step where the watch stops the run has no callback
    assert counted == list(range(seen_at - 1))


def test_a_divergence_is_caught_before_the_probe_measures_the_model(
    data, tmp_path, counted, make_trainer
):
    """A curve step is a check point too: a model that went NaN on it is never measured."""
    measured: list[bool] = []

    class FiniteProbe:
        steps = (5,)

        def __call__(self, model):
            measured.append(all(bool(torch.isfinite(p).all()) for p in model.parameters()))
            return {"finite": float(measured[-1])}

    budget = Budget("t", 10, 4, 3, "test")  # step 5 is neither a history row nor a checkpoint
    trainer = make_trainer(
        data, tmp_path, "cpu", budget=budget, probe=FiniteProbe(), callbacks=[counted]
    )
    _poison_from(trainer, 5)
    assert trainer.fit().status == "diverged"
    assert counted == list(range(4)) and measured == []  # stopped at step 5, its check point


def test_a_resumed_run_counts_the_training_time_of_every_session(
    data, tmp_path, device, make_trainer, checkpoints
):
    """The record's train_seconds is the whole run's, not the last session's."""
    make_trainer(data, tmp_path, device, stop=5).fit()
    saved = checkpoints.read(tmp_path)
    assert saved["elapsed"] > 0
    saved["elapsed"] = 1000.0  # as if the first session had trained for 1000 s
    checkpoints.write(tmp_path, saved)
    done = make_trainer(data, tmp_path, device).fit()
    assert done.status == "complete"
    assert 1000.0 < done.seconds < 1000.0 + 600


class _Clock:
    """A training step takes ``step_seconds`` on it and each probe 100 s: the trainer's clock
    reads the steps it has done, the probe adds its own time."""

    def __init__(self, step_seconds: float = 1.0) -> None:
        self.step_seconds, self.other = step_seconds, 0.0
        self.trainer: Trainer | None = None

    def __call__(self) -> float:
        return self.other + self.trainer.step * self.step_seconds


class _SlowProbe:
    steps = (2, 5, 10)

    def __init__(self, clock: _Clock) -> None:
        self.clock = clock

    def __call__(self, model) -> dict[str, float]:
        self.clock.other += 100.0
        return {"probed": 1.0}


def _timed(make_trainer, data, run_dir, clock: _Clock, stop=None) -> Trainer:
    budget = Budget("t", 10, 4, 3, "test")
    trainer = make_trainer(
        data, run_dir, "cpu", stop, budget=budget, probe=_SlowProbe(clock), clock=clock
    )
    clock.trainer = trainer
    return trainer


def test_training_time_and_speed_count_the_steps_and_never_the_probe(
    data, tmp_path, make_trainer, checkpoints
):
    """On a clock where each step takes 1 s and each of the 3 probes 100 s, a 10-step run
    trained for exactly 10 s at 16 images/s (batch 16); every curve row and checkpoint holds
    the training seconds up to its step; a run cut at step 6 and resumed trains 4 more steps
    in 4 s and reports the whole run's 10 s."""
    clock = _Clock()
    run = _timed(make_trainer, data, tmp_path / "whole", clock).fit()
    assert (run.status, run.seconds, run.images_per_second) == ("complete", 10.0, 16.0)
    saved = checkpoints.read(tmp_path / "whole")
    assert [r["train_seconds"] for r in saved["curve"]["rows"]] == [2.0, 5.0, 10.0]
    assert saved["elapsed"] == 10.0

    clock = _Clock()
    cut = _timed(make_trainer, data, tmp_path / "cut", clock, stop=6).fit()
    assert (cut.status, cut.seconds, cut.images_per_second) == ("interrupted", 6.0, 16.0)
    previous = checkpoints.read(tmp_path / "cut", previous=True)
    assert (previous["step"], previous["elapsed"]) == (4, 4.0)  # the checkpoint at step 4
    clock.other += 1000.0  # the pause between sessions is not training time
    resumed = _timed(make_trainer, data, tmp_path / "cut", clock).fit()
    assert (resumed.status, resumed.resumed_from) == ("complete", 6)
    assert (resumed.seconds, resumed.images_per_second) == (10.0, 16.0)
    rows = checkpoints.read(tmp_path / "cut")["curve"]["rows"]
    assert [r["train_seconds"] for r in rows] == [2.0, 5.0, 10.0]


@pytest.mark.parametrize(("step_seconds", "speed"), [(0.0625, 256.0), (0.0, 0.0)])
def test_a_short_session_reports_its_speed_and_a_still_clock_none(
    data, tmp_path, step_seconds, speed, make_trainer
):
    """10 steps of 1/16 s are 160 images in 0.625 s: 256 images/s, though under a second. A
    clock too coarse to move gives no speed rather than a division by zero."""
    trainer = _timed(make_trainer, data, tmp_path, _Clock(step_seconds))
    result = trainer.fit()
    assert (result.status, result.seconds, result.images_per_second) == (
        "complete",
        10 * step_seconds,
        speed,
    )


def test_a_session_that_trains_nothing_reports_no_speed(data, tmp_path, make_trainer):
    result = make_trainer(data, tmp_path, "cpu", stop=0).fit()
    assert (result.status, result.step, result.images_per_second) == ("interrupted", 0, 0.0)


@pytest.mark.parametrize("option", [None, False, True])
def test_the_deterministic_option_holds_while_the_run_trains_and_is_undone_after(
    data, tmp_path, make_trainer, option
):
    """Bit-for-bit resume on CUDA needs deterministic kernels for every step of the run. The
    switch is the same on the CPU: on for each step with ``deterministic=1``, off without the
    option or with 0, and the process's own setting back when the run returns."""
    seen: list[bool] = []

    def watch(event) -> None:
        seen.append(torch.are_deterministic_algorithms_enabled())

    chosen = {} if option is None else {"deterministic": option}
    trainer = make_trainer(data, tmp_path, name="gan", callbacks=[watch], **chosen)
    result = trainer.fit()
    assert result.status == "complete"
    assert seen == [option is True] * trainer.budget.steps
    assert torch.are_deterministic_algorithms_enabled() is False


def test_a_checkpoint_from_another_kind_of_device_is_refused_saying_what_to_do(
    data, tmp_path, make_trainer, checkpoints
):
    """CPU and CUDA random streams differ, so a run cannot move; the one line says how to go on."""
    cpu = torch.device("cpu")
    make_trainer(data, tmp_path, cpu, stop=2).fit()
    saved = checkpoints.read(tmp_path)
    saved["device_type"] = "cuda"
    checkpoints.write(tmp_path, saved)
    with pytest.raises(ConfigError) as error:
        make_trainer(data, tmp_path, cpu).fit()
    assert str(error.value) == (
        f"the checkpoint in {tmp_path} was written on cuda and cannot resume on cpu; "
        "rerun on cuda (--device cuda) or start again with --force"
    )


def test_a_checkpoint_from_before_devices_were_recorded_is_told_apart_by_its_generator(
    data, tmp_path, make_trainer, checkpoints
):
    """Checkpoints written before ``device_type`` was stored still resume on the CPU that wrote
    them; one whose generator state is a CUDA generator's (16 bytes) is refused in the one line."""
    cpu = torch.device("cpu")
    make_trainer(data, tmp_path, cpu, stop=2).fit()
    legacy = checkpoints.read(tmp_path)
    del legacy["device_type"]
    checkpoints.write(tmp_path, legacy)
    resumed = make_trainer(data, tmp_path, cpu).fit()
    assert resumed.status == "complete" and resumed.resumed_from == 2

    make_trainer(data, tmp_path / "gpu", cpu, stop=2).fit()
    from_gpu = checkpoints.read(tmp_path / "gpu")
    del from_gpu["device_type"]
    from_gpu["generator"] = torch.zeros(16, dtype=torch.uint8)  # a CUDA generator's seed+offset
    checkpoints.write(tmp_path / "gpu", from_gpu)
    with pytest.raises(ConfigError, match=r"written on cuda and cannot resume on cpu;"):
        make_trainer(data, tmp_path / "gpu", cpu).fit()


def test_a_resume_under_other_hyperparameters_is_refused_naming_the_keys(
    data, tmp_path, make_trainer
):
    """A run continues under the settings it started with: a checkpoint written under others
    (a changed default, a copied run folder) is refused in one line that names what differs."""
    make_trainer(data, tmp_path, stop=2).fit()
    with pytest.raises(ConfigError) as error:
        make_trainer(data, tmp_path, lr_g=5e-4, lambda_cont=0.2).fit()
    assert str(error.value) == (
        f"the checkpoint in {tmp_path} was written under other hyperparameters "
        "(lambda_cont 0.1 -> 0.2, lr_g 0.001 -> 0.0005); resume with the same settings or "
        "start again with --force"
    )
    assert make_trainer(data, tmp_path).fit().resumed_from == 2  # the same settings resume


def test_a_checkpoint_with_curve_rows_loads_into_a_trainer_without_a_probe(
    data, tmp_path, make_trainer, checkpoints
):
    """Reading a run's weights back (a notebook, evaluation) needs no learning-curve probe:
    the curve rows a checkpoint carries are then left alone."""
    cpu = torch.device("cpu")
    make_trainer(data, tmp_path, cpu, stop=4).fit()
    saved = checkpoints.read(tmp_path)
    saved["curve"] = {"rows": [{"step": 4, "fid": 9.0}], "seconds": 1.5}
    reader = make_trainer(data, tmp_path / "reader", cpu)
    assert reader.curve is None
    assert reader.load(saved) == "interrupted" and reader.step == 4
