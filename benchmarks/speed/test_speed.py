"""pytest-benchmark speed checks (``tox -e bench`` or ``pytest benchmarks/speed --benchmark-only``).

Saved under ``results/speed/`` with the machine description and compared with the previous
saved run, so a slowdown shows as a ratio, never as a timed assert.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_zoo.config import MODELS, Budget
from gan_zoo.models import available, build
from gan_zoo.train import Trainer
from gan_zoo.train.seeding import seed_everything
from gan_zoo.train.speed import ALL_OFF


def batch_overrides(name: str) -> dict[str, int]:
    """Batch 128, unless the family's registration declares its own batch size (sgan keeps
    its paper's 100), so each family is timed at the batch it trains at."""
    return {} if "batch_size" in MODELS.get(name, {}) else {"batch_size": 128}


@pytest.mark.parametrize("name", available())
def test_training_step(benchmark, mnist, name):
    """One D and one G update at batch 128 or the family's own (``batch_overrides``)."""
    seed_everything(0)
    model = build(name, mnist, **batch_overrides(name))
    trainer = Trainer(model, mnist, Budget("b", 10**6, 10**9, 10**9, ""), seed=0, progress=False)
    trainer.train_step()
    benchmark.pedantic(trainer.train_step, rounds=5, iterations=1, warmup_rounds=1)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
@pytest.mark.parametrize("options", ["defaults", "off"])
@pytest.mark.parametrize("name", available())
def test_training_step_cuda(benchmark, mnist, name, options):
    """The same step on CUDA, timed to the end of its kernels (one synchronisation per step,
    which the trainer's own loop does not pay), with the defaults and with every option off."""
    seed_everything(0)
    overrides = batch_overrides(name)
    if options == "off":
        overrides.update(ALL_OFF)
    model = build(name, mnist, **overrides)
    trainer = Trainer(
        model,
        mnist,
        Budget("b", 10**6, 10**9, 10**9, ""),
        seed=0,
        device="cuda",
        progress=False,
    )

    def step() -> None:
        trainer.train_step()
        torch.cuda.synchronize()

    for _ in range(3):  # cuDNN autotuning and the allocator's first growth
        step()
    benchmark.pedantic(step, rounds=20, iterations=1, warmup_rounds=2)


def test_training_step_options_off(benchmark, mnist):
    """InfoGAN's step with every speed option off: the in-process reference for the one above."""
    seed_everything(0)
    model = build("infogan", mnist, **ALL_OFF)
    trainer = Trainer(model, mnist, Budget("b", 10**6, 10**9, 10**9, ""), seed=0, progress=False)
    trainer.train_step()
    benchmark.pedantic(trainer.train_step, rounds=5, iterations=1, warmup_rounds=1)


def test_sample_10k(benchmark, mnist):
    seed_everything(0)
    model = build("infogan", mnist)
    benchmark.pedantic(
        lambda: model.sample(10_000, generator=torch.Generator().manual_seed(0)), rounds=3
    )


def test_judge_features_10k(benchmark, mnist):
    from gan_zoo.metrics.judge import get_judge

    judge = get_judge("mnist")
    images = mnist.images[:10_000]
    benchmark.pedantic(lambda: judge.features(images), rounds=3)


def test_fid_from_features(benchmark):
    """torch-fidelity's own statistics and Frechet distance on 10k x 128 judge-sized features."""
    from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric

    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(10_000, 128, generator=gen), torch.randn(10_000, 128, generator=gen) + 0.1

    def fid() -> float:
        return fid_statistics_to_metric(
            fid_features_to_statistics(a), fid_features_to_statistics(b), False
        )

    benchmark.pedantic(fid, rounds=3)


@pytest.mark.parametrize("metric", ["mig", "dci"])
def test_disentanglement_on_10k_codes(benchmark, metric):
    from gan_zoo.data.dsprites import DSpritesGroundTruth
    from gan_zoo.metrics import disentanglement

    truth = DSpritesGroundTruth.rendered()
    fn = {"mig": disentanglement.mig, "dci": disentanglement.dci}[metric]
    rng = np.random.default_rng(0)

    def representation(observations):  # a fixed random linear read-out of the pixels
        flat = observations.reshape(len(observations), -1).astype(np.float32)
        return flat @ np.random.default_rng(1).normal(size=(flat.shape[1], 5)).astype(np.float32)

    benchmark.pedantic(lambda: fn(truth, representation, rng), rounds=1, iterations=1)


def test_dsprites_render_slice(benchmark):
    from gan_zoo.data.dsprites_render import render

    indices = np.arange(0, 737_280, 29)  # 25,424 images spread over every factor
    benchmark.pedantic(lambda: render(indices), rounds=3)
