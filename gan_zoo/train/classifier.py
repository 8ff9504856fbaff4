"""Supervised training of small image classifiers on an in-memory uint8 dataset.

Used for Stacked GAN's encoder and for anything else that needs a quick, seeded classifier;
batches are drawn by index from tensors already on the device (no DataLoader, no per-image work).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gan_zoo.progress import progress_bar


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
    """Adam on cross-entropy for ``epochs`` passes in a seeded random order; returns ``net`` in eval mode."""
    device = torch.device(device)
    net.to(device).train()
    x_all, y_all = images.to(device), labels.to(device)
    gen = torch.Generator(device=device).manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    n = x_all.shape[0]
    steps = epochs * ((n + batch_size - 1) // batch_size)
    with progress_bar(total=steps, desc=desc, leave=False, mininterval=1.0) as bar:
        for _ in range(epochs):
            order = torch.randperm(n, generator=gen, device=device)
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                loss = F.cross_entropy(net(x_all[idx].float() / 255.0), y_all[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                bar.update()
                bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
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
