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
from pathlib import Path

import pytest
import torch
from tqdm import tqdm

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


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The step each ``Trainer.train_step`` call starts from, in order (resume tests read it)."""
    from gan_zoo.train import Trainer

    starts: list[int] = []
    real = Trainer.train_step

    def spy(self, total_steps=None):
        starts.append(self.step)
        return real(self, total_steps)

    monkeypatch.setattr(Trainer, "train_step", spy)
    return starts


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
