"""Seed, build and train one model: the call the runner and the tests make."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from gan_zoo.data.dataset import ImageDataset
from gan_zoo.devices import pick_device
from gan_zoo.models import build_run
from gan_zoo.models.base import GanModel
from gan_zoo.run_config import RunConfig
from gan_zoo.train.callbacks import Clock, StepCallback
from gan_zoo.train.fused import FusedTrainer, check_fusable, on_device
from gan_zoo.train.probe import Probe
from gan_zoo.train.seeding import seed_everything
from gan_zoo.train.trainer import Trainer, TrainResult


def train_run(
    config: RunConfig,
    dataset: ImageDataset,
    run_dir: str | Path | None = None,
    progress: bool = True,
    *,
    probe: Probe | None = None,
    callbacks: Sequence[StepCallback] = (),
    clock: Clock = time.perf_counter,
) -> tuple[GanModel, TrainResult]:
    """The same seed gives the same initial weights, batches and latents (exactly, on CPU).

    ``probe``, if given, measures the model at its steps (a learning curve, see train.probe);
    ``callbacks`` and ``clock`` are the trainer's (see train.callbacks).
    """
    trainer = _seeded_trainer(config, dataset, run_dir, progress, probe, clock, callbacks)
    return trainer.model, _with_curve(trainer, trainer.fit())


def _seeded_trainer(
    config: RunConfig,
    dataset: ImageDataset,
    run_dir: str | Path | None,
    progress: bool,
    probe: Probe | None,
    clock: Clock,
    callbacks: Sequence[StepCallback],
) -> Trainer:
    """The trainer of one run, its model built and seeded as the run's seed says."""
    seed_everything(config.seed)
    model = build_run(config, dataset)
    return Trainer(
        model,
        dataset,
        config.budget,
        config.seed,
        run_dir,
        config.device,
        progress,
        probe=probe,
        clock=clock,
        callbacks=callbacks,
    )


def _with_curve(trainer: Trainer, result: TrainResult) -> TrainResult:
    """The result with the learning-curve rows and their cost, where the run had a probe."""
    if trainer.curve is not None:
        result.curve, result.curve_seconds = trainer.curve.rows, trainer.curve.seconds
    return result


def train_fused(
    configs: Sequence[RunConfig],
    dataset: ImageDataset,
    run_dirs: Sequence[str | Path | None] | None = None,
    progress: bool = True,
    *,
    probes: Sequence[Probe | None] | None = None,
    callbacks: Sequence[Sequence[StepCallback]] | None = None,
    clock: Clock = time.perf_counter,
) -> list[tuple[GanModel, TrainResult]]:
    """``train_run`` for several runs of one family trained as one batched computation
    (``gan_zoo.train.fused``): each run's configuration (the same but for its seed) builds and
    seeds its model as alone, and each run keeps its own folder, checkpoint and result.

    ``probes`` and ``callbacks`` are per run; ``clock`` times them all (see train.callbacks).
    """
    count = len(configs)
    run_dirs = run_dirs or [None] * count
    probes = probes or [None] * count
    callbacks = callbacks or [()] * count
    dataset = on_device(dataset, pick_device(configs[0].device))
    members = []
    for config, run_dir, probe, calls in zip(configs, run_dirs, probes, callbacks, strict=True):
        check_fusable(config.model, config.hparams)
        members.append(_seeded_trainer(config, dataset, run_dir, progress, probe, clock, calls))
    results = FusedTrainer(members).fit()
    return [(t.model, _with_curve(t, r)) for t, r in zip(members, results, strict=True)]
