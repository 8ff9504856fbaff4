"""The whole evaluation of one trained model, as one flat dict of metrics.

Draws one bank of samples (labels balanced for conditional models) and runs every registered
metric that applies to the dataset and the model on it (see ``metrics.registry``): quality
through the judge and torch-fidelity, code information (the model's own bound, the judge-based
estimate, Hungarian accuracy), label control, a post-hoc inversion encoder that every model gets,
on dSprites the disentanglement metrics, and any plugin metric. This module names no metric in
its control flow; the compute functions below are the built-ins' (declared in ``catalog``). Also writes the per-run
artefacts: ``samples.npz`` (uint8 images with the exact codes and labels), a sample grid and one
traversal PNG per code.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gan_zoo.data import DataSplits
from gan_zoo.data.dataset import ImageDataset
from gan_zoo.io import atomic_write
from gan_zoo.metrics.context import EvalContext
from gan_zoo.metrics.registry import Metric
from gan_zoo.metrics.registry import metrics as registered
from gan_zoo.metrics.traversal import write_sample_grid, write_traversals
from gan_zoo.models.base import GanModel, Samples
from gan_zoo.progress import progress_bar, timed_stage


def evaluate(
    model: GanModel,
    dataset: ImageDataset,
    run_dir: Path | None,
    seed: int = 0,
    root: str | None = None,
    num_samples: int = 10_000,
    inception: bool = False,
    inception_weights: str | None = None,
    data: DataSplits | None = None,
    draw: str = "full",
) -> tuple[dict[str, float], dict[str, Any]]:
    """Every registered metric that applies (see metrics.registry), and non-scalar details.

    The metrics read the dataset's splits from ``data`` (made here when not given), so each
    split is loaded once for the evaluation. ``draw``: the disentanglement metrics' draw
    (``dsprites_scoring.DRAWS``). Each stage says its time in one line (``progress.stage``).
    """
    with timed_stage(f"  evaluation: {num_samples} samples drawn"):
        samples = evaluation_bank(model, num_samples, seed)
        if run_dir is not None:
            save_artefacts(model, samples, Path(run_dir), seed)
    context = EvalContext(
        dataset_name=dataset.name,
        seed=seed,
        root=root,
        dataset=dataset,
        inception=inception,
        inception_weights=inception_weights,
        data=data,
        draw=draw,
    )
    selected = [m for m in registered() if m.compute]
    metrics = run_metrics(model, samples, context, selected, announce=True)
    return metrics, context.details


#: the evaluation bank of a run with seed s is drawn with seed EVAL_SEED_OFFSET + s
EVAL_SEED_OFFSET = 10_000


def evaluation_bank(model: GanModel, num_samples: int, seed: int) -> Samples:
    """The samples a run's evaluation scores: labels balanced (0, 1, ..., K-1, 0, ...) for
    conditional models, latents from a generator seeded apart from training's. The same call
    on the same weights gives the same images, which ``benchmarks.sample`` relies on."""
    gen = torch.Generator(device=model.device).manual_seed(EVAL_SEED_OFFSET + seed)
    labels = None
    if model.latent.label_classes:
        labels = torch.arange(num_samples) % model.latent.label_classes
    return model.sample(num_samples, labels=labels, generator=gen)


def run_metrics(
    model: GanModel,
    samples: Samples,
    context: EvalContext,
    selected: list[Metric],
    announce: bool = False,
) -> dict[str, float]:
    """Run the ``selected`` metrics that apply to this dataset and model, as one flat dict.

    ``announce`` (the evaluation, not the curve probe's many small calls): a bar over the
    metrics and one line per metric with its time."""
    chosen = [
        m for m in selected if m.compute is not None and m.applies(context.dataset_name, model)
    ]
    out: dict[str, float] = {}
    bar = progress_bar(total=len(chosen), desc="evaluation", disable=not announce, leave=False)
    with bar:
        for metric in chosen:
            bar.set_postfix_str(metric.name)
            with timed_stage(f"  evaluation: {metric.name}") if announce else nullcontext():
                scores = metric.compute(model, samples, context.dataset_name, context)
            out.update({k: float(v) for k, v in scores.items()})
            bar.update()
    return out


def judged_metrics(
    model: GanModel,
    samples: Samples,
    dataset_name: str,
    root: str | None = None,
    seed: int = 0,
    prc_samples: int | None = None,
    details: dict[str, Any] | None = None,
    inception: bool = False,
    inception_weights: str | None = None,
    data: DataSplits | None = None,
) -> dict[str, float]:
    """Every registered metric cheap enough for the learning-curve probe (``curve=True``)
    that applies to the dataset (the judge's probe; dSprites' disentanglement ones, also
    ``curve=True``, are scored by ``curves.DisentanglementProbe``).

    Quality, the model's own bound, judge-based code and label control, intra-class quality:
    the final evaluation and the probe both compute these, on banks of different sizes.
    ``prc_samples`` defaults to fidelity's protocol (5,000); ``data``: splits already loaded.
    """
    context = EvalContext(
        dataset_name=dataset_name,
        seed=seed,
        root=root,
        inception=inception,
        inception_weights=inception_weights,
        prc_samples=prc_samples,
        data=data,
        details={} if details is None else details,
    )
    return run_metrics(model, samples, context, [m for m in registered() if m.curve])


def save_artefacts(model: GanModel, samples: Samples, run_dir: Path, seed: int) -> None:
    """samples.npz with the exact latents, a sample grid, and traversal PNGs."""
    arrays = {"images": samples.images.numpy()}
    if samples.cat.shape[1]:
        arrays["codes_cat"] = samples.cat.numpy()
    if samples.cont.shape[1]:
        arrays["codes_cont"] = samples.cont.numpy()
    if samples.labels is not None:
        arrays["labels"] = samples.labels.numpy()
    atomic_write(run_dir / "samples.npz", lambda f: np.savez_compressed(f, **arrays))
    write_sample_grid(samples.images, run_dir / "samples.png")
    write_traversals(model, run_dir, seed=seed)
