"""Shared fixtures: an isolated environment for every test, the devices to test on, real MNIST.

Every test runs with ``GAN_ZOO_RUNS`` unset and ``GAN_ZOO_CACHE`` pointing at one temporary
cache for the whole session (the judge is trained once per session there, never in the user's
real cache), and with ``GAN_ZOO_DATA`` at the real MNIST when it is found; whatever a test sets
is restored afterwards. Tests that train, sample or evaluate take ``device`` and so run on the
CPU and, where one is present, on CUDA.
"""

from __future__ import annotations

import json
import math
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import torch
from synthetic import synthetic_mnist
from tqdm import tqdm

from gan_zoo.config import Budget
from gan_zoo.data.dataset import ImageDataset
from gan_zoo.models import build
from gan_zoo.run_config import RunConfig
from gan_zoo.train import Trainer, train_run
from gan_zoo.train.callbacks import Clock, StepCallback, StepEnd, stop_at
from gan_zoo.train.checkpoints import CheckpointFiles
from gan_zoo.train.seeding import seed_everything

REPO_ROOT = Path(__file__).resolve().parents[1]

# tqdm's defaults outlive a test: a monitor thread, and a lock shared across processes. A process
# forked later (mutmut forks one per mutant from the process that ran the tests) inherits the
# lock, held for good if the thread held it at the fork or a child died holding it, and hangs.
tqdm.monitor_interval = 0
tqdm.set_lock(threading.RLock())

MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
#: the variables gan-zoo reads; no test may see the caller's values of these
ENV_VARS = ("GAN_ZOO_DATA", "GAN_ZOO_CACHE", "GAN_ZOO_RUNS")


def _find_mnist() -> Path | None:
    candidates = [Path(p) for p in (os.environ.get("GAN_ZOO_DATA"),) if p]
    candidates.append(REPO_ROOT.parent / "shared" / "data")
    for root in candidates:
        if all((root / "MNIST" / "raw" / name).is_file() for name in MNIST_FILES):
            return root
    return None


#: read once, before any test can change the environment
_MNIST_ROOT = _find_mnist()


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One derived-artefact cache (judges, reference statistics) shared by this session's tests.

    ``GAN_ZOO_TEST_CACHE`` names a folder kept across sessions instead: mutation testing starts
    a pytest session per mutant, and would otherwise train the judge again for each one.
    """
    kept = os.environ.get("GAN_ZOO_TEST_CACHE")
    if kept:
        path = Path(kept).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("gan-zoo-cache")


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, session_cache: Path) -> None:
    """No test depends on, or leaks into, the caller's GAN_ZOO_* variables."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GAN_ZOO_CACHE", str(session_cache))
    if _MNIST_ROOT is not None:
        monkeypatch.setenv("GAN_ZOO_DATA", str(_MNIST_ROOT))


@pytest.fixture(params=["cpu", "cuda"])
def device(request: pytest.FixtureRequest) -> torch.device:
    """The device a test trains, samples or evaluates on: the CPU, and CUDA where present."""
    if request.param == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine")
    return torch.device(request.param)


@pytest.fixture
def isolated_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data root in GAN_ZOO_DATA, with GAN_ZOO_CACHE beside it."""
    data, cache = tmp_path / "data", tmp_path / "cache"
    monkeypatch.setenv("GAN_ZOO_DATA", str(data))
    monkeypatch.setenv("GAN_ZOO_CACHE", str(cache))
    return data


@pytest.fixture(scope="session")
def real_data_root() -> Path:
    """The folder with the real MNIST (GAN_ZOO_DATA, else ../shared/data).

    Skips where MNIST is absent, except in CI (``CI`` set), where a missing MNIST fails the run:
    CI always has the shared data, so its absence is a broken setup, not a reason to pass.
    """
    if _MNIST_ROOT is not None:
        return _MNIST_ROOT
    message = "real MNIST not found in $GAN_ZOO_DATA or ../shared/data"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must have it)")
    pytest.skip(message)


@pytest.fixture
def mnist_available(real_data_root: Path) -> Path:
    """Real MNIST is there; GAN_ZOO_DATA points at it (the autouse fixture set it)."""
    return real_data_root


@pytest.fixture(scope="session")
def mnist_small(real_data_root: Path):
    """The first 6,000 MNIST training images: enough for models to learn in a few dozen steps."""
    from dataclasses import replace

    from gan_zoo.data import load_dataset

    full = load_dataset("mnist", "train", root=real_data_root)
    return replace(full, images=full.images[:6000].clone(), labels=full.labels[:6000].clone())


# --- training without real digits: data, trainers, their checkpoints -------------------------

#: 12 steps, a checkpoint every 4, a history row every 2
SHORT = Budget("t", 12, 4, 2, "test")


@pytest.fixture(scope="session")
def data() -> ImageDataset:
    """Random MNIST-shaped data: tests that need a model that trains, not real digits."""
    return synthetic_mnist(256)


class StepsStarted(list):
    """A trainer callback that records the step each trained step started from, in order."""

    def __call__(self, event: StepEnd) -> None:
        self.append(event.step - 1)


@pytest.fixture
def counted() -> StepsStarted:
    """Pass it in a trainer's ``callbacks``: the steps a session trained (resume tests read it)."""
    return StepsStarted()


def stopped_at(trainer: Trainer, steps: int | None) -> Trainer:
    """``trainer``, interrupted once ``steps`` steps are done (as Ctrl-C there would)."""
    if steps == 0:
        trainer.request_stop()
    elif steps is not None:
        trainer.callbacks.append(stop_at(steps))
    return trainer


@pytest.fixture
def make_trainer() -> Callable[..., Trainer]:
    """Build a seeded trainer: ``make_trainer(data, run_dir, device, stop=5, name=..., ...)``.

    Batch 16 and the :data:`SHORT` budget unless told; ``stop`` interrupts after that many
    steps; ``clock``, ``callbacks`` and ``probe`` go to the trainer, other keywords to the model.
    """

    def make(
        dataset: ImageDataset,
        run_dir: Path | None = None,
        device: str | torch.device = "cpu",
        stop: int | None = None,
        name: str = "infogan",
        budget: Budget = SHORT,
        seed: int = 3,
        probe: Any = None,
        clock: Clock | None = None,
        callbacks: Sequence[StepCallback] = (),
        **hparams: Any,
    ) -> Trainer:
        seed_everything(seed)
        model = build(name, dataset, **{"batch_size": 16, **hparams})
        seams = {} if clock is None else {"clock": clock}
        trainer = Trainer(
            model,
            dataset,
            budget,
            seed,
            run_dir,
            device,
            False,
            probe=probe,
            callbacks=callbacks,
            **seams,
        )
        return stopped_at(trainer, stop)

    return make


@pytest.fixture
def train() -> Callable[..., tuple[Any, Any]]:
    """One run as the runner makes it: ``train(name, dataset, budget, seed=, run_dir=,
    device=, stop=, probe=, callbacks=, **overrides)`` resolves a ``RunConfig`` and calls
    ``train_run`` (no progress bar); ``stop`` interrupts after that many steps."""

    def run(
        name: str,
        dataset: ImageDataset,
        budget: str = "smoke",
        seed: int = 0,
        run_dir: Path | None = None,
        device: str | torch.device | None = None,
        stop: int | None = None,
        probe: Any = None,
        callbacks: Sequence[StepCallback] = (),
        **overrides: Any,
    ) -> tuple[Any, Any]:
        chosen = None if device is None else str(device)
        config = RunConfig.resolve(name, dataset.name, seed, budget, overrides, chosen)
        stops = [] if stop is None else [stop_at(stop)]
        return train_run(
            config, dataset, run_dir, False, probe=probe, callbacks=[*callbacks, *stops]
        )

    return run


class Checkpoints:
    """A run folder's checkpoints, read and rewritten through ``CheckpointFiles`` (the one place
    that names the files)."""

    def path(self, run_dir: Path, previous: bool = False) -> Path:
        files = CheckpointFiles(run_dir)
        return files.previous if previous else files.current

    def read(self, run_dir: Path, previous: bool = False) -> dict[str, Any]:
        return torch.load(self.path(run_dir, previous), map_location="cpu", weights_only=False)

    def write(self, run_dir: Path, state: dict[str, Any]) -> None:
        """Replace the current checkpoint with ``state`` (a test's doctored copy)."""
        torch.save(state, self.path(run_dir))


@pytest.fixture
def checkpoints() -> Checkpoints:
    return Checkpoints()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under mutmut, run the fastest tests first (by the durations its stats run measured):
    mutmut hands over its tests in no useful order and stops at the first failure, so a mutant
    that a one-second test kills would otherwise wait for minutes of training runs first."""
    if "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", ""):
        return
    stats = Path(__file__).resolve().parent.parent / "mutmut-stats.json"
    if not stats.is_file():
        return
    durations = json.loads(stats.read_text()).get("duration_by_test", {})
    items.sort(key=lambda item: durations.get(item.nodeid, math.inf))


@pytest.fixture
def forget_user_datasets():
    """The user datasets (``folder:``, ``npz:``) a test resolved are unregistered after it."""
    yield
    from gan_zoo.data import available
    from gan_zoo.data.registry import unregister_dataset

    for name in available():
        if name.startswith(("folder-", "npz-")):
            unregister_dataset(name)
