"""Real training at the quick budget on full MNIST (minutes each): run with ``pytest -m slow``."""

from __future__ import annotations

import pytest
import torch

from gan_zoo.metrics.builtin import own_bounds

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mnist(real_data_root):
    from gan_zoo.data import load_dataset

    return load_dataset("mnist", "train", root=real_data_root)


def _bound(model) -> float:
    samples = model.sample(5000, generator=torch.Generator().manual_seed(123))
    return own_bounds(model, samples)["li_bound_c1"]


def test_infogan_code_carries_nearly_all_its_entropy(mnist, train):
    model, result = train("infogan", mnist, "quick")
    assert result.status == "complete"
    assert _bound(model) >= 2.1  # ln 10 = 2.30 nats is the ceiling


def test_noinfo_baseline_code_carries_almost_nothing(mnist, train):
    model, result = train("infogan_noinfo", mnist, "quick")
    assert result.status == "complete"
    assert _bound(model) < 0.5


# Stacked GAN is judged like the others: its own encoder is the network G is trained against,
# so it scores G on G's own target (1.0 even for collapsed runs). The judge measured 0.9996 on
# the committed sgan quick seed 0 record.
@pytest.mark.parametrize("name", ["cgan", "acgan", "sgan"])
def test_conditional_models_generate_the_requested_digit(name, mnist, real_data_root, train):
    """The judge (not the model) reads the digit of samples drawn for each requested label."""
    from gan_zoo.metrics.judge import get_judge

    model, result = train(name, mnist, "quick")
    assert result.status == "complete"
    labels = torch.arange(2000) % 10
    samples = model.sample(2000, labels=labels, generator=torch.Generator().manual_seed(1))
    predicted = get_judge("mnist", root=real_data_root).predict(samples.images).cpu()
    assert (predicted == labels).float().mean() >= 0.95
