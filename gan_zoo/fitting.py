"""The one supervised-training loop: seeded minibatches of indices into tensors on the device.

The judge, the post-hoc inversion encoder and Stacked GAN's encoder all train small networks on
in-memory tensors; each supplies its loss of a batch of indices, this module owns the loop (order
of the permutation, of the optimiser and scheduler steps), so their results depend on one loop.
It sits at the bottom of the package: models, train and metrics may all use it.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from gan_zoo.progress import progress_bar


def fit_minibatches(
    batch_loss: Callable[[torch.Tensor], torch.Tensor],
    n: int,
    epochs: int,
    batch_size: int,
    optimizer: torch.optim.Optimizer,
    generator: torch.Generator,
    device: torch.device,
    drop_last: bool = True,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    after_step: Callable[[torch.Tensor], None] | None = None,
    after_epoch: Callable[[int, torch.Tensor], None] | None = None,
) -> None:
    """``epochs`` passes over ``n`` items in an order drawn from ``generator`` (on its device).

    Each batch: ``loss = batch_loss(indices)``, zero grads, backward, optimiser step, scheduler
    step; ``drop_last`` leaves out the final partial batch.
    """
    stop = n - batch_size + 1 if drop_last else n
    for epoch in range(epochs):
        order = torch.randperm(n, generator=generator, device=generator.device).to(device)
        for start in range(0, stop, batch_size):
            loss = batch_loss(order[start : start + batch_size])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            if after_step is not None:
                after_step(loss)
        if after_epoch is not None:
            after_epoch(epoch, loss)


def train_classifier(
    net: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    epochs: int = 2,
    batch_size: int = 128,
    lr: float = 1e-3,
    seed: int = 0,
    device: torch.device | str = "cpu",
    desc: str = "classifier",
) -> nn.Module:
    """Adam on cross-entropy of uint8 images for ``epochs`` seeded passes; ``net`` in eval mode."""
    device = torch.device(device)
    net.to(device).train()
    x_all, y_all = images.to(device), labels.to(device)
    n = x_all.shape[0]
    steps = epochs * ((n + batch_size - 1) // batch_size)
    with progress_bar(total=steps, desc=desc, leave=False, mininterval=1.0) as bar:

        def shown(loss: torch.Tensor) -> None:
            bar.update()
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)

        fit_minibatches(
            lambda idx: F.cross_entropy(net(x_all[idx].float() / 255.0), y_all[idx]),
            n,
            epochs,
            batch_size,
            torch.optim.Adam(net.parameters(), lr=lr),
            torch.Generator(device=device).manual_seed(seed),
            device,
            drop_last=False,
            after_step=shown,
        )
    return net.eval()


@torch.inference_mode()
def accuracy(
    net: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 2000
) -> float:
    """Top-1 accuracy of ``net`` on uint8 ``images``."""
    device = next(net.parameters()).device
    correct = 0
    for start in range(0, images.shape[0], batch_size):
        x = images[start : start + batch_size].to(device).float() / 255.0
        pred = net(x).argmax(dim=1).cpu()
        correct += int((pred == labels[start : start + batch_size].cpu()).sum())
    return correct / max(1, images.shape[0])
