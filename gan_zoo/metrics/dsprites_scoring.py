"""What the dSprites disentanglement metrics score for a model, and against which factors.

The representation is the model's own Q on real images where it has one (InfoGAN and its
no-information baseline), else the post-hoc inversion encoder that every model gets, trained the
same way for all. The factors are dSprites' five, less those the model was given as labels: a
label-conditional model (cgan, acgan) is conditioned on shape, so shape is redrawn as noise and
not credited (see ``disentanglement.given_factors``). Both choices are written into the record
(``details["disentanglement"]``) and into the learning curve's protocol, and the tables show them.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch

from gan_zoo.data.dsprites import LABEL_FACTOR, DSpritesGroundTruth
from gan_zoo.errors import ConfigError
from gan_zoo.metrics.context import EvalContext
from gan_zoo.metrics.disentanglement.draws import Draws
from gan_zoo.metrics.disentanglement.given_factors import WithoutFactors
from gan_zoo.metrics.disentanglement.suite import make_draws
from gan_zoo.metrics.posthoc import shared_posthoc
from gan_zoo.metrics.representation_cache import IndexedGroundTruth
from gan_zoo.models.base import GanModel, Samples, to_float

OWN_Q = "own Q"
POSTHOC = "post-hoc encoder"
#: where ``scoring`` goes in an evaluation's details (and so in the record's ``details``)
DETAILS_KEY = "disentanglement"
#: the evaluation's draws by name (``make_draws`` settings over disentanglement_lib's
#: defaults): ``full`` is the library's protocol; ``smoke`` (the smoke budget's) about the
#: learning curve's draw with BetaVAE and DCI added, minutes less than ``full`` on a 2-core CPU
#: and far noisier: a plumbing check, never a score to report
DRAWS: dict[str, dict[str, dict[str, int]]] = {
    "full": {},
    "smoke": {
        "mig": {"num_train": 1000},
        "sap": {"num_train": 1000, "num_test": 500},
        "dci": {"num_train": 1000, "num_test": 500},
        "factorvae": {"num_variance_estimate": 1000, "num_train": 60, "num_eval": 40},
        "betavae": {"num_train": 60, "num_eval": 40},
    },
}


def check_draw(name: str) -> dict[str, dict[str, int]]:
    """The settings of the draw ``name``; an unknown name is a one-line ConfigError."""
    if name not in DRAWS:
        raise ConfigError(f"unknown disentanglement draw {name!r}; known: {', '.join(DRAWS)}")
    return DRAWS[name]


def given_factors(model: GanModel) -> tuple[str, ...]:
    """The dSprites factors ``model`` is given as labels: shape for a label-conditional model."""
    return (LABEL_FACTOR,) if model.latent.label_classes else ()


def scoring(model: GanModel) -> dict[str, Any]:
    """Which representation is scored and which factors count, as a record stores it."""
    given = given_factors(model)
    return {
        "representation": OWN_Q if model.code_encoder() is not None else POSTHOC,
        "given_factors": list(given),
        "scored_factors": [f for f in DSpritesGroundTruth.factor_names if f not in given],
    }


def ground_truth(context: EvalContext) -> DSpritesGroundTruth:
    """The full loaded set where the evaluation has it, else images rendered on demand (the
    same pixels as the generated set; small synthetic training sets in tests)."""
    dataset = context.dataset
    if dataset is not None and len(dataset) == DSpritesGroundTruth.size:
        return DSpritesGroundTruth.from_dataset(dataset)
    return DSpritesGroundTruth.rendered()


def model_draws(
    model: GanModel, samples: Samples, context: EvalContext, bf16: bool = False, **protocol: Any
) -> Draws:
    """What the disentanglement metrics score for ``model`` (``protocol``: per-metric settings,
    as ``make_draws`` takes them), with ``scoring(model)`` noted in ``context.details``.

    ``bf16`` encodes under bf16 autocast (the learning-curve probe); the evaluation keeps fp32.
    Without ``protocol``, the draw is ``context.draw``'s (``DRAWS``), named in the details
    where it is not the full one.
    """
    named = not protocol and context.draw != "full"
    if not protocol:
        protocol = {metric: dict(settings) for metric, settings in check_draw(context.draw).items()}
    n_cat = sum(c.num_categories for c in model.latent.categorical)
    n_cont = len(model.latent.continuous)
    device = model.device
    spec, own = model.code_spec, model.code_encoder()
    encoder = inference_copy(
        own if own is not None else shared_posthoc(model, samples, context).encoder
    )

    @torch.inference_mode()
    def representation(observations: np.ndarray) -> np.ndarray:
        x = to_float(torch.from_numpy(np.ascontiguousarray(observations)))
        outs = []
        for i in range(0, x.shape[0], 1000):
            chunk = x[i : i + 1000].to(device).contiguous(memory_format=torch.channels_last)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                out = encoder(chunk)
            outs.append(out.float().cpu())
        codes = torch.cat(outs)
        if own is not None:
            return spec.split(codes)[1].numpy()
        return codes[:, n_cat : n_cat + n_cont].numpy()

    indexed = IndexedGroundTruth(ground_truth(context), representation, DSpritesGroundTruth.size)
    given = given_factors(model)
    truth = WithoutFactors(indexed, given) if given else indexed
    context.details[DETAILS_KEY] = scoring(model)
    if named:  # a reader must see that these scores came from a smaller draw
        context.details[DETAILS_KEY]["draw"] = {"name": context.draw, **DRAWS[context.draw]}
    # DCI's boosted trees dominate the suite's time; fitting its factors on this process's
    # share of the cores gives the same scores (each fit is seeded on its own) in about half the
    # time on two cores. Not every core: pool workers each have their share (--jobs).
    dci = {"n_jobs": max(1, torch.get_num_threads()), **protocol.pop("dci", {})}
    return make_draws(
        truth, indexed.representation, np.random.default_rng(context.seed), dci=dci, **protocol
    )


def inference_copy(net: torch.nn.Module) -> torch.nn.Module:
    """An eval-mode, channels_last copy of ``net`` for encoding many images.

    Same fp32 arithmetic as the original (only the memory layout differs); on the 2-core CPU it
    encodes dSprites 1.4x faster (3,870 vs 2,690 images/s for the InfoGAN trunk), which matters
    because FactorVAE and BetaVAE need the representation of nearly all 737,280 images.
    """
    return copy.deepcopy(net).eval().to(memory_format=torch.channels_last)
