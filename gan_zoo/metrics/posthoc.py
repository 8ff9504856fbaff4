"""A post-hoc inversion encoder: learn to read a frozen generator's codes from its images.

Every model gets the same measurement this way, with or without a Q head of its own: a fresh
encoder of one fixed architecture is trained on fresh samples G(z, c) to predict c (categorical
codes, continuous codes and, for conditional models, the label), then scored on held-out
samples. A Q trained alongside G is then not the only witness of what the codes carry.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from gan_zoo.fitting import fit_minibatches
from gan_zoo.losses import CodeSpec
from gan_zoo.metrics.context import EvalContext
from gan_zoo.models.base import GanModel, Samples, to_float
from gan_zoo.progress import progress_bar

# protocol constants, the same for every model
EPOCHS = 5
BATCH = 128
LR = 1e-3
TRAIN_FRACTION = 0.8


class InversionEncoder(nn.Module):
    """A small conv net (conv 32, conv 64, FC 256) for 28x28 or 64x64 images."""

    def __init__(self, channels: int, size: int, out_dim: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width, c = 32, channels
        while size > 7:
            layers += [nn.Conv2d(c, width, 4, 2, 1), nn.BatchNorm2d(width), nn.LeakyReLU(0.1)]
            c, size, width = width, size // 2, min(width * 2, 64)
        self.conv = nn.Sequential(*layers, nn.Flatten())
        self.fc = nn.Sequential(
            nn.Linear(c * size * size, 256), nn.LeakyReLU(0.1), nn.Linear(256, out_dim)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.conv(x))


@dataclass
class PosthocResult:
    """Held-out targets and predictions (CPU tensors), and the trained encoder."""

    encoder: InversionEncoder
    cat_true: torch.Tensor  # N x num_cat
    cat_pred: torch.Tensor  # N x num_cat (argmax)
    cat_logits: list[torch.Tensor]
    cont_true: torch.Tensor  # N x num_cont
    cont_pred: torch.Tensor
    labels_true: torch.Tensor | None
    labels_pred: torch.Tensor | None


def _targets_spec(model: GanModel) -> tuple[CodeSpec, int]:
    """What the encoder predicts: the model's codes (as a Q head would), then its label logits."""
    lay = model.latent
    spec = CodeSpec(
        categorical=tuple(c.num_categories for c in lay.categorical),
        continuous=len(lay.continuous),
    )
    return spec, lay.label_classes or 0


def fit_posthoc_encoder(
    model: GanModel, samples: Samples, seed: int = 0, epochs: int = EPOCHS, bf16: bool = False
) -> PosthocResult:
    """Train the inversion encoder on the first 80% of a sample bank, predict the other 20%.

    The bank is the evaluation's own samples of the frozen ``model``, so no extra generation is
    paid for; the held-out part was never seen by the encoder. ``bf16`` (the learning-curve
    probe, on hardware with native bf16) runs the encoder under bf16 autocast and channels-last,
    about 3x faster on the 2-core CPU; the evaluation keeps fp32.
    """
    device = model.device
    spec, n_labels = _targets_spec(model)
    n_cont, out_dim = spec.continuous, spec.out_dim + n_labels
    n_train = int(len(samples.images) * TRAIN_FRACTION)
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        c, h = samples.images.shape[1], samples.images.shape[2]
        enc = InversionEncoder(c, h, out_dim).to(device)
    layout = torch.channels_last if bf16 else torch.contiguous_format
    enc = enc.to(memory_format=layout)

    def encode(x: torch.Tensor) -> torch.Tensor:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            return enc(x.contiguous(memory_format=layout)).float()

    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(enc.parameters(), lr=LR)

    def split(out: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor, torch.Tensor | None]:
        logits, cont, _ = spec.split(out)
        return logits, cont, (out[:, spec.out_dim :] if n_labels else None)

    images = samples.images[:n_train].to(device)
    cat, cont_t = samples.cat[:n_train].to(device), samples.cont[:n_train].to(device)
    labels = None if samples.labels is None else samples.labels[:n_train].to(device)
    enc.train()

    def batch_loss(idx: torch.Tensor) -> torch.Tensor:
        logits, cont, lab = split(encode(to_float(images[idx])))
        loss = torch.zeros((), device=device)
        for i, lg in enumerate(logits):
            loss = loss + F.cross_entropy(lg, cat[idx, i])
        if n_cont:
            loss = loss + F.mse_loss(cont, cont_t[idx], reduction="sum") / BATCH
        if lab is not None:
            loss = loss + F.cross_entropy(lab, labels[idx])
        return loss

    with progress_bar(
        total=epochs * (n_train // BATCH), desc="post-hoc encoder", leave=False, mininterval=1.0
    ) as bar:
        fit_minibatches(
            batch_loss, n_train, epochs, BATCH, opt, gen, device, after_step=lambda _: bar.update()
        )

    enc.eval()
    held = samples.images[n_train:]
    with torch.inference_mode():
        outs = torch.cat(
            [
                encode(to_float(held[i : i + 1000].to(device))).cpu()
                for i in range(0, len(held), 1000)
            ]
        )
    logits, cont, lab = split(outs)
    return PosthocResult(
        encoder=enc,
        cat_true=samples.cat[n_train:],
        cat_pred=torch.stack([lg.argmax(1) for lg in logits], 1)
        if logits
        else samples.cat[n_train:],
        cat_logits=logits,
        cont_true=samples.cont[n_train:],
        cont_pred=cont,
        labels_true=None if samples.labels is None else samples.labels[n_train:],
        labels_pred=None if lab is None else lab.argmax(1),
    )


def shared_posthoc(model: GanModel, samples: Samples, context: EvalContext) -> PosthocResult:
    """The post-hoc inversion encoder of this bank, fitted once whichever metric asks first."""
    return context.shared("posthoc", lambda: fit_posthoc_encoder(model, samples, seed=context.seed))
