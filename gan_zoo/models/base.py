"""What every model declares: nets, a latent layout, loss terms, optimisers, an update schedule.

The harness owns the loop and only talks to this interface:
``fake_pass`` (generate once per step), ``d_context`` / ``g_context`` (the forward passes the
terms read, as the model's own typed dataclasses), ``terms`` (what to minimise, per player),
``param_groups`` (who updates what, with which optimiser) and ``update_schedule`` (how many D
and G updates make one step). What the metrics need is explicit too: ``latent`` (codes and
labels), ``code_spec`` and ``code_encoder`` (a model that reads its own codes back, like
InfoGAN's Q), ``own_metrics``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from gan_zoo.losses import CodeSpec, Context, Term
from gan_zoo.models.latent import Latent, LatentLayout


@dataclass
class Samples:
    """Generated images as uint8 N x C x H x W (like a dataset) with the latents that made them."""

    images: torch.Tensor
    cat: torch.Tensor
    cont: torch.Tensor
    labels: torch.Tensor | None


def adam(params: list[nn.Parameter], group: ParamGroup, **speed: Any) -> torch.optim.Optimizer:
    """The default optimiser: Adam at the group's learning rate and betas (``speed`` may ask
    for the fused kernel)."""
    return torch.optim.Adam(params, lr=group.lr, betas=group.betas, **speed)


#: builds one player's optimiser: (params, its group, speed options such as fused=True)
OptimizerFactory = Callable[..., torch.optim.Optimizer]


@dataclass
class ParamGroup:
    """One player's parameters and how they are optimised (Adam unless ``optimizer`` says)."""

    params: list[nn.Parameter]
    lr: float
    betas: tuple[float, float] = (0.5, 0.999)
    optimizer: OptimizerFactory = adam

    def build(self, **speed: Any) -> torch.optim.Optimizer:
        return self.optimizer(self.params, self, **speed)


#: a count of updates, fixed or a rule of (step, the previous step's logs)
UpdateCount = int | Callable[[int, Mapping[str, torch.Tensor]], int]


@dataclass(frozen=True)
class UpdateSchedule:
    """How many D and G updates make one training step (the step counts G's turns).

    ``d_steps=5`` is WGAN's five critic updates per generator update; a rule such as
    ``lambda step, logs: 3 if logs["d_adv"] < 0.3 else 1`` varies the count as Stacked GAN's
    CIFAR code does. The default, one each, is the alternation every built-in model uses.
    """

    d_steps: UpdateCount = 1
    g_steps: UpdateCount = 1

    def counts(self, step: int, logs: Mapping[str, torch.Tensor]) -> tuple[int, int]:
        d = self.d_steps(step, logs) if callable(self.d_steps) else self.d_steps
        g = self.g_steps(step, logs) if callable(self.g_steps) else self.g_steps
        if d < 1 or g < 1:
            raise ValueError(f"update schedule gave {d} D and {g} G updates; each must be >= 1")
        return int(d), int(g)


class GanModel(nn.Module):
    """Base class: a family subclasses it, declares its parts and implements the passes."""

    name: str = "base"
    #: how the model's own code predictor reads its codes back (None: it has none)
    code_spec: CodeSpec | None = None
    update_schedule: UpdateSchedule = UpdateSchedule()

    def __init__(
        self, latent: LatentLayout, hparams: dict[str, Any], terms: list[Term] | None = None
    ) -> None:
        super().__init__()
        self.latent = latent
        self.hparams = dict(hparams)
        self.terms: list[Term] = list(terms or [])

    # --- the passes the harness calls -------------------------------------------------------
    def schedule(self, step: int, total_steps: int) -> None:
        """Called before each step; models whose training has phases (Stacked GAN) switch here."""

    def graph_key(self) -> Hashable:
        """What makes this step's computation differ from other steps' (set by ``schedule``).

        With ``cuda_graph=1`` each key gets its own captured graph; a model whose phases change
        the step's operations returns its phase here (one phase, one value: ``None``)."""
        return None

    def generate(self, latent: Latent) -> torch.Tensor:
        """Images in [0, 1] for ``latent``."""
        raise NotImplementedError

    def fake_pass(self, latent: Latent, real_x: torch.Tensor, real_y: torch.Tensor | None) -> Any:
        """Everything the generator produces this step (with its graph, for the G phase)."""
        raise NotImplementedError

    def d_context(
        self, real_x: torch.Tensor, real_y: torch.Tensor | None, fakes: Any, latent: Latent
    ) -> Context:
        raise NotImplementedError

    def g_context(
        self, real_x: torch.Tensor, real_y: torch.Tensor | None, fakes: Any, latent: Latent
    ) -> Context:
        raise NotImplementedError

    def param_groups(self) -> dict[str, ParamGroup]:
        """The ``d`` and ``g`` optimiser groups (``players`` builds the usual pair)."""
        raise NotImplementedError

    def players(
        self, d: Iterable[nn.Parameter], g: Iterable[nn.Parameter]
    ) -> dict[str, ParamGroup]:
        """D's and G's groups at the hyperparameters' ``lr_d``, ``lr_g`` and Adam betas."""
        betas = (self.hparams["beta1"], self.hparams["beta2"])
        return {
            "d": ParamGroup(list(d), self.hparams["lr_d"], betas),
            "g": ParamGroup(list(g), self.hparams["lr_g"], betas),
        }

    def networks(self) -> list[nn.Module]:
        """The trained networks, e.g. for ``torch.compile`` (frozen helpers are left out)."""
        raise NotImplementedError

    def code_encoder(self) -> nn.Module | None:
        """The model's own images -> code-prediction module (``code_spec`` splits its output);
        None for models that cannot read their codes back."""
        return None

    def own_metrics(self, generator: torch.Generator) -> dict[str, float]:
        """Metrics only this family can report (e.g. Stacked GAN's encoder accuracy)."""
        return {}

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
        """The model's own code encoder on images in [0, 1] (InfoGAN's Q); None without one."""
        encoder = self.code_encoder()
        if encoder is None:
            return None
        was_training = self.training
        self.eval()
        try:
            outs = [
                encoder(images[i : i + batch_size].to(self.device)).float().cpu()
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
