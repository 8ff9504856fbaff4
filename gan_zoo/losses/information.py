"""The variational information estimator (Chen et al. 2016, Barber & Agakov 2003).

L_I(c) = H(c) + E[log Q(c | G(z, c))] <= I(c; G(z, c)). InfoGAN maximises it for its codes;
Stacked GAN's entropy loss is the same estimator applied to the noise z_i of each level (a
Gaussian Q with fixed variance, i.e. a Euclidean reconstruction), so both call this one function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from gan_zoo.losses.likelihood import categorical_nll, gaussian_nll, wide


@dataclass(frozen=True)
class CodeSpec:
    """What a Q head predicts: categorical codes (logits) then continuous ones (Gaussian means).

    ``learn_std`` adds one log-std output per continuous dimension (the paper's factored
    Gaussian); otherwise the std is ``fixed_std`` (the official MNIST run fixes it to 1).
    """

    categorical: tuple[int, ...] = ()
    continuous: int = 0
    learn_std: bool = False
    fixed_std: float = 1.0

    @property
    def out_dim(self) -> int:
        return sum(self.categorical) + self.continuous * (2 if self.learn_std else 1)

    def split(
        self, q_out: torch.Tensor
    ) -> tuple[list[torch.Tensor], torch.Tensor, torch.Tensor | None]:
        """Cut a Q output into per-code logits, continuous means and (optionally) log-stds."""
        logits, start = [], 0
        for k in self.categorical:
            logits.append(q_out[:, start : start + k])
            start += k
        mean = q_out[:, start : start + self.continuous]
        start += self.continuous
        log_std = q_out[:, start : start + self.continuous] if self.learn_std else None
        return logits, mean, log_std


@dataclass
class InformationResult:
    """The weighted loss to minimise and the per-code bounds to log (nats, detached)."""

    loss: torch.Tensor
    categorical_bounds: list[torch.Tensor]
    continuous_nll: torch.Tensor | None


def information_term(
    q_out: torch.Tensor,
    spec: CodeSpec,
    cat_targets: torch.Tensor | None = None,
    cont_targets: torch.Tensor | None = None,
    cat_weight: float = 1.0,
    cont_weight: float = 1.0,
) -> InformationResult:
    """Negative information bound: sum of categorical CEs and continuous Gaussian NLLs, weighted.

    Minimising ``loss`` maximises L_I, since H(c) is a constant of the latent layout.
    """
    logits, mean, log_std = spec.split(q_out)
    loss = wide(q_out.new_zeros(()))
    bounds = []
    for i, (k, lg) in enumerate(zip(spec.categorical, logits, strict=True)):
        ce = categorical_nll(lg, cat_targets[:, i])
        loss = loss + cat_weight * ce
        bounds.append((math.log(k) - ce).detach())
    cont_nll = None
    if spec.continuous:
        cont_nll = gaussian_nll(mean, cont_targets, log_std, spec.fixed_std)
        loss = loss + cont_weight * cont_nll
        cont_nll = cont_nll.detach()
    return InformationResult(loss=loss, categorical_bounds=bounds, continuous_nll=cont_nll)
