"""The learning-curve probe: the judge's cheap metrics on a small fixed bank of latents.

Every curve point draws the same latents and labels (a generator reseeded with ``BANK_SEED``
at each call, labels balanced for conditional models), so a change along the curve is a change
of the model, not of the bank. The metrics are :func:`gan_zoo.metrics.suite.judged_metrics`,
the very function the final evaluation uses, at a smaller sample count: 2,000 images (200 per
class) keeps a point to a few seconds on a 2-core CPU, while FID, precision/recall and the
intra-class scores stay far above their noise at that count. Numbers at 2,000 are biased
differently from the evaluation's 10,000 (FID is higher at small N): compare curves with
curves, and the end of a curve with the evaluation only in shape.
"""

from __future__ import annotations

import torch

from gan_zoo.metrics.judge import has_judge
from gan_zoo.models.base import GanModel
from gan_zoo.train.probe import curve_steps

CURVE_SAMPLES = 2000
#: one bank for every run and seed, apart from the evaluation's seeds (10,000 + run seed)
BANK_SEED = 20_000
#: protocol counts that are the same in every row; the record keeps them once
_CONSTANT_KEYS = ("quality_samples", "quality_reference", "prc_samples", "intra_samples")


class CurveProbe:
    """Judge-based metrics of a model on a fixed bank, at the steps of ``curve_steps``."""

    def __init__(
        self,
        dataset_name: str,
        total_steps: int,
        root: str | None = None,
        num_samples: int = CURVE_SAMPLES,
        bank_seed: int = BANK_SEED,
    ) -> None:
        self.dataset_name, self.root = dataset_name, root
        self.num_samples, self.bank_seed = num_samples, bank_seed
        self.steps = curve_steps(total_steps)

    def bank(self, model: GanModel):
        """The fixed bank: same latents and labels at every call for a given model layout."""
        labels = None
        if model.latent.label_classes:
            labels = torch.arange(self.num_samples) % model.latent.label_classes
        generator = torch.Generator(device=model.device).manual_seed(self.bank_seed)
        return model.sample(self.num_samples, labels=labels, generator=generator)

    def __call__(self, model: GanModel) -> dict[str, float]:
        from gan_zoo.metrics.suite import judged_metrics

        metrics = judged_metrics(
            model,
            self.bank(model),
            self.dataset_name,
            root=self.root,
            seed=self.bank_seed,
            prc_samples=self.num_samples,
        )
        return {k: v for k, v in metrics.items() if k not in _CONSTANT_KEYS}

    def protocol(self) -> dict[str, object]:
        """What a record stores beside the rows, so a reader knows how they were made."""
        return {"samples": self.num_samples, "bank_seed": self.bank_seed, "steps": list(self.steps)}


def curve_probe(
    dataset_name: str,
    total_steps: int,
    root: str | None = None,
    num_samples: int = CURVE_SAMPLES,
) -> CurveProbe | None:
    """The probe for a run on ``dataset_name``; None where the dataset has no judge (dSprites).

    ``num_samples`` above ``CURVE_SAMPLES`` is capped to it (the evaluation's 10,000 would cost
    five times as much per point); below, it is kept, for small plumbing runs.
    """
    if not has_judge(dataset_name):
        return None
    return CurveProbe(dataset_name, total_steps, root, min(num_samples, CURVE_SAMPLES))
