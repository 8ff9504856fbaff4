"""``sample()`` draws from the generator it is given: same seed, same samples; new seed, new ones.

Evaluation, the sample bank in ``samples.npz`` and every traversal rely on this to be
reproducible for a run's seed. Built on synthetic data: no real digits are needed.
"""

from __future__ import annotations

import pytest
import torch
from synthetic import synthetic_mnist

from gan_zoo.models import available, build

ALL = available()


@pytest.fixture(scope="module")
def data():
    return synthetic_mnist()


@pytest.fixture(scope="module")
def models(data):
    torch.manual_seed(0)
    return {name: build(name, data) for name in ALL}


def _draw(model, seed, device, **kwargs):
    return model.sample(9, generator=torch.Generator(device=device).manual_seed(seed), **kwargs)


def _same(a, b) -> bool:
    return (
        torch.equal(a.images, b.images)
        and torch.equal(a.cat, b.cat)
        and torch.equal(a.cont, b.cont)
        and (a.labels is None) == (b.labels is None)
        and (a.labels is None or torch.equal(a.labels, b.labels))
    )


def test_every_family_is_covered():
    assert ALL == ["gan", "cgan", "acgan", "infogan", "infogan_noinfo", "sgan"]


@pytest.mark.parametrize("name", ALL)
def test_the_same_seed_gives_the_same_samples_whatever_the_global_rng(name, models, device):
    model = models[name].to(device)
    torch.manual_seed(1)
    first = _draw(model, 5, device, batch_size=4)
    torch.manual_seed(2)  # the global RNG must play no part
    torch.rand(100)
    second = _draw(model, 5, device, batch_size=4)
    assert _same(first, second)
    assert first.images.shape == (9, 1, 28, 28) and first.images.dtype == torch.uint8


@pytest.mark.parametrize("name", ALL)
def test_another_seed_gives_other_samples(name, models, device):
    model = models[name].to(device)
    a, b = _draw(model, 5, device), _draw(model, 6, device)
    assert not torch.equal(a.images, b.images)
    drawn = [t for t in ("cat", "cont", "labels") if getattr(a, t) is not None]
    drawn = [t for t in drawn if getattr(a, t).numel()]
    assert drawn, "every family draws at least one code or label"
    assert any(not torch.equal(getattr(a, t), getattr(b, t)) for t in drawn)


@pytest.mark.parametrize("name", ALL)
def test_sample_leaves_the_model_in_the_mode_it_found(name, models):
    model = models[name].to("cpu")
    model.train()
    _draw(model, 0, "cpu")
    assert model.training
    model.eval()
    _draw(model, 0, "cpu")
    assert not model.training
