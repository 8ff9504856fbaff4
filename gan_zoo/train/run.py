"""Seed, build and train one model: the call the runner and the tests make."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gan_zoo.config import Budget
from gan_zoo.config import budget as get_budget
from gan_zoo.data.dataset import ImageDataset
from gan_zoo.devices import pick_device
from gan_zoo.models import build, build_run
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
    seed_everything(config.seed)
    model = build_run(config, dataset)
    trainer = Trainer(
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
    result = trainer.fit()
    if trainer.curve is not None:
        result.curve, result.curve_seconds = trainer.curve.rows, trainer.curve.seconds
    return model, result


def train_fused(
    model_name: str,
    dataset: ImageDataset,
    budget: str | Budget,
    seeds: list[int],
    overrides: dict[str, Any] | None = None,
    run_dirs: list[str | Path | None] | None = None,
    device: str | None = None,
    progress: bool = True,
    stop_after: int | None = None,
    probes: list[Probe | None] | None = None,
    callbacks: list[Sequence[StepCallback]] | None = None,
) -> list[tuple[GanModel, TrainResult]]:
    """``train_run`` for several seeds of one family trained as one batched computation
    (``gan_zoo.train.fused``): each seed's model is built and seeded as alone, and each run
    keeps its own folder, checkpoint and result."""
    dev = pick_device(device)
    plan = get_budget(budget) if isinstance(budget, str) else budget
    run_dirs = run_dirs or [None] * len(seeds)
    probes = probes or [None] * len(seeds)
    callbacks = callbacks or [()] * len(seeds)
    dataset = on_device(dataset, dev)
    members = []
    for seed, run_dir, probe, calls in zip(seeds, run_dirs, probes, callbacks, strict=True):
        seed_everything(seed)
        model = build(model_name, dataset, dev.type, **(overrides or {}))
        check_fusable(model_name, model.hparams)
        members.append(
            Trainer(
                model, dataset, plan, seed, run_dir, dev, progress, probe=probe, callbacks=calls
            )
        )
    results = FusedTrainer(members, stop_after=stop_after).fit()
    for trainer, result in zip(members, results, strict=True):
        if trainer.curve is not None:
            result.curve, result.curve_seconds = trainer.curve.rows, trainer.curve.seconds
    return [(t.model, r) for t, r in zip(members, results, strict=True)]
