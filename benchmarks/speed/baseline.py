"""The baseline the harness is measured against: InfoGAN on MNIST written the common way.

Same nets (the shared InfoGAN backbone) and the same loss functions, but the way most public GAN
code runs them: torchvision's MNIST through a DataLoader with ToTensor/Normalize transforms
(Normalize with mean 0 and std 1, so the values match the harness's [0, 1] images), two Adam
optimisers with default settings, float32, default memory format, eager mode, each batch moved
to the device as it comes (``.to(device)``) and the loss read every step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from gan_zoo.data.dataset import ImageDataset
from gan_zoo.losses import d_adversarial, g_adversarial, information_term
from gan_zoo.models import build
from gan_zoo.train.speed import ALL_OFF


def _batches(root: str, batch_size: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.0,), (1.0,))])
    data = datasets.MNIST(root, train=True, download=False, transform=tf)
    while True:
        yield from DataLoader(
            data, batch_size=batch_size, shuffle=True, drop_last=True, num_workers=0
        )


def baseline_step(
    dataset: ImageDataset,
    data_root: str,
    batch_size: int = 128,
    seed: int = 0,
    device: torch.device | str = "cpu",
) -> Callable[[], float]:
    """One step of the plain loop per call (returns loss_d: the read waits for the device, as
    the plain loop's logging does)."""
    torch.manual_seed(seed)
    device = torch.device(device)
    model = build("infogan", dataset, **ALL_OFF).to(device)
    hp, spec, lay = model.hparams, model.code_spec, model.latent
    opt_d = torch.optim.Adam(
        model.discriminator.parameters(), lr=hp["lr_d"], betas=(hp["beta1"], hp["beta2"])
    )
    opt_g = torch.optim.Adam(
        model.generator.parameters(), lr=hp["lr_g"], betas=(hp["beta1"], hp["beta2"])
    )
    batches = _batches(data_root, batch_size)

    def step() -> float:
        x, _ = next(batches)
        x = x.to(device)
        latent = lay.sample(batch_size, device=device)
        fake = model.generate(latent)
        real_out, fake_out = model.discriminator(x), model.discriminator(fake.detach())
        info = information_term(
            fake_out.q, spec, latent.cat, latent.cont, hp["lambda_cat"], hp["lambda_cont"]
        )
        loss_d = d_adversarial(real_out.adv, fake_out.adv) + info.loss
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        out = model.discriminator(fake)
        info = information_term(
            out.q, spec, latent.cat, latent.cont, hp["lambda_cat"], hp["lambda_cont"]
        )
        loss_g = g_adversarial(out.adv) + info.loss
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        return float(loss_d.detach())

    return step
