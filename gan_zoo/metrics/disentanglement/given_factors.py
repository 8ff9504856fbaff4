"""Factors a model was given as labels: redrawn as nuisance, never credited.

A label-conditional model (cgan, acgan) is told the shape of every dSprites image it draws, so
separating shape from the other factors costs it nothing and says nothing about what it learned
unsupervised. Its disentanglement metrics therefore score it against the other factors only:
the ground truth is the dataset with the given factors left out of the factor list and redrawn
uniformly for every observation, as disentanglement_lib's split state space does for factors it
keeps out of the latent set. Chance levels move with the factor count (FactorVAE's is 1/4 with
four factors, not 1/5), which is why records name the factors scored and the tables show them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gan_zoo.errors import ConfigError
from gan_zoo.metrics.disentanglement.protocol import GroundTruthData


class WithoutFactors:
    """``source`` with the factors named in ``given`` treated as observation noise."""

    def __init__(self, source: GroundTruthData, given: Sequence[str]) -> None:
        names = list(source.factor_names)
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise ConfigError(f"no factor {', '.join(unknown)}; the factors are {', '.join(names)}")
        self.source = source
        self.kept = [i for i, name in enumerate(names) if name not in given]
        if not self.kept:
            raise ConfigError("every factor was given as a label: nothing is left to score")
        self.factor_names = tuple(names[i] for i in self.kept)
        self.factors_num_values = [int(source.factors_num_values[i]) for i in self.kept]
        self.num_factors = len(self.kept)

    def sample_factors(self, num: int, random_state: np.random.Generator) -> np.ndarray:
        return np.asarray(self.source.sample_factors(num, random_state))[:, self.kept]

    def sample_observations_from_factors(
        self, factors: np.ndarray, random_state: np.random.Generator
    ) -> np.ndarray:
        """Observations of ``factors`` with each left-out factor drawn afresh per observation."""
        factors = np.asarray(factors)
        full = np.array(self.source.sample_factors(len(factors), random_state))
        full[:, self.kept] = factors
        return self.source.sample_observations_from_factors(full, random_state)

    def sample(self, num: int, random_state: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        factors = self.sample_factors(num, random_state)
        return factors, self.sample_observations_from_factors(factors, random_state)
