"""Disentanglement metrics on ground-truth factor datasets (dSprites), as disentanglement_lib
defines them: MIG, SAP, DCI, FactorVAE score and BetaVAE score.

Each metric module has one entry point, ``score(draws, settings, rng) -> dict``, which the
registry calls; ``compute_all(ground_truth_data, representation_fn, random_state, only=...,
**protocol)`` scores a representation outside an evaluation.
"""

from gan_zoo.metrics.disentanglement.protocol import GroundTruthData, RepresentationFn
from gan_zoo.metrics.disentanglement.suite import compute_all

__all__ = ["GroundTruthData", "RepresentationFn", "compute_all"]
