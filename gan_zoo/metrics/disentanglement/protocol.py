"""What the disentanglement metrics consume, and every protocol constant in one place.

The defaults are those of google-research/disentanglement_lib (the gin configs of its
dSprites study, Locatello et al., ICML 2019), so scores are comparable with published
tables. Every metric takes ``**protocol`` keyword overrides of its dataclass's fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

import numpy as np

from gan_zoo.errors import ConfigError

RepresentationFn = Callable[[np.ndarray], np.ndarray]
"""Maps a batch of observations (num, ...) to codes (num, D) — e.g. InfoGAN's Q head."""


@runtime_checkable
class GroundTruthData(Protocol):
    """A dataset with known generative factors, as disentanglement_lib defines it.

    ``num_factors`` is optional (read through ``helpers.num_factors``, which falls back to
    ``len(factors_num_values)``), so it is not a member here. Factors are class indices.
    """

    @property
    def factor_names(self) -> Sequence[str]: ...

    @property
    def factors_num_values(self) -> Sequence[int]: ...

    def sample_factors(self, num: int, random_state: np.random.Generator) -> np.ndarray: ...

    def sample_observations_from_factors(
        self, factors: np.ndarray, random_state: np.random.Generator
    ) -> np.ndarray: ...

    def sample(
        self, num: int, random_state: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]: ...


P = TypeVar("P", bound="MetricProtocol")


@dataclass(frozen=True)
class MetricProtocol:
    """Settings every metric shares.

    ``representation_batch_size`` only chunks calls to the representation function (the
    library uses 16); all factors are drawn before encoding, so it never changes a score.
    """

    representation_batch_size: int = 1024
    #: scores the i.i.d. (code, factor) draw it shares with the other such metrics
    shared_draw: ClassVar[bool] = False

    @classmethod
    def with_overrides(cls: type[P], overrides: Mapping[str, Any]) -> P:
        """The defaults with ``overrides`` applied; unknown names are a user error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ConfigError(
                f"{cls.__name__} has no setting {', '.join(unknown)}; "
                f"valid settings: {', '.join(sorted(known))}"
            )
        return replace(cls(), **overrides)


@dataclass(frozen=True)
class MIGProtocol(MetricProtocol):
    """Mutual Information Gap (Chen et al. 2018): equal-width histogram bins per code."""

    shared_draw: ClassVar[bool] = True

    num_train: int = 10_000
    num_bins: int = 20


@dataclass(frozen=True)
class SAPProtocol(MetricProtocol):
    """SAP (Kumar et al. 2018): one-feature LinearSVC per (code, factor) for discrete factors."""

    shared_draw: ClassVar[bool] = True

    num_train: int = 10_000
    num_test: int = 5_000
    svc_c: float = 0.01
    continuous_factors: bool = False


@dataclass(frozen=True)
class DCIProtocol(MetricProtocol):
    """DCI (Eastwood & Williams 2018) with disentanglement_lib's default GradientBoostingClassifier.

    ``n_jobs`` fits factors in parallel (same scores). ``n_iter_no_change`` is an opt-in,
    non-default early stop of the boosting (None = sklearn default = library behaviour).
    """

    shared_draw: ClassVar[bool] = True

    num_train: int = 10_000
    num_test: int = 5_000
    n_jobs: int = 1
    n_iter_no_change: int | None = None


@dataclass(frozen=True)
class FactorVAEProtocol(MetricProtocol):
    """FactorVAE score (Kim & Mnih 2018); ``batch_size`` is the size of one fixed-factor vote."""

    batch_size: int = 64
    num_train: int = 10_000
    num_eval: int = 5_000
    num_variance_estimate: int = 10_000
    prune_std_threshold: float = 0.05


@dataclass(frozen=True)
class BetaVAEProtocol(MetricProtocol):
    """BetaVAE score (Higgins et al. 2017); ``batch_size`` pairs are averaged per point."""

    batch_size: int = 64
    num_train: int = 10_000
    num_eval: int = 5_000
