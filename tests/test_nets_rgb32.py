"""Every family builds and trains on 32x32 RGB images (CIFAR-10, SVHN, a user's 32x32 data)."""

from __future__ import annotations

import pytest
import torch

from gan_zoo.data.dataset import ImageDataset
from gan_zoo.models import available, build
from gan_zoo.models.nets import backbone_for
from gan_zoo.models.nets.rgb32 import Rgb32Generator, Rgb32Trunk
from gan_zoo.models.nets.sgan import sgan_nets_for
from gan_zoo.models.nets.sgan32 import Encoder32, ImageTrunk32
from gan_zoo.train.seeding import seed_everything


@pytest.fixture(scope="module")
def rgb32() -> ImageDataset:
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (64, 3, 32, 32), dtype=torch.uint8, generator=gen)
    return ImageDataset("toy-rgb32", "train", images, torch.arange(64) % 10, 10, "toy 32x32 RGB")


def test_32x32_images_get_the_rgb32_backbone_and_sgan_its_cifar_nets():
    assert backbone_for((3, 32, 32)) == (Rgb32Generator, Rgb32Trunk)
    nets = sgan_nets_for((3, 32, 32))
    assert nets.encoder is Encoder32 and nets.image_trunk is ImageTrunk32
    assert sgan_nets_for((1, 28, 28)).encoder is not Encoder32


@pytest.mark.parametrize("name", available())
def test_every_family_trains_a_few_steps_on_32x32_rgb(name, rgb32, tmp_path, train):
    overrides = {"batch_size": 16, "encoder_epochs": 1} if name == "sgan" else {"batch_size": 16}
    seed_everything(0)  # the initial weights train_run starts from
    model = build(name, rgb32, **overrides)
    labels = torch.arange(4) % 10 if model.latent.label_classes else None
    assert model.sample(4, labels=labels).images.shape == (4, 3, 32, 32)
    before = [p.detach().clone() for p in model.parameters() if p.requires_grad]
    model, result = train(name, rgb32, "smoke", 0, tmp_path / name, "cpu", stop=3, **overrides)
    assert result.step == 3
    after = [p for p in model.parameters() if p.requires_grad]
    assert [p.shape for p in after] == [p.shape for p in before]
    assert any(not torch.equal(a, b) for a, b in zip(after, before, strict=True))
    assert all(torch.isfinite(p).all() for p in after)
