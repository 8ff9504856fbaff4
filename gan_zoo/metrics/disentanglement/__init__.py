"""Disentanglement metrics on ground-truth factor datasets (dSprites), as disentanglement_lib
defines them: MIG, SAP, DCI, FactorVAE score and BetaVAE score.

Each metric is ``metric(ground_truth_data, representation_fn, random_state, **protocol)
-> dict``; ``compute_all`` runs the five.
"""

from gan_zoo.metrics.disentanglement.beta_vae import beta_vae
from gan_zoo.metrics.disentanglement.dci import dci
from gan_zoo.metrics.disentanglement.factor_vae import factor_vae
from gan_zoo.metrics.disentanglement.mig import mig
from gan_zoo.metrics.disentanglement.protocol import GroundTruthData, RepresentationFn
from gan_zoo.metrics.disentanglement.sap import sap
from gan_zoo.metrics.disentanglement.suite import compute_all

__all__ = [
    "GroundTruthData",
    "RepresentationFn",
    "beta_vae",
    "compute_all",
    "dci",
    "factor_vae",
    "mig",
    "sap",
]
