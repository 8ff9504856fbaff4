"""A family from the user's own package: one file, an entry point, and the ordinary harness.

The worked example is ``tests/plugins/gan_zoo_wgan_gp.py`` (WGAN-GP). It is found the way a
user's installed package is: a dist-info folder with an ``entry_points.txt`` on the path.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from synthetic import synthetic_mnist

from benchmarks.runner.plan import check_fuse, fuse_groups, plan_runs
from gan_zoo import plugins
from gan_zoo.config import Budget
from gan_zoo.errors import ConfigError
from gan_zoo.models import available, build, fused_families, fuses, register, unregister
from gan_zoo.run_config import RunConfig
from gan_zoo.train import Trainer
from gan_zoo.train.run import train_fused
from gan_zoo.train.seeding import seed_everything

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


@pytest.fixture
def installed_plugins(tmp_path, monkeypatch):
    """Both example families installed through a real entry point (a dist-info folder on the
    path) and found the way the runner finds them; unregistered afterwards."""
    info = tmp_path / "site" / "gan_zoo_examples-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: gan-zoo-examples\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        f"[{plugins.MODELS_GROUP}]\nwgan_gp = gan_zoo_wgan_gp\nlsgan = gan_zoo_lsgan\n"
    )
    monkeypatch.syspath_prepend(str(PLUGINS))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(plugins, "_loaded", set(plugins._loaded) - {plugins.MODELS_GROUP})
    for module in ("gan_zoo_wgan_gp", "gan_zoo_lsgan"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    try:
        assert {"lsgan", "wgan_gp"} <= set(available())  # found through the entry point
        yield
    finally:
        unregister("wgan_gp")
        unregister("lsgan")


def test_a_plugin_family_fuses_where_its_registration_declares_it(installed_plugins):
    """``fuses=True`` in a plugin's ``register`` is all ``--fuse`` asks: the plan accepts it
    and groups its seeds; a plugin that does not declare it is refused in one line."""
    assert fuses("lsgan") and not fuses("wgan_gp")
    assert "lsgan" in fused_families() and "wgan_gp" not in fused_families()
    specs = plan_runs(["lsgan"], "mnist", [0, 1, 2], "smoke", {}, "cpu")
    check_fuse(specs, 2)
    assert [[s.seed for s in group] for group in fuse_groups(specs, 2)] == [[0, 1], [2]]
    refused = plan_runs(["wgan_gp"], "mnist", [0, 1], "smoke", {}, "cpu")
    with pytest.raises(ConfigError, match="--fuse is not available for wgan_gp") as err:
        check_fuse(refused, 2)
    assert "\n" not in str(err.value) and "fuses=True" in str(err.value)
    check_fuse(refused, 1)  # alone it runs as ever


def test_a_fusing_plugin_trains_fused_as_it_trains_alone(installed_plugins):
    """Two steps of two seeds fused follow the separate runs (float64, as tests/test_fused)."""
    data = synthetic_mnist(64)
    budget = Budget("t", 2, 1000, 1, "")
    hp = {"batch_size": 8, "amp": False}
    saved = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        configs = [
            dataclasses.replace(
                RunConfig.resolve("lsgan", "mnist", seed, "smoke", hp, "cpu"), budget=budget
            )
            for seed in (0, 1)
        ]
        fused = train_fused(configs, data)
        for seed, (_, result) in zip((0, 1), fused, strict=True):
            seed_everything(seed)
            model = build("lsgan", data, "cpu", **hp)
            alone = Trainer(model, data, budget, seed, None, "cpu", progress=False).fit()
            assert result.status == "complete" and result.step == 2
            for a, b in zip(alone.history, result.history, strict=True):
                assert a["loss_d"] == pytest.approx(b["loss_d"], rel=1e-5)
                assert a["loss_g"] == pytest.approx(b["loss_g"], rel=1e-5)
    finally:
        torch.set_default_dtype(saved)


def test_the_plan_checks_the_nets_each_family_declares(tmp_path):
    """A family's registration names its nets (``nets=``, the shared backbone by default):
    sgan's own have no 64x64 size, the backbone has, and a plugin's own check is asked too."""
    from gan_zoo.data.registry import resolve, unregister_dataset

    images = np.random.default_rng(0).integers(0, 256, (20, 1, 64, 64), dtype=np.uint8)
    np.savez(tmp_path / "big.npz", images=images, labels=np.arange(20) % 4)
    spec = f"npz:{tmp_path / 'big.npz'}"

    def no_nets(image_shape):
        raise ConfigError(f"tmp_nets has no nets for {image_shape[1]}x{image_shape[2]} images")

    register("tmp_nets", "a family with nets of its own", nets=no_nets)(lambda dataset, hp: None)
    try:
        assert len(plan_runs(["gan"], spec, [0], "smoke", {})) == 1
        with pytest.raises(ConfigError, match="sgan has no nets for 64x64 images"):
            plan_runs(["gan", "sgan"], spec, [0], "smoke", {})
        with pytest.raises(ConfigError, match="tmp_nets has no nets for 28x28 images"):
            plan_runs(["tmp_nets"], "mnist", [0], "smoke", {})
    finally:
        unregister("tmp_nets")
        unregister_dataset(resolve(spec).name)
