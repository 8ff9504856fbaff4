"""What each hyperparameter may be: its type, range or choices, checked when a run is planned.

A bad value (``batch_size=-5``, ``adv_loss=hinge``) must be refused before any work is done, with
one line naming the key, the value and what is allowed, rather than failing every run at its
first step. Every key shared by the families has a rule here; a key only one family has comes with
its rule in that family's registration (``gan_zoo.models.register``). A test checks every key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from gan_zoo.errors import ConfigError
from gan_zoo.losses.adversarial import KINDS as ADVERSARIAL_KINDS


@dataclass(frozen=True)
class Rule:
    """A value's type, and an inclusive lower / upper bound or a set of choices."""

    kind: type
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    low_open: bool = False  # the lower bound itself is not allowed (e.g. a learning rate > 0)
    high_open: bool = False

    def describe(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.kind is bool:
            return "a boolean (0/1, true/false)"
        name = {int: "an integer", float: "a number"}[self.kind]
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {self.low:g}")
        if self.high is not None:
            parts.append(f"{'<' if self.high_open else '<='} {self.high:g}")
        return name + (" " + " and ".join(parts) if parts else "")

    def allows(self, value: Any) -> bool:
        if self.kind is bool:
            return isinstance(value, bool)
        if self.choices:
            return isinstance(value, str) and value in self.choices
        if isinstance(value, bool):
            return False
        if self.kind is int and not isinstance(value, int):
            return False
        if not isinstance(value, int | float) or not math.isfinite(value):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return not (
            self.high is not None and (value >= self.high if self.high_open else value > self.high)
        )


BOOL = Rule(bool)
POSITIVE_INT = Rule(int, low=1)
COUNT = Rule(int, low=0)
LEARNING_RATE = Rule(float, low=0, low_open=True)
WEIGHT = Rule(float, low=0)
BETA = Rule(float, low=0, high=1, high_open=True)

RULES: dict[str, Rule] = {
    "batch_size": POSITIVE_INT,
    "lr_d": LEARNING_RATE,
    "lr_g": LEARNING_RATE,
    "beta1": BETA,
    "beta2": BETA,
    "adv_loss": Rule(str, choices=ADVERSARIAL_KINDS),
    "noise_dim": COUNT,
    "num_cat": COUNT,
    "cat_size": Rule(int, low=2),
    "num_cont": COUNT,
    "lambda_cat": WEIGHT,
    "lambda_cont": WEIGHT,
    "learn_std": BOOL,
    "aux_weight": WEIGHT,
    "amp": BOOL,
    "compile": BOOL,
    "cuda_graph": BOOL,
    "channels_last": BOOL,
    "freeze_d_in_g": BOOL,
    "fused_adam": BOOL,
    "deterministic": BOOL,
}


def validate(hp: dict[str, Any]) -> None:
    """Raise a one-line ConfigError for the first value its rule does not allow."""
    for key, value in hp.items():
        rule = RULES.get(key)
        if rule is None:
            raise ConfigError(f"setting {key!r} has no validation rule")
        if rule.kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not rule.allows(value):
            raise ConfigError(f"setting {key}={value!r} is not allowed: expected {rule.describe()}")
