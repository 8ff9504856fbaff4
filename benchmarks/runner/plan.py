"""The run list: one run per (model, dataset, seed, budget, overrides), each with a stable id."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace

from gan_zoo.config import REFUSED
from gan_zoo.config import budget as check_budget
from gan_zoo.data.registry import DatasetEntry, resolve
from gan_zoo.errors import ConfigError
from gan_zoo.models import available as models_available
from gan_zoo.models import canonical, check_nets
from gan_zoo.run_config import RunConfig


@dataclass(frozen=True)
class RunSpec:
    """One run. ``dataset`` is a registered name, or the spec of the user's data
    (``folder:/abs/path``) that any process can load again."""

    model: str
    dataset: str
    seed: int
    budget: str
    overrides: tuple[tuple[str, str], ...] = ()
    #: the run resolved once, on the device this process trains it on (``plan_runs`` with a
    #: device): what the plan's checks, its build, its trainer and its record read; None for a
    #: plan made without a device (a Ray task resolves on its worker). Not part of its identity.
    resolved: RunConfig | None = field(default=None, compare=False, repr=False)

    @property
    def dataset_name(self) -> str:
        """The registered, path-safe name (``folder-digits-1a2b3c4d`` for a folder spec)."""
        return resolve(self.dataset).name

    @property
    def run_id(self) -> str:
        """Readable and stable: the same inputs always name the same run folder and record."""
        rid = f"{self.dataset_name}__{self.model}__{self.budget}__seed{self.seed}"
        if self.overrides:
            digest = hashlib.sha256(json.dumps(sorted(self.overrides)).encode()).hexdigest()[:8]
            rid += f"__{digest}"
        return rid

    @property
    def overrides_label(self) -> str:
        """The overrides the run id's hash stands for, as ``--set`` takes them
        (``lambda_cont=1.0,lr_g=5e-4``); empty without any."""
        return ",".join(f"{key}={value}" for key, value in self.overrides)

    def config(self, device: str | None = None) -> RunConfig:
        """The config the plan resolved this run to (:attr:`resolved`), else this run
        resolved on ``device`` now (a plan made without a device: a Ray worker's)."""
        if self.resolved is not None:
            return self.resolved
        return RunConfig.resolve(
            self.model, self.dataset, self.seed, self.budget, dict(self.overrides), device
        )

    def as_dict(self) -> dict:
        out = {
            "model": self.model,
            "dataset": self.dataset_name,
            "seed": self.seed,
            "budget": self.budget,
            "overrides": dict(self.overrides),
        }
        if self.dataset != self.dataset_name:  # the user's data: where it came from
            out["dataset_spec"] = self.dataset
        return out


def parse_seeds(text: str) -> list[int]:
    """``"3"`` means seeds 0, 1, 2; ``"0,4,7"`` is an explicit list."""
    text = text.strip()
    try:
        if "," in text:
            seeds = [int(s) for s in text.split(",") if s.strip()]
            if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
                raise ValueError
            return seeds
        count = int(text)
        if count < 1:
            raise ValueError
        return list(range(count))
    except ValueError:
        raise ConfigError(
            f"--seeds expects a count (e.g. 3) or a comma list of distinct non-negative seeds "
            f"(e.g. 0,1,2; one chosen seed is a one-item list such as 2,), got {text!r}"
        ) from None


def parse_models(text: str | None, dataset: str | None = None) -> list[str]:
    """Model names from ``--models``; ``all`` is every model that runs on ``dataset`` (see
    ``left_out``), a refused model named outright is refused when the runs are planned."""
    if not text or text.strip() == "all":
        return [m for m in models_available() if (m, dataset) not in REFUSED]
    names = [canonical(n.strip()) for n in text.split(",") if n.strip()]
    if not names:
        raise ConfigError("--models is empty; available: " + ", ".join(models_available()))
    return list(dict.fromkeys(names))


def left_out(text: str | None, dataset: str) -> list[str]:
    """The one-line reason for each model that ``--models all`` leaves out on ``dataset``."""
    if text and text.strip() != "all":
        return []
    return [REFUSED[m, dataset] for m in models_available() if (m, dataset) in REFUSED]


def plan_runs(
    models: list[str],
    dataset: str,
    seeds: list[int],
    budget: str,
    overrides: dict[str, str],
    device: str | None = None,
) -> list[RunSpec]:
    """Validate every name and override up front, so a typo fails before any training.

    ``dataset`` may be a spec of the user's data (``folder:PATH``, ``npz:PATH``): it is read and
    checked here, and the runs carry its absolute form. With ``device`` (``auto``, ``cpu``,
    ``cuda:N``: where this process will train them) each run is resolved there, once, and its
    spec carries that config (:attr:`RunSpec.resolved`); without one (a Ray driver, whose
    workers choose their own device) one run of each model is resolved on the CPU, to check it.
    """
    entry = resolve(dataset)  # unknown names and bad user data fail here, in one line
    check_budget(budget, entry.name)
    frozen = tuple(sorted(overrides.items()))
    # seed-major: a partial sweep still covers every model
    specs = [RunSpec(m, dataset, s, budget, frozen) for s in seeds for m in models]
    if device is not None:  # raises on an unknown key or a bad value, or a device not here
        specs = [replace(spec, resolved=spec.config(device)) for spec in specs]
    else:
        for model in models:  # raises on an unknown key or a bad value
            RunSpec(model, dataset, seeds[0], budget, frozen).config("cpu")
    check_models_fit(models, entry)
    return specs


def fuse_groups(specs: list[RunSpec], fuse: int) -> list[list[RunSpec]]:
    """The plan as groups of up to ``fuse`` runs that may train as one batched computation
    (the same model, dataset, budget and overrides), in the order of each group's first run."""
    if fuse <= 1:
        return [[spec] for spec in specs]
    alike: dict[tuple, list[RunSpec]] = {}
    for spec in specs:
        alike.setdefault((spec.model, spec.dataset, spec.budget, spec.overrides), []).append(spec)
    return [runs[i : i + fuse] for runs in alike.values() for i in range(0, len(runs), fuse)]


def check_fuse(specs: list[RunSpec], fuse: int) -> None:
    """``--fuse`` must be at least 1, and above 1 only for families and options it handles (the
    options each run was resolved to: a plan made with its device)."""
    if fuse < 1:
        raise ConfigError("--fuse must be at least 1")
    if fuse == 1:
        return
    from gan_zoo.train.fused import check_fusable

    for spec in specs:
        check_fusable(spec.model, spec.config().hparams)


def check_models_fit(models: list[str], entry: DatasetEntry) -> None:
    """Every model has nets for the dataset's image size (each family declares its nets at
    registration), and labels where it needs them."""
    for model in models:
        check_nets(model, entry.image_shape, entry.name)
    if entry.labelled:
        return
    import torch

    from gan_zoo.data.dataset import ImageDataset
    from gan_zoo.models import build

    # conditional families refuse unlabelled data when built; build each on two blank images
    probe = ImageDataset(
        entry.name,
        "train",
        torch.zeros(2, *entry.image_shape, dtype=torch.uint8),
        None,
        None,
        "plan-time check",
    )
    for model in models:
        with torch.random.fork_rng(devices=[]):
            build(model, probe)
