"""The learning-curve probe: the judge's cheap metrics on a small fixed bank of latents.

Every curve point draws the same latents and labels (a generator reseeded with ``BANK_SEED``
at each call, labels balanced for conditional models), so a change along the curve is a change
of the model, not of the bank. The metrics are :func:`gan_zoo.metrics.suite.judged_metrics`,
the very function the final evaluation uses, at a smaller sample count: 2,000 images (200 per
class) keeps a point to a few seconds on a 2-core CPU, while FID, precision/recall and the
intra-class scores stay far above their noise at that count. Numbers at 2,000 are biased
differently from the evaluation's 10,000 (FID is higher at small N): compare curves with
curves, and the end of a curve with the evaluation only in shape.

dSprites has no judge; its probe (:class:`DisentanglementProbe`) scores MIG, SAP and the
FactorVAE score of the representation the evaluation scores, on one fixed, smaller draw of the
ground truth, on the same schedule.

How much curve a run gets is its setting (``--curve``, by default its budget's): ``full`` is the
above, ``cheap`` at most ``CHEAP_POINTS`` points on a bank of at most ``CHEAP_SAMPLES`` (a smoke
run's curve, a shape and no more), ``off`` no probe at all. The probe draws from its own seeded
generator and the trainer restores the global RNG states after each point, so the setting never
changes what a run trains.
"""

from __future__ import annotations

from typing import Any

import torch

from gan_zoo.data import DataSplits
from gan_zoo.data.dataset import ImageDataset
from gan_zoo.errors import ConfigError
from gan_zoo.metrics.disentanglement.suite import disentanglement_metrics
from gan_zoo.metrics.judge import has_judge
from gan_zoo.models.base import GanModel, Samples
from gan_zoo.train.probe import CURVE_POINTS, curve_steps

CURVE_SAMPLES = 2000
#: one bank for every run and seed, apart from the evaluation's seeds (10,000 + run seed)
BANK_SEED = 20_000
#: protocol counts that are the same in every row; the record keeps them once
_CONSTANT_KEYS = ("quality_samples", "quality_reference", "prc_samples", "intra_samples")
#: how much learning curve a run gets (``--curve``)
CURVE_SETTINGS = ("off", "cheap", "full")
#: the cheap curve: its points and its largest bank (above FID's 129-sample minimum, a quarter
#: of the full bank)
CHEAP_POINTS = 3
CHEAP_SAMPLES = 500


def check_curve_setting(setting: str) -> str:
    """``setting`` if it is one of ``CURVE_SETTINGS``, else a one-line ConfigError."""
    if setting not in CURVE_SETTINGS:
        raise ConfigError(f"--curve must be one of {', '.join(CURVE_SETTINGS)}, not {setting!r}")
    return setting


class CurveProbe:
    """Judge-based metrics of a model on a fixed bank, at the steps of ``curve_steps``."""

    def __init__(
        self,
        dataset_name: str,
        total_steps: int,
        root: str | None = None,
        num_samples: int = CURVE_SAMPLES,
        bank_seed: int = BANK_SEED,
        points: int = CURVE_POINTS,
    ) -> None:
        self.dataset_name, self.root = dataset_name, root
        self.data = DataSplits(dataset_name, root)  # one load of the splits for every point
        self.num_samples, self.bank_seed = num_samples, bank_seed
        self.steps = curve_steps(total_steps, points)

    def bank(self, model: GanModel) -> Samples:
        """The fixed bank: same latents and labels at every call for a given model layout."""
        return fixed_bank(model, self.num_samples, self.bank_seed)

    def __call__(self, model: GanModel) -> dict[str, float]:
        from gan_zoo.metrics.suite import judged_metrics

        metrics = judged_metrics(
            model,
            self.bank(model),
            self.dataset_name,
            root=self.root,
            seed=self.bank_seed,
            prc_samples=self.num_samples,
            data=self.data,
        )
        return {k: v for k, v in metrics.items() if k not in _CONSTANT_KEYS}

    def protocol(self, model: GanModel | None = None) -> dict[str, object]:
        """What a record stores beside the rows, so a reader knows how they were made."""
        return {"samples": self.num_samples, "bank_seed": self.bank_seed, "steps": list(self.steps)}


def fixed_bank(model: GanModel, num_samples: int, seed: int) -> Samples:
    """``num_samples`` images from latents drawn with ``seed`` (labels balanced where the model
    takes them): the same bank at every call for a given model layout."""
    labels = None
    if model.latent.label_classes:
        labels = torch.arange(num_samples) % model.latent.label_classes
    generator = torch.Generator(device=model.device).manual_seed(seed)
    return model.sample(num_samples, labels=labels, generator=generator)


def disentanglement_curve_metrics() -> list[str]:
    """The dSprites probe's metrics: the disentanglement metrics whose registration declares
    ``curve=True`` (``metrics.catalog`` says why DCI and BetaVAE are not), registry order."""
    return [m.name for m in disentanglement_metrics() if m.curve]


#: the probe's draw, per metric (``make_draws`` settings). MIG and SAP share one i.i.d. draw of
#: 2,000 / 1,000 points (DCI's entry only keeps that shared draw this small); FactorVAE votes
#: keep their 64 images each, 60 training and 40 evaluation votes instead of 10,000 and 5,000.
#: Sized so that 10 points cost under 10% of a run's training on the 2-core CPU (README); far
#: noisier than the evaluation: compare curves with curves (``benchmarks.probe_gap`` shows how
#: far the last point sits from the evaluation of the same weights).
DISENTANGLEMENT_CURVE_DRAW: dict[str, dict[str, int]] = {
    "mig": {"num_train": 2000},
    "sap": {"num_train": 2000, "num_test": 1000},
    "dci": {"num_train": 2000, "num_test": 1000},
    "factorvae": {"num_variance_estimate": 1000, "num_train": 60, "num_eval": 40},
}
#: generated images the post-hoc encoder learns from at each point (models without their own Q)
DISENTANGLEMENT_CURVE_SAMPLES = 1500


def probe_in_bf16(model: GanModel) -> bool:
    """Whether the probe's encoders run under bf16 autocast: where the run trains in it (``amp``
    on hardware with native bf16), as fast as training; elsewhere fp32 like the evaluation."""
    from gan_zoo.train.speed import bf16_is_fast

    return bool(model.hparams.get("amp")) and bf16_is_fast(model.device)


class DisentanglementProbe:
    """MIG, SAP and FactorVAE on one fixed draw of dSprites, at the steps of ``curve_steps``.

    Scores the representation the evaluation scores, with the same given-factor rule
    (``metrics.dsprites_scoring``): the model's own Q, or a post-hoc encoder fitted at each point
    on a fixed bank of ``num_samples`` generated images. The draw's random streams are seeded
    with ``bank_seed`` at every call, so every point sees the same factors.
    """

    def __init__(
        self,
        total_steps: int,
        dataset: ImageDataset | None = None,
        num_samples: int = DISENTANGLEMENT_CURVE_SAMPLES,
        bank_seed: int = BANK_SEED,
        points: int = CURVE_POINTS,
    ) -> None:
        self.dataset, self.num_samples, self.bank_seed = dataset, num_samples, bank_seed
        self.steps = curve_steps(total_steps, points)
        # a plumbing run with a smaller bank gets a draw as much smaller (at least 10 of each)
        scale = min(1.0, num_samples / DISENTANGLEMENT_CURVE_SAMPLES)
        self.draw = {
            name: {key: max(10, round(count * scale)) for key, count in settings.items()}
            for name, settings in DISENTANGLEMENT_CURVE_DRAW.items()
        }

    def __call__(self, model: GanModel) -> dict[str, float]:
        from gan_zoo.metrics.context import EvalContext
        from gan_zoo.metrics.disentanglement.suite import score_draws
        from gan_zoo.metrics.dsprites_scoring import model_draws
        from gan_zoo.metrics.posthoc import fit_posthoc_encoder

        context = EvalContext("dsprites", seed=self.bank_seed, dataset=self.dataset)
        draw = {name: dict(settings) for name, settings in self.draw.items()}
        samples = fixed_bank(model, self.num_samples, self.bank_seed)
        bf16 = probe_in_bf16(model)
        if model.code_encoder() is None:  # the post-hoc encoder, fitted as the draws ask for it
            context.shared(
                "posthoc",
                lambda: fit_posthoc_encoder(model, samples, seed=self.bank_seed, bf16=bf16),
            )
        draws = model_draws(model, samples, context, bf16=bf16, **draw)
        return score_draws(draws, disentanglement_curve_metrics())

    def protocol(self, model: GanModel | None = None) -> dict[str, Any]:
        """What a record stores beside the rows: the draw, the bank, the steps and, given the
        model, what was scored (``dsprites_scoring.scoring``)."""
        out: dict[str, Any] = {
            "metrics": disentanglement_curve_metrics(),
            "draw": self.draw,
            "samples": self.num_samples,
            "bank_seed": self.bank_seed,
            "steps": list(self.steps),
        }
        if model is not None:
            from gan_zoo.metrics.dsprites_scoring import scoring

            out.update(scoring(model), bf16=probe_in_bf16(model))
        return out


def curve_probe(
    dataset_name: str,
    total_steps: int,
    root: str | None = None,
    num_samples: int = CURVE_SAMPLES,
    dataset: ImageDataset | None = None,
    setting: str = "full",
) -> CurveProbe | DisentanglementProbe | None:
    """The probe for a run on ``dataset_name``: the judge's on a judged dataset, the
    disentanglement probe on dSprites (scoring against ``dataset`` where it is the full set),
    None elsewhere or when ``setting`` is ``off``.

    ``num_samples`` above ``CURVE_SAMPLES`` is capped to it (the evaluation's 10,000 would cost
    five times as much per point); below, it is kept, for small plumbing runs. ``cheap`` caps
    it further to ``CHEAP_SAMPLES`` and takes ``CHEAP_POINTS`` points.
    """
    if check_curve_setting(setting) == "off":
        return None
    points = CHEAP_POINTS if setting == "cheap" else CURVE_POINTS
    if setting == "cheap":
        num_samples = min(num_samples, CHEAP_SAMPLES)
    if dataset_name == "dsprites":
        count = min(num_samples, DISENTANGLEMENT_CURVE_SAMPLES)
        return DisentanglementProbe(total_steps, dataset, count, points=points)
    if not has_judge(dataset_name):
        return None
    count = min(num_samples, CURVE_SAMPLES)
    return CurveProbe(dataset_name, total_steps, root, count, points=points)
