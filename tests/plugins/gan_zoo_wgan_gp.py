"""WGAN-GP (Gulrajani et al. 2017) as a gan-zoo plugin: the whole family in this one file.

It lives outside the package on purpose: a user's package declares it through the entry point
``[project.entry-points."gan_zoo.models"] wgan_gp = "gan_zoo_wgan_gp"`` and gan-zoo trains,
evaluates and lists it like a built-in family. What it declares: a critic without batch norm
(the gradient penalty is per sample), the shared MNIST generator, the Wasserstein losses with
a gradient penalty, five critic updates per generator update, Adam(lr 1e-4, betas (0, 0.9)).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from gan_zoo.config_rules import Rule
from gan_zoo.losses import Context, Term
from gan_zoo.models import GanModel, register
from gan_zoo.models.base import ParamGroup, UpdateSchedule
from gan_zoo.models.latent import Latent
from gan_zoo.models.layouts import layout_from
from gan_zoo.models.nets import backbone_for


class Critic(nn.Module):
    """Two strided convolutions and a linear score; no batch norm."""

    def __init__(self, channels: int, size: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, 64, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(64, 128, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(128 * (size // 4) ** 2, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)


@dataclass
class Fakes:
    x: torch.Tensor


@dataclass
class CriticPhase(Context):
    real_x: torch.Tensor
    fake_x: torch.Tensor  # detached
    real_score: torch.Tensor
    fake_score: torch.Tensor


@dataclass
class GeneratorPhase(Context):
    fake_score: torch.Tensor


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """E[(||grad critic(x_hat)|| - 1)^2] at random points between real and fake images."""
    eps = torch.rand(real.shape[0], 1, 1, 1, device=real.device, dtype=real.dtype)
    mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


class WganGp(GanModel):
    def __init__(self, hp: dict[str, Any], image_shape: tuple[int, int, int]) -> None:
        self.update_schedule = UpdateSchedule(d_steps=hp["n_critic"])
        layout = layout_from(hp)  # the same 74 inputs as every 28x28 family
        super().__init__(
            layout,
            hp,
            terms=[
                Term("wasserstein", "d", lambda c: c.fake_score.mean() - c.real_score.mean()),
                Term("gp", "d", self.penalty, hp["lambda_gp"]),
                Term("wasserstein", "g", lambda c: -c.fake_score.mean()),
            ],
        )
        generator_cls, _ = backbone_for(image_shape)
        self.generator = generator_cls(layout.input_dim, channels=image_shape[0])
        self.critic = Critic(image_shape[0], image_shape[1])

    def penalty(self, ctx: CriticPhase) -> torch.Tensor:
        return gradient_penalty(self.critic, ctx.real_x, ctx.fake_x)

    def generate(self, latent: Latent) -> torch.Tensor:
        return self.generator(latent.generator_input(self.latent))

    def fake_pass(self, latent: Latent, real_x, real_y) -> Fakes:
        return Fakes(self.generate(latent))

    def d_context(self, real_x, real_y, fakes: Fakes, latent: Latent) -> CriticPhase:
        fake = fakes.x.detach()
        return CriticPhase(real_x, fake, self.critic(real_x), self.critic(fake))

    def g_context(self, real_x, real_y, fakes: Fakes, latent: Latent) -> GeneratorPhase:
        return GeneratorPhase(self.critic(fakes.x))

    def param_groups(self) -> dict[str, ParamGroup]:
        return self.players(self.critic.parameters(), self.generator.parameters())

    def networks(self) -> list[nn.Module]:
        return [self.generator, self.critic]


@register(
    "wgan_gp",
    "WGAN-GP (plugin example): critic without batch norm, gradient penalty, 5 critic steps",
    defaults={
        "lr_d": 1e-4,
        "lr_g": 1e-4,
        "beta1": 0.0,
        "beta2": 0.9,
        "n_critic": 5,
        "lambda_gp": 10.0,
        "amp": False,
    },
    rules={"n_critic": Rule(int, low=1), "lambda_gp": Rule(float, low=0)},
)
def build_wgan_gp(dataset, hp) -> WganGp:
    return WganGp(hp, dataset.image_shape)
