"""Stacked GAN's pretrained encoder: trained once per (data, seed, code version), then cached.

The GAN inverts this network, so it is trained here on the dataset's labels and frozen; it is
never used by any evaluation (the judge in gan_zoo.metrics is a different network).
"""

from __future__ import annotations

import logging

import torch

from gan_zoo.data.dataset import ImageDataset
from gan_zoo.devices import pick_device
from gan_zoo.digest_cache import load_or_build, short_digest
from gan_zoo.fitting import train_classifier
from gan_zoo.io import atomic_torch_save, load_tensors
from gan_zoo.models.nets.sgan import sgan_nets_for
from gan_zoo.paths import cache_root

# bump when SganEncoder or its training changes: old caches are then not reused
# v2: caches written by v1 could come from pre-release training code that the key did not see
ENCODER_VERSION = 2
log = logging.getLogger(__name__)


def trained_on() -> str:
    """Where an encoder trained now would be trained: ``cuda``, or ``cpu`` and its thread count.

    The encoder is part of Stacked GAN's model (G trains against it), and a CPU reduction's order
    depends on the thread count, so an encoder from another setup would make the same run give
    other numbers depending on what the cache happened to hold.
    """
    device = pick_device()
    return "cuda" if device.type == "cuda" else f"{device.type}{torch.get_num_threads()}"


def encoder_digest(dataset: ImageDataset, seed: int, epochs: int) -> str:
    key = (
        f"{dataset.name}|{dataset.split}|{dataset.info}|{seed}|{epochs}|{trained_on()}"
        f"|v{ENCODER_VERSION}"
    )
    return short_digest(key)


def pretrained_encoder(dataset: ImageDataset, seed: int = 0, epochs: int = 2) -> torch.nn.Module:
    """Load the cached encoder for ``dataset`` or train it on its labels (CPU or CUDA).

    Runs under a forked RNG, so whether the encoder came from the cache or was trained just now
    never changes the random state the GAN is initialised from.
    """
    with torch.random.fork_rng(devices=[]):
        return _load_or_train(dataset, seed, epochs)


def _load_or_train(dataset: ImageDataset, seed: int, epochs: int) -> torch.nn.Module:
    path = (
        cache_root()
        / "sgan_encoders"
        / f"{dataset.name}-{encoder_digest(dataset, seed, epochs)}.pt"
    )

    def load() -> torch.nn.Module | None:
        if not path.exists():
            return None
        net = sgan_nets_for(dataset.image_shape).encoder(
            int(dataset.num_classes), dataset.image_shape[0]
        )
        net.load_state_dict(load_tensors(path))
        return net

    def build() -> torch.nn.Module:
        torch.manual_seed(seed)
        net = sgan_nets_for(dataset.image_shape).encoder(
            int(dataset.num_classes), dataset.image_shape[0]
        )
        train_classifier(
            net,
            dataset.images,
            dataset.labels,
            epochs=epochs,
            seed=seed,
            device=pick_device(),
            desc="sgan encoder",
        )
        net.cpu()
        atomic_torch_save(path, net.state_dict())
        log.info("trained Stacked GAN encoder, cached at %s", path)
        return net

    net = load_or_build(path, load, build)
    for p in net.parameters():
        p.requires_grad_(False)
    return net.eval()
