"""What every model is: nets, a latent layout, loss terms, and two optimiser groups.

The harness owns the loop and only talks to this interface:
``fake_pass`` (generate once per step), ``d_context`` / ``g_context`` (the forward passes the
terms read), ``terms`` (what to minimise, per player) and ``param_groups`` (who updates what).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from gan_zoo.losses import Term
from gan_zoo.models.latent import Latent, LatentLayout


@dataclass
class Samples:
    """Generated images as uint8 N x C x H x W (like a dataset) with the latents that made them."""

    images: torch.Tensor
    cat: torch.Tensor
    cont: torch.Tensor
    labels: torch.Tensor | None


@dataclass
class ParamGroup:
    params: list[nn.Parameter]
    lr: float
    betas: tuple[float, float]


class GanModel(nn.Module):
    """Base class; subclasses set ``latent``, nets and ``terms`` and implement the passes."""

    name: str = "base"
    #: the key in the D output that predicts codes (``q``), used for encoders and bounds
    code_head: str | None = None

    def __init__(self, latent: LatentLayout, hparams: dict[str, Any]) -> None:
        super().__init__()
        self.latent = latent
        self.hparams = dict(hparams)
        self.terms: list[Term] = []

    # --- the passes the harness calls -------------------------------------------------------
    def schedule(self, step: int, total_steps: int) -> None:
        """Called before each step; models whose training has phases (Stacked GAN) switch here."""

    def generate(self, latent: Latent) -> torch.Tensor:
        """Images in [0, 1] for ``latent``."""
        raise NotImplementedError

    def fake_pass(
        self, latent: Latent, real_x: torch.Tensor, real_y: torch.Tensor | None
    ) -> dict[str, torch.Tensor]:
        """Everything the generator produces this step (with its graph, for the G phase)."""
        return {"x": self.generate(latent)}

    def d_context(
        self,
        real_x: torch.Tensor,
        real_y: torch.Tensor | None,
        fakes: dict[str, torch.Tensor],
        latent: Latent,
    ) -> dict[str, Any]:
        raise NotImplementedError

    def g_context(
        self,
        real_x: torch.Tensor,
        real_y: torch.Tensor | None,
        fakes: dict[str, torch.Tensor],
        latent: Latent,
    ) -> dict[str, Any]:
        raise NotImplementedError

    def param_groups(self) -> dict[str, ParamGroup]:
        """The D and G optimiser groups; Q heads live on D, so they go with D (as in InfoGAN)."""
        betas = (self.hparams["beta1"], self.hparams["beta2"])
        return {
            "d": ParamGroup(list(self.discriminator.parameters()), self.hparams["lr_d"], betas),
            "g": ParamGroup(list(self.generator.parameters()), self.hparams["lr_g"], betas),
        }

    def own_metrics(self, generator: torch.Generator) -> dict[str, float]:
        """Metrics only this family can report (e.g. Stacked GAN's encoder accuracy)."""
        return {}

    def networks(self) -> list[nn.Module]:
        """The trained networks, e.g. for ``torch.compile`` (frozen helpers are left out)."""
        return [self.generator, self.discriminator]

    # --- what users and evaluation call -----------------------------------------------------
    @torch.no_grad()  # not inference_mode: samples may feed a post-hoc encoder's training
    def sample(
        self,
        n: int,
        codes: dict[str, torch.Tensor] | None = None,
        labels: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
        batch_size: int = 1000,
    ) -> Samples:
        """Draw ``n`` images (eval mode), optionally with fixed ``codes`` ({"cat", "cont"}) or labels."""
        was_training = self.training
        self.eval()
        device = self.device
        codes = codes or {}
        chunks: list[Samples] = []
        try:
            for start in range(0, n, batch_size):
                stop = min(n, start + batch_size)
                part = {k: v[start:stop].to(device) for k, v in codes.items()}
                lab = None if labels is None else labels[start:stop].to(device)
                latent = self.latent.sample(
                    stop - start,
                    generator,
                    device,
                    labels=lab,
                    cat=part.get("cat"),
                    cont=part.get("cont"),
                )
                images = self.generate(latent)
                chunks.append(
                    Samples(
                        images=to_uint8(images).cpu(),
                        cat=latent.cat.cpu(),
                        cont=latent.cont.cpu(),
                        labels=None if latent.labels is None else latent.labels.cpu(),
                    )
                )
        finally:
            self.train(was_training)
        return Samples(
            images=torch.cat([c.images for c in chunks]),
            cat=torch.cat([c.cat for c in chunks]),
            cont=torch.cat([c.cont for c in chunks]),
            labels=None if chunks[0].labels is None else torch.cat([c.labels for c in chunks]),
        )

    @torch.inference_mode()
    def predict_codes(self, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor | None:
        """The model's own code head on images in [0, 1] (InfoGAN's Q); None without one."""
        if self.code_head is None:
            return None
        was_training = self.training
        self.eval()
        try:
            outs = [
                self.discriminator(images[i : i + batch_size].to(self.device))[self.code_head]
                .float()
                .cpu()
                for i in range(0, images.shape[0], batch_size)
            ]
        finally:
            self.train(was_training)
        return torch.cat(outs)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """[0, 1] floats to uint8 the way image files store them."""
    return (images.float().clamp(0, 1) * 255).round().to(torch.uint8)


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 images to floats in [0, 1]."""
    return images.float().div_(255.0) if images.dtype == torch.uint8 else images.float()
