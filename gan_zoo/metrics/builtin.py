"""How the built-in metrics are computed from a model and its bank of samples.

The catalog declares them (keys, directions, where they apply) and points here for the work;
the intermediates several metrics share (the judge's predictions, the post-hoc encoder, the
disentanglement draws) are built once per bank through the :class:`EvalContext`. The
disentanglement metrics reach the registry through one adapter, :func:`disentanglement_metric`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from gan_zoo.metrics.chance import code_chance
from gan_zoo.metrics.context import EvalContext
from gan_zoo.metrics.disentanglement.draws import CONTEXT_KEY, ScoreFn
from gan_zoo.metrics.disentanglement.protocol import MetricProtocol
from gan_zoo.metrics.dsprites_scoring import model_draws
from gan_zoo.metrics.information import binned_mi, categorical_mi, regression_r2, variational_bound
from gan_zoo.metrics.posthoc import PosthocResult, shared_posthoc
from gan_zoo.metrics.registry import Key, Metric
from gan_zoo.models.base import GanModel, Samples, to_float


def quality(
    model: GanModel, samples: Samples, dataset: str, context: EvalContext
) -> Mapping[str, float]:
    from gan_zoo.metrics.fidelity import PRC_SAMPLES, inception_quality, sample_quality
    from gan_zoo.metrics.inception_weights import resolve
    from gan_zoo.metrics.judge import get_judge, has_judge

    if context.inception:  # the record names the weights: their path, SHA-256 and source
        context.details["inception_weights"] = resolve(context.inception_weights).details()
    if not has_judge(dataset):  # no labels, no judge: Inception features, when asked for
        if not context.inception:
            return {}
        return inception_quality(
            samples.images,
            context.splits,
            inception_weights=context.inception_weights,
            num_samples=len(samples.images),
            seed=context.seed,
        )
    # the record names the judge: its recipe and its weights' SHA-256
    judge = get_judge(dataset, root=context.root, data=context.splits)
    context.details["judge"] = judge.provenance()
    return sample_quality(
        samples.images,
        dataset,
        root=context.root,
        inception=context.inception,
        inception_weights=context.inception_weights,
        num_samples=len(samples.images),
        seed=context.seed,
        prc_samples=PRC_SAMPLES if context.prc_samples is None else context.prc_samples,
        data=context.splits,
    )


def intra_class(
    model: GanModel, samples: Samples, dataset: str, context: EvalContext
) -> Mapping[str, float]:
    from gan_zoo.metrics.intra_class import intra_class_quality

    return intra_class_quality(
        samples.images,
        samples.labels,
        dataset,
        context.root,
        seed=context.seed,
        data=context.splits,
    )


def model_own(
    model: GanModel, samples: Samples, dataset: str, context: EvalContext
) -> Mapping[str, float]:
    return model.own_metrics(torch.Generator(device=model.device).manual_seed(context.seed))


# --- reference levels -----------------------------------------------------------------------

#: the judged datasets' classes (MNIST and Fashion-MNIST: ten digits, ten garments)
JUDGED_CLASSES = 10


def _bank_size(record: Mapping[str, Any]) -> int:
    """The samples a run's judged metrics saw (records before it was stored: the default)."""
    return int((record.get("metrics") or {}).get("quality_samples", 10_000))


def code_chance_level(key: str, record: Mapping[str, Any]) -> float | None:
    """Hungarian accuracy or normalised MI of a code independent of the judged class, at the
    run's sample count and code size (a seeded simulation, see ``metrics.chance``)."""
    size = (record.get("hparams") or {}).get("cat_size")
    if not size:
        return None
    stat = "hungarian_accuracy" if key.startswith("code_acc_") else "mi_normalised"
    return code_chance(_bank_size(record), int(size))[stat]


def label_chance_level(key: str, record: Mapping[str, Any]) -> float | None:
    """A label the samples ignore: 1/K accuracy, and the plug-in MI's bias at the run's count."""
    if key == "label_acc":
        return 1 / JUDGED_CLASSES
    return code_chance(_bank_size(record), JUDGED_CLASSES)["mi_normalised"]


def quality_floor(num_samples: int, context: EvalContext) -> dict[str, float]:
    """Real train images against the test split at the evaluation's sample count: on the
    judge's features where the dataset has a judge, and on Inception's when the evaluation
    asked for them (both cached); none where the train split holds fewer images."""
    from gan_zoo.metrics.fidelity import inception_floor
    from gan_zoo.metrics.fidelity import quality_floor as real_quality
    from gan_zoo.metrics.judge import has_judge

    data, dataset = context.splits, context.dataset_name
    judged = has_judge(dataset)
    if not (judged or context.inception) or num_samples > len(data.train):
        return {}
    out: dict[str, float] = {}
    if judged:
        out.update(real_quality(dataset, root=context.root, num_samples=num_samples, data=data))
    if context.inception:
        out.update(
            inception_floor(
                dataset,
                context.root,
                inception_weights=context.inception_weights,
                num_samples=num_samples,
                data=data,
            )
        )
    return out


def intra_class_floor(num_samples: int, context: EvalContext) -> dict[str, float]:
    """Each class's real train images against its test images, a tenth of the bank per class."""
    from gan_zoo.metrics.intra_class import intra_class_floor as real_intra_class

    return real_intra_class(
        context.dataset_name,
        root=context.root,
        per_class=num_samples // JUDGED_CLASSES,
        data=context.splits,
    )


# --- the compute functions's shared intermediates ----------------------------------------------


def judge_predictions(samples: Samples, context: EvalContext) -> np.ndarray:
    """The judge's class for every sample, computed once per bank."""

    def predict() -> np.ndarray:
        from gan_zoo.metrics.judge import get_judge

        judge = get_judge(context.dataset_name, root=context.root, data=context.splits)
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


def own_bound(
    model: GanModel, samples: Samples, dataset: str, context: EvalContext
) -> dict[str, float]:
    return own_bounds(model, samples)


def posthoc_compute(
    model: GanModel, samples: Samples, dataset: str, context: EvalContext
) -> dict[str, float]:
    return posthoc_metrics(model, shared_posthoc(model, samples, context))


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


def disentanglement_metric(
    name: str,
    keys: tuple[Key, ...],
    settings: type[MetricProtocol],
    score: ScoreFn,
    curve: bool = False,
) -> Metric:
    """A registry entry for a dSprites disentanglement metric (register it to use it);
    ``curve``: the dSprites learning-curve probe scores it too (``metrics.curves``)."""

    def compute(model: Any, samples: Any, dataset: str, context: Any) -> Mapping[str, float]:
        draws = context.shared(CONTEXT_KEY, lambda: model_draws(model, samples, context))
        return draws.score(name, score)

    return Metric(
        name=name,
        keys=keys,
        datasets=("dsprites",),
        needs=("model",),  # the representation is the model's encoder or its post-hoc one
        compute=compute,
        curve=curve,
        settings=settings,
    )
