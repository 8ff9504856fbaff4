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

from pathlib import Path
from typing import Any

import numpy as np
import torch

from gan_zoo.data.dataset import ImageDataset
from gan_zoo.io import atomic_write
from gan_zoo.metrics.context import EvalContext
from gan_zoo.metrics.information import binned_mi, categorical_mi, regression_r2, variational_bound
from gan_zoo.metrics.posthoc import PosthocResult, fit_posthoc_encoder
from gan_zoo.metrics.registry import Metric
from gan_zoo.metrics.registry import metrics as registered
from gan_zoo.metrics.traversal import write_sample_grid, write_traversals
from gan_zoo.models.base import GanModel, Samples, to_float


def evaluate(
    model: GanModel,
    dataset: ImageDataset,
    run_dir: Path | None,
    seed: int = 0,
    root: str | None = None,
    num_samples: int = 10_000,
    inception: bool = False,
    inception_weights: str | None = None,
) -> tuple[dict[str, float], dict[str, Any]]:
    """Every registered metric that applies (see metrics.registry), and non-scalar details."""
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
    )
    metrics = run_metrics(model, samples, context, [m for m in registered() if m.compute])
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
    model: GanModel, samples: Samples, context: EvalContext, selected: list[Metric]
) -> dict[str, float]:
    """Run the ``selected`` metrics that apply to this dataset and model, as one flat dict."""
    out: dict[str, float] = {}
    for metric in selected:
        if metric.compute is not None and metric.applies(context.dataset_name, model):
            scores = metric.compute(model, samples, context.dataset_name, context)
            out.update({k: float(v) for k, v in scores.items()})
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
) -> dict[str, float]:
    """Every registered metric cheap enough for the learning-curve probe (``curve=True``).

    Quality, the model's own bound, judge-based code and label control, intra-class quality:
    the final evaluation and the probe both compute these, on banks of different sizes.
    ``prc_samples`` defaults to fidelity's protocol (5,000).
    """
    context = EvalContext(
        dataset_name=dataset_name,
        seed=seed,
        root=root,
        inception=inception,
        inception_weights=inception_weights,
        prc_samples=prc_samples,
        details={} if details is None else details,
    )
    return run_metrics(model, samples, context, [m for m in registered() if m.curve])


def judge_predictions(samples: Samples, context: EvalContext) -> np.ndarray:
    """The judge's class for every sample, computed once per bank."""

    def predict() -> np.ndarray:
        from gan_zoo.metrics.judge import get_judge

        judge = get_judge(context.dataset_name, root=context.root)
        return judge.predict(samples.images).cpu().numpy()

    return context.shared("judge_predictions", predict)


def own_bounds(model: GanModel, samples: Samples) -> dict[str, float]:
    """L_I per categorical code from the model's own Q on fresh samples (eval mode)."""
    spec = model.code_spec
    q = model.predict_codes(to_float(samples.images))
    if q is None or spec is None:
        return {}
    logits, _, _ = spec.split(q)
    return {
        f"li_bound_{code.name}": variational_bound(
            lg.numpy(), samples.cat[:, i].numpy(), code.num_categories
        )
        for i, (code, lg) in enumerate(zip(model.latent.categorical, logits, strict=True))
    }


def code_information(
    model: GanModel, samples: Samples, dataset: str, context: EvalContext
) -> dict[str, float]:
    """Judge-based: I(c; judge) / H(c) and Hungarian accuracy per code.

    The Hungarian matching itself (code value -> judged class) goes into ``context.details``.
    """
    predictions = judge_predictions(samples, context)
    out: dict[str, float] = {}
    for i, code in enumerate(model.latent.categorical):
        res = categorical_mi(samples.cat[:, i].numpy(), predictions, code.num_categories)
        out[f"code_mi_{code.name}"] = res["mi_normalised"]
        out[f"code_acc_{code.name}"] = res["hungarian_accuracy"]
        context.details[f"matching_{code.name}"] = {str(k): v for k, v in res["matching"].items()}
    return out


def label_control(
    model: GanModel, samples: Samples, dataset: str, context: EvalContext
) -> dict[str, float]:
    """Judge accuracy and normalised MI of the requested label (conditional models)."""
    if samples.labels is None:
        return {}
    predictions = judge_predictions(samples, context)
    res = categorical_mi(samples.labels.numpy(), predictions, model.latent.label_classes)
    return {
        "label_acc": float((samples.labels.numpy() == predictions).mean()),
        "label_mi": res["mi_normalised"],
    }


def posthoc(model: GanModel, samples: Samples, context: EvalContext) -> PosthocResult:
    """The post-hoc inversion encoder of this bank, fitted once."""
    return context.shared("posthoc", lambda: fit_posthoc_encoder(model, samples, seed=context.seed))


def posthoc_compute(
    model: GanModel, samples: Samples, dataset: str, context: EvalContext
) -> dict[str, float]:
    return posthoc_metrics(model, posthoc(model, samples, context))


def posthoc_metrics(model: GanModel, res: PosthocResult) -> dict[str, float]:
    out: dict[str, float] = {}
    if res.cat_true.shape[1]:
        k = model.latent.categorical[0].num_categories
        out["posthoc_mi"] = categorical_mi(
            res.cat_true[:, 0].numpy(), res.cat_pred[:, 0].numpy(), k
        )["mi_normalised"]
    elif res.labels_true is not None:
        k = model.latent.label_classes
        out["posthoc_mi"] = categorical_mi(res.labels_true.numpy(), res.labels_pred.numpy(), k)[
            "mi_normalised"
        ]
    if res.cont_true.shape[1]:
        t, p = res.cont_true.numpy(), res.cont_pred.numpy()
        out["posthoc_r2"] = float(
            np.mean([regression_r2(t[:, j], p[:, j]) for j in range(t.shape[1])])
        )
        out["posthoc_binned_mi"] = float(
            np.mean([binned_mi(t[:, j], p[:, j]) for j in range(t.shape[1])])
        )
    return out


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
