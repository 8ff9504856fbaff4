"""One run's configuration, resolved once and then only read.

The runner makes it from the plan (model, dataset, seed, budget, ``--set`` overrides) on the
device the run will use; the build, the trainer and the run's record all take it from here, so
the hyperparameters a model was built with are by construction the ones its record states.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gan_zoo.config import Budget, budget, hparams_for
from gan_zoo.data.registry import resolve as resolve_dataset
from gan_zoo.devices import pick_device
from gan_zoo.errors import ConfigError


@dataclass(frozen=True)
class RunConfig:
    """Model, dataset, seed, budget, device and the resolved hyperparameters of one run.

    ``hparams`` is the resolved dict (common, device, model and dataset defaults, then the
    overrides); treat it as read-only, builders get a copy.
    """

    model: str
    dataset: str
    seed: int
    budget: Budget
    device: str
    hparams: dict[str, Any]

    @classmethod
    def resolve(
        cls,
        model: str,
        dataset: str,
        seed: int = 0,
        budget_name: str = "smoke",
        overrides: dict[str, Any] | None = None,
        device: str | None = None,
    ) -> RunConfig:
        """Check and resolve everything a run needs; a bad name or value is a ConfigError.

        ``dataset`` may be a spec of the user's data (``folder:PATH``); the config holds the
        registered name its data loads under.
        """
        dev = pick_device(device)
        try:
            entry = resolve_dataset(dataset)
            name, spec = entry.name, entry.spec
        except ConfigError:  # not registered (a test's in-memory data): no dataset defaults
            name = spec = dataset
        hparams = hparams_for(model, spec, overrides, dev.type)
        return cls(model, name, seed, budget(budget_name, name), str(dev), hparams)

    @property
    def device_type(self) -> str:
        return self.device.split(":")[0]


def differing_keys(saved: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The hyperparameters whose values differ, or that only one side has, sorted."""
    return sorted(k for k in saved.keys() | current.keys() if saved.get(k) != current.get(k))
