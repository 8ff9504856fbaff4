"""The registry and the models' interface: names, shapes, fixed codes and labels.

Built on synthetic data (random pixels shaped like MNIST): nothing here needs real digits, so
nothing here skips where MNIST is absent.
"""

from __future__ import annotations

import pytest
import torch
from synthetic import synthetic_mnist
from torch import nn

from gan_zoo.errors import ConfigError
from gan_zoo.models import available, build, canonical
from gan_zoo.train.seeding import seed_everything

EXPECTED = ["gan", "cgan", "acgan", "infogan", "infogan_noinfo", "sgan"]
#: (categorical codes, continuous codes, conditioned on a label) per family, MNIST defaults
LAYOUT = {
    "gan": (1, 2, False),  # the same 74 generator inputs as InfoGAN, no information term
    "cgan": (0, 2, True),
    "acgan": (0, 2, True),
    "infogan": (1, 2, False),
    "infogan_noinfo": (1, 2, False),
    "sgan": (0, 0, True),
}


@pytest.fixture(scope="module")
def small_data():
    return synthetic_mnist()


def test_registry_lists_every_family():
    assert available() == EXPECTED
    assert canonical("stacked_gan") == "sgan"


def test_unknown_model_error_lists_valid_names(small_data):
    with pytest.raises(ConfigError) as err:
        build("wgan", small_data)
    assert "infogan" in str(err.value) and "wgan" in str(err.value)


def test_unknown_override_is_a_config_error(small_data):
    with pytest.raises(ConfigError, match="lr_gg"):
        build("gan", small_data, lr_gg=1.0)


@pytest.mark.parametrize("name", EXPECTED)
def test_sample_returns_uint8_images_and_the_codes_used(name, small_data):
    torch.manual_seed(0)
    model = build(name, small_data)
    s = model.sample(7, generator=torch.Generator().manual_seed(1), batch_size=3)
    assert s.images.shape == (7, 1, 28, 28) and s.images.dtype == torch.uint8
    n_cat, n_cont, conditional = LAYOUT[name]
    assert s.cat.shape == (7, n_cat) and s.cat.dtype == torch.long
    assert s.cont.shape == (7, n_cont) and s.cont.is_floating_point()
    if n_cat:
        assert s.cat.min() >= 0 and s.cat.max() < 10 and len(s.cat.unique()) > 1
    if n_cont:
        assert s.cont.min() >= -1 and s.cont.max() <= 1 and len(s.cont.unique()) == 7 * n_cont
    if conditional:
        assert s.labels.shape == (7,) and s.labels.min() >= 0 and s.labels.max() < 10
        assert len(s.labels.unique()) > 1
    else:
        assert s.labels is None


def test_fixed_codes_and_labels_are_respected(small_data):
    torch.manual_seed(0)
    info = build("infogan", small_data)
    cat = torch.full((5, 1), 3)
    cont = torch.tensor([[2.0, -2.0]] * 5)
    s = info.sample(5, codes={"cat": cat, "cont": cont})
    assert torch.equal(s.cat, cat) and torch.equal(s.cont, cont)
    cgan = build("cgan", small_data)
    labels = torch.arange(5)
    assert torch.equal(cgan.sample(5, labels=labels).labels, labels)


def test_code_changes_the_image_only_through_the_code(small_data):
    """Same noise, different c1: InfoGAN's generator input differs only in the one-hot code."""
    torch.manual_seed(0)
    model = build("infogan", small_data).eval()
    g = torch.Generator().manual_seed(5)
    a = model.sample(4, codes={"cat": torch.zeros(4, 1, dtype=torch.long)}, generator=g)
    g = torch.Generator().manual_seed(5)
    b = model.sample(4, codes={"cat": torch.ones(4, 1, dtype=torch.long)}, generator=g)
    assert not torch.equal(a.images, b.images)


def test_same_seed_same_initial_weights(small_data):
    torch.manual_seed(3)
    a = build("infogan", small_data).state_dict()
    torch.manual_seed(3)
    b = build("infogan", small_data).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_conditional_models_refuse_unlabelled_data(small_data):
    from dataclasses import replace

    unlabelled = replace(small_data, labels=None, num_classes=None, name="dsprites")
    with pytest.raises(ConfigError, match="labels"):
        build("cgan", unlabelled)


def test_noinfo_baseline_gives_the_generator_no_information_term(small_data):
    info = build("infogan", small_data)
    base = build("infogan_noinfo", small_data)
    phases = lambda m: {(t.name, t.phase) for t in m.terms}  # noqa: E731
    assert ("info", "g") in phases(info) and ("info", "d") in phases(info)
    assert ("info", "g") not in phases(base) and ("info", "d") in phases(base)


@pytest.mark.parametrize("name, trunk_learns", [("infogan", True), ("infogan_noinfo", False)])
def test_baseline_q_is_a_probe_that_leaves_d_trunk_alone(name, trunk_learns, small_data):
    """The baseline's Q learns, but its loss must not reach D's trunk (a regular GAN + probe)."""
    seed_everything(0)
    model = build(name, small_data)
    x = small_data.images[:16].float() / 255.0
    q = model.discriminator(x).q
    q.square().sum().backward()
    trunk = [p.grad for p in model.discriminator.trunk.parameters()]
    head = [p.grad for p in model.discriminator.heads["q"].parameters()]
    assert all(g is not None and g.abs().sum() > 0 for g in head)
    assert any(g is not None and g.abs().sum() > 0 for g in trunk) == trunk_learns


@pytest.mark.parametrize("conditioning", ["concat", "projection"])
def test_conditional_discriminator_reads_the_label(conditioning, small_data):
    """Both ways of feeding D the label make its real/fake logit depend on the label."""
    seed_everything(0)
    model = build("cgan", small_data, d_conditioning=conditioning).eval()
    x = small_data.images[:8].float() / 255.0
    with torch.no_grad():
        a = model.discriminator(x, torch.zeros(8, dtype=torch.long)).adv
        b = model.discriminator(x, torch.full((8,), 7, dtype=torch.long)).adv
    assert not torch.allclose(a, b)
    assert (model.discriminator.projection is not None) == (conditioning == "projection")


def test_unknown_d_conditioning_is_a_config_error(small_data):
    with pytest.raises(ConfigError, match="d_conditioning"):
        build("cgan", small_data, d_conditioning="film")


def test_dsprites_discriminator_is_spectrally_normalised_without_batch_norm(small_data):
    """InfoGAN-CR's dSprites D and Q: spectral norm on every layer, no BN (BN-D collapsed G)."""
    from dataclasses import replace

    images = torch.randint(0, 2, (16, 1, 64, 64), dtype=torch.uint8) * 255
    sprites = replace(small_data, images=images, labels=None, num_classes=None, name="dsprites")
    seed_everything(0)
    model = build("infogan", sprites)
    d = model.discriminator
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in d.modules())
    x = images.float() / 255.0
    for _ in range(30):  # power iterations run in train-mode forwards
        d(x)
    layers = [m for m in d.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(layers) == 8  # 4 convs, trunk FC, adv head, Q head's 2 layers
    for layer in layers:
        sigma = torch.linalg.matrix_norm(layer.weight.detach().flatten(1), ord=2)
        assert sigma == pytest.approx(1.0, abs=0.05)
    # the 28x28 backbones keep the InfoGAN paper's batch-normalised D
    mnist_d = build("infogan", small_data).discriminator
    assert any(isinstance(m, nn.BatchNorm2d) for m in mnist_d.modules())
