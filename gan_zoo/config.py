"""Every hyperparameter and training budget, in one readable place.

Resolution order for a run: COMMON, then the model's own defaults (declared where the model
registers, in its one file), then the dataset's defaults, then
the dataset's defaults for that model (both declared in the dataset's registration, see
``gan_zoo.data.registry``), then the user's ``key=value`` overrides. Values are plain Python so a
run record can store the resolved config verbatim.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from gan_zoo.config_rules import RULES, Rule, validate
from gan_zoo.data.registry import dataset_hparams
from gan_zoo.errors import ConfigError

COMMON: dict[str, Any] = {
    # InfoGAN official launcher (openai/InfoGAN): Adam beta1 0.5, D 2e-4, G 1e-3, batch 128.
    "batch_size": 128,
    "lr_d": 2e-4,
    "lr_g": 1e-3,
    "beta1": 0.5,
    "beta2": 0.999,
    "adv_loss": "ns",
    # Latent layout shared by the 28x28 families so every generator gets the same 74 inputs:
    # z 62-d Unif(-1, 1), one Cat(10) code (or the label, for conditional models), two Unif codes.
    "noise_dim": 62,
    "num_cat": 1,
    "cat_size": 10,
    "num_cont": 2,
    # Information term weights: 1 for the discrete code (paper); 0.1 for the continuous codes,
    # since with a fixed-std Gaussian Q their term otherwise pulls G towards trivially
    # decodable, low-diversity images (paper section 6 notes continuous codes want a smaller
    # lambda; PyTorch-GAN uses 0.1 as well).
    "lambda_cat": 1.0,
    "lambda_cont": 0.1,
    "learn_std": False,
    "aux_weight": 1.0,
    # Speed options (gan_zoo/train/speed.py); all off is a plain fp32 eager loop. The defaults
    # are what measured faster on the 2-core CPU this suite is built on (bf16 autocast falls
    # back to fp32 where the hardware would only emulate it); compile measured slower there.
    "amp": True,
    "compile": False,
    # CUDA only, off until measured on a GPU: the whole step replayed as CUDA graphs
    # (gan_zoo/train/step_graphs.py).
    "cuda_graph": False,
    "channels_last": True,
    "freeze_d_in_g": True,
    "fused_adam": True,
    # Reproducibility switch (gan_zoo/train/determinism.py): deterministic algorithms, no TF32.
    # Off by default (it costs speed on CUDA); on, a run resumed on CUDA ends with the weights of
    # the uninterrupted run bit for bit, as it always does on the CPU.
    "deterministic": False,
}

#: defaults that differ by the kind of device a run trains on, applied over COMMON (a model's,
#: a dataset's and the user's settings still win)
DEVICE_DEFAULTS: dict[str, dict[str, Any]] = {
    # Measured on one H100 (torch 2.11, commit 8c90f79, issue 13): the harness ran 11,976 img/s
    # with bf16 autocast and channels_last against 12,671 with every option off; in eager mode
    # bf16 adds casts around many tiny kernels. Off on CUDA until a GPU measurement shows they
    # pay (``python -m benchmarks.speed.compare --device cuda --options amp=1,channels_last=1``).
    "cuda": {"amp": False, "channels_last": False},
}

#: each model's own defaults over COMMON, given by its registration (``gan_zoo.models.register``:
#: a built-in family and a plugin alike declare them in their one file)
MODELS: dict[str, dict[str, Any]] = {}

#: (model, dataset) pairs refused before any work, each with its one-line reason (declared by
#: the model's registration)
REFUSED: dict[tuple[str, str], str] = {}


def add_model_defaults(
    model: str,
    defaults: dict[str, Any],
    rules: dict[str, Rule] | None = None,
    refused: dict[str, str] | None = None,
) -> None:
    """Give a registered model its own defaults, value rules and refused datasets.

    A new key needs a rule (so ``--set`` values are checked like every other); a key that
    already has one keeps it, and a different rule for it is refused.
    """
    if model in MODELS:
        raise ConfigError(f"model {model!r} already has hyperparameter defaults")
    rules = rules or {}
    missing = [k for k in defaults if k not in RULES and k not in rules]
    if missing:
        raise ConfigError(f"model {model!r}: no validation rule for {', '.join(missing)}")
    clashing = [k for k in rules if k in RULES and RULES[k] != rules[k]]
    if clashing:
        raise ConfigError(f"model {model!r}: {', '.join(clashing)} already have other rules")
    RULES.update(rules)
    MODELS[model] = dict(defaults)
    for dataset, reason in (refused or {}).items():
        REFUSED[model, dataset] = reason


def remove_model_defaults(model: str) -> None:
    """Forget a model's defaults and refusals (its new rules stay: other runs may name them)."""
    MODELS.pop(model, None)
    for pair in [pair for pair in REFUSED if pair[0] == model]:
        del REFUSED[pair]


@dataclass(frozen=True)
class Budget:
    """How long a run trains and how often it checkpoints and logs."""

    name: str
    steps: int
    checkpoint_every: int
    log_every: int
    description: str
    #: the datasets it is meant for; empty means every dataset
    datasets: tuple[str, ...] = ()
    #: the learning curve a run gets unless ``--curve`` says (``metrics.curves.CURVE_SETTINGS``)
    curve: str = "full"
    #: generated samples an evaluation scores unless ``--num-samples`` says
    eval_samples: int = 10_000
    #: the disentanglement metrics' draw (``metrics.dsprites_scoring.DRAWS``): "full" is
    #: disentanglement_lib's protocol, "smoke" a small one for plumbing runs
    eval_draw: str = "full"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


BUDGETS: dict[str, Budget] = {
    # a smoke run checks the plumbing in about a minute: a cheap curve (a few points on a small
    # bank), 2,000 evaluation samples and a small dSprites draw; records say which (issue 34)
    "smoke": Budget(
        "smoke",
        30,
        15,
        5,
        "a few dozen steps: plumbing and tests (cheap curve, small evaluation)",
        curve="cheap",
        eval_samples=2000,
        eval_draw="smoke",
    ),
    "quick": Budget(
        "quick", 1000, 250, 50, "a few minutes per model on a 2-core CPU; models clearly learn"
    ),
    "paper": Budget(
        "paper", 5000, 500, 100, "the official InfoGAN schedule: 50 epochs x 100 updates"
    ),
    # dSprites at batch 64: 10,000 steps are 0.87 epochs, 3.1% of InfoGAN-CR's schedule; on the
    # 2-core CPU 840 s of training and 308 s of evaluation for InfoGAN seed 0 at 8d070d8 (issue 22)
    "dsprites": Budget(
        "dsprites",
        10_000,
        1000,
        100,
        "the dSprites sweep: 10,000 steps at batch 64, 3.1% of InfoGAN-CR's schedule",
        ("dsprites",),
    ),
    # a longer look on the CPU (issue 22): the dsprites budget's curves are flat, so one seed of
    # infogan and infogan_noinfo at 3x its steps asks whether MIG starts to rise; 2.6 epochs,
    # 9.3% of InfoGAN-CR's schedule, about 45 minutes of training a run on the 2-core CPU
    "dsprites_long": Budget(
        "dsprites_long",
        30_000,
        2000,
        100,
        "one seed at 3x the dsprites sweep: 30,000 steps at batch 64, 9.3% of InfoGAN-CR's",
        ("dsprites",),
    ),
    # InfoGAN-CR (Lin et al. 2020, fjxmlzn/InfoGAN-CR): 28 epochs of 737,280 images at batch 64
    # = 322,560 steps; its "modified InfoGAN" row is the checkpoint at 288,000. Checkpoints
    # every 2,000 steps, so a command cut off (a GPU window) loses little and the next resumes.
    "anchor": Budget(
        "anchor",
        322_560,
        2000,
        500,
        "InfoGAN-CR's dSprites schedule: 28 epochs at batch 64 (a GPU run, resumed across commands)",
        ("dsprites",),
    ),
}


def budget(name: str, dataset: str | None = None) -> Budget:
    """The budget ``name``; with ``dataset``, refused where the budget is for other datasets."""
    if name not in BUDGETS:
        raise ConfigError(f"unknown budget {name!r}; choose one of: {', '.join(BUDGETS)}")
    found = BUDGETS[name]
    if dataset is not None and found.datasets and dataset not in found.datasets:
        raise ConfigError(
            f"budget {name!r} is for {', '.join(found.datasets)} only, not {dataset!r}"
        )
    return found


def hparams_for(
    model: str, dataset: str, overrides: dict[str, Any] | None = None, device_type: str = "cpu"
) -> dict[str, Any]:
    """The resolved hyperparameters of ``model`` on ``dataset`` with ``overrides`` applied, for
    a run on ``device_type`` (``cpu`` or ``cuda``; see ``DEVICE_DEFAULTS``)."""
    if (model, dataset) in REFUSED:
        raise ConfigError(REFUSED[model, dataset])
    if model not in MODELS:  # never COMMON alone for a family whose own defaults were not read
        raise ConfigError(
            f"model {model!r} has no registered defaults (is gan_zoo.models imported, or the "
            "plugin that registers it installed?)"
        )
    hp = dict(COMMON)
    hp.update(DEVICE_DEFAULTS.get(device_type, {}))
    hp.update(MODELS[model])
    dataset_defaults, per_model = dataset_hparams(dataset)
    hp.update(dataset_defaults)
    hp.update(per_model.get(model, {}))
    for key, value in (overrides or {}).items():
        if key not in hp:
            raise ConfigError(
                f"unknown setting {key!r} for {model} on {dataset}; valid keys: {', '.join(sorted(hp))}"
            )
        hp[key] = coerce(key, value, hp[key])
    validate(hp)
    return hp


def coerce(key: str, value: Any, default: Any) -> Any:
    """Turn a command-line string into the type of the default it replaces."""
    if not isinstance(value, str):
        return value
    try:
        if isinstance(default, bool):
            lowered = value.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
    except ValueError:
        raise ConfigError(f"setting {key}={value!r}: expected a {type(default).__name__}") from None
    return value


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """``["lr_g=1e-3", ...]`` to a dict; malformed pairs are a ConfigError."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"--set expects key=value, got {pair!r}")
        out[key.strip()] = value.strip()
    return out
