"""A family from the user's own package: one file, an entry point, and the ordinary harness.

The worked example is ``tests/plugins/gan_zoo_wgan_gp.py`` (WGAN-GP). It is found the way a
user's installed package is: a dist-info folder with an ``entry_points.txt`` on the path.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from synthetic import synthetic_mnist

from gan_zoo.config import Budget
from gan_zoo.errors import ConfigError
from gan_zoo.models import available, build, register, unregister
from gan_zoo.train import Trainer

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = Path(__file__).resolve().parent / "plugins"


@pytest.fixture
def wgan_gp():
    """The plugin imported in this process (its import registers it), removed afterwards."""
    sys.path.insert(0, str(PLUGINS))
    try:
        module = importlib.import_module("gan_zoo_wgan_gp")
        yield module
    finally:
        unregister("wgan_gp")
        sys.modules.pop("gan_zoo_wgan_gp", None)
        sys.path.remove(str(PLUGINS))


def _installed_plugin(tmp_path: Path) -> dict[str, str]:
    """An environment in which the plugin looks installed: dist-info with its entry point."""
    info = tmp_path / "site" / "gan_zoo_wgan_gp-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: gan-zoo-wgan-gp\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[gan_zoo.models]\nwgan_gp = gan_zoo_wgan_gp\n")
    path = os.pathsep.join([str(tmp_path / "site"), str(PLUGINS), str(ROOT)])
    return {**os.environ, "PYTHONPATH": path}


def test_a_registered_name_cannot_be_registered_again():
    with pytest.raises(ConfigError, match="'gan' is already registered"):
        register("gan", "another gan")(lambda dataset, hp: None)
    with pytest.raises(ConfigError, match="'stacked_gan' is already registered"):
        register("stacked_gan", "an alias taken")(lambda dataset, hp: None)


def test_the_schedule_gives_five_critic_updates_per_generator_update(wgan_gp):
    data = synthetic_mnist(2048)  # a model, not real digits (never skips); 10 batches, no wrap
    model = build("wgan_gp", data)
    assert "wgan_gp" in available() and model.update_schedule.counts(0, {}) == (5, 1)
    trainer = Trainer(
        model, data, Budget("t", 2, 1000, 1, ""), seed=0, device="cpu", progress=False
    )
    assert isinstance(trainer.optimizers["d"], torch.optim.Adam)
    assert trainer.optimizers["d"].defaults["betas"] == (0.0, 0.9)
    result = trainer.fit()
    assert result.status == "complete" and result.step == 2
    d_state = next(iter(trainer.optimizers["d"].state.values()))
    g_state = next(iter(trainer.optimizers["g"].state.values()))
    assert int(d_state["step"]) == 10 and int(g_state["step"]) == 2
    # each critic update reads its own batch; the generator shares the last one
    assert trainer.sampler.cursor == 2 * 5 * model.hparams["batch_size"]
    assert {"d_wasserstein", "d_gp", "g_wasserstein"} <= set(result.history[-1])


def test_plugin_hyperparameters_are_validated(wgan_gp):
    with pytest.raises(ConfigError, match="n_critic=0 is not allowed"):
        build("wgan_gp", synthetic_mnist(64), n_critic="0")


def test_the_runner_lists_trains_and_evaluates_an_installed_plugin(tmp_path, real_data_root):
    env = _installed_plugin(tmp_path)
    listing = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--list"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "wgan_gp" in listing.stdout and "WGAN-GP (plugin example)" in listing.stdout
    out = tmp_path / "out"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--models",
            "wgan_gp",
            "--budget",
            "smoke",
            "--num-samples",
            "600",
            "--device",
            "cpu",
            "--no-progress",
            "--out",
            str(out),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    record = json.loads((out / "records" / "mnist__wgan_gp__smoke__seed0.json").read_text())
    assert record["status"] == "complete" and record["hparams"]["n_critic"] == 5
    assert {"fid", "precision", "recall", "posthoc_mi"} <= set(record["metrics"])
    assert "wgan_gp" in run.stdout  # the summary table has its row
