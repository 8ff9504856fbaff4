"""Run all five metrics with reproducible, independent random streams.

MIG, SAP and DCI all score i.i.d. (code, factor) samples, so they share one training
draw and one held-out draw (the largest ``num_train``/``num_test`` any of them asks for;
each uses a prefix) — one representation pass instead of three. FactorVAE and BetaVAE
need their own fixed-factor batches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from gan_zoo.errors import ConfigError
from gan_zoo.metrics.disentanglement.beta_vae import beta_vae
from gan_zoo.metrics.disentanglement.dci import dci_from_codes
from gan_zoo.metrics.disentanglement.factor_vae import factor_vae
from gan_zoo.metrics.disentanglement.helpers import (
    RandomState,
    as_generator,
    check_ground_truth,
    sample_codes,
    spawn,
)
from gan_zoo.metrics.disentanglement.mig import mig_from_codes
from gan_zoo.metrics.disentanglement.protocol import (
    BetaVAEProtocol,
    DCIProtocol,
    FactorVAEProtocol,
    GroundTruthData,
    MetricProtocol,
    MIGProtocol,
    RepresentationFn,
    SAPProtocol,
)
from gan_zoo.metrics.disentanglement.sap import sap_from_codes

SETTINGS: dict[str, type[MetricProtocol]] = {
    "mig": MIGProtocol,
    "sap": SAPProtocol,
    "dci": DCIProtocol,
    "factorvae": FactorVAEProtocol,
    "betavae": BetaVAEProtocol,
}


def split_overrides(protocol: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per-metric overrides from ``compute_all``'s keywords.

    ``dci={"n_jobs": 2}`` targets one metric; a bare setting such as ``num_train=2000``
    goes to every metric that has it (and must exist in at least one).
    """
    per_metric: dict[str, dict[str, Any]] = {name: {} for name in SETTINGS}
    for key, value in protocol.items():
        if key in SETTINGS:
            if not isinstance(value, Mapping):
                raise ConfigError(f"{key}= takes a dict of settings, got {value!r}")
            per_metric[key].update(value)
            continue
        targets = [name for name, cls in SETTINGS.items() if key in {f.name for f in fields(cls)}]
        if not targets:
            raise ConfigError(f"no disentanglement metric has a setting {key!r}")
        for name in targets:
            per_metric[name].setdefault(key, value)
    return per_metric


def compute_all(
    ground_truth_data: GroundTruthData,
    representation_fn: RepresentationFn,
    random_state: RandomState,
    **protocol: Any,
) -> dict:
    """All five metrics in one flat dict; identical for the same seed and settings."""
    check_ground_truth(ground_truth_data)
    overrides = split_overrides(protocol)
    mig_s = MIGProtocol.with_overrides(overrides["mig"])
    sap_s = SAPProtocol.with_overrides(overrides["sap"])
    dci_s = DCIProtocol.with_overrides(overrides["dci"])
    codes_rng, sap_rng, dci_rng, fvae_rng, bvae_rng = spawn(as_generator(random_state), 5)

    batch = mig_s.representation_batch_size
    num_train = max(mig_s.num_train, sap_s.num_train, dci_s.num_train)
    num_test = max(sap_s.num_test, dci_s.num_test)
    train = sample_codes(ground_truth_data, representation_fn, num_train, codes_rng, batch)
    test = sample_codes(ground_truth_data, representation_fn, num_test, codes_rng, batch)

    scores: dict = {}
    scores.update(mig_from_codes(*train, mig_s))
    scores.update(sap_from_codes(*train, *test, sap_s, sap_rng))
    scores.update(dci_from_codes(*train, *test, dci_s, dci_rng))
    scores.update(
        factor_vae(ground_truth_data, representation_fn, fvae_rng, **overrides["factorvae"])
    )
    scores.update(beta_vae(ground_truth_data, representation_fn, bvae_rng, **overrides["betavae"]))
    return scores
