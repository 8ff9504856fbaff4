"""The judge: a small classifier per image dataset, trained once by the suite and cached.

Sample-quality and information metrics need features and predictions from a network that
knows the domain (Inception was trained on photographs, not digits). The judge is trained
on the train split with a fixed seed, evaluated on the test split, and stored under
``cache_root()/judges/`` with a name built from a digest of everything that determines its
weights, so a change of data, seed or recipe can never silently reuse stale weights. It is
used only to evaluate; no model ever trains against it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from gan_zoo.data import DataSplits
from gan_zoo.data.dataset import ImageDataset
from gan_zoo.data.registry import JudgeSettings
from gan_zoo.devices import pick_device
from gan_zoo.digest_cache import file_sha256, load_or_build, short_digest
from gan_zoo.errors import ConfigError
from gan_zoo.fitting import fit_minibatches
from gan_zoo.io import atomic_torch_save, atomic_write_json, load_tensors
from gan_zoo.paths import cache_root, data_root
from gan_zoo.progress import progress_bar, stage

log = logging.getLogger(__name__)

# Bump when the architecture, the preprocessing or the training loop changes: it is part of
# the digest, so every cached judge (and every reference statistic keyed by it) is retrained.
JUDGE_VERSION = 1
FEATURE_DIM = 128
DEFAULT_SEED = 0
INFERENCE_BATCH = 2000


def settings(dataset_name: str) -> JudgeSettings | None:
    """The judge's training settings and accuracy bar from the dataset's registration; None
    where it has none (unlabelled data, dSprites, an unregistered name)."""
    from gan_zoo.data.registry import resolve

    try:
        entry = resolve(dataset_name)
    except ConfigError:
        return None
    return entry.judge if entry.has_judge else None


def has_judge(dataset_name: str) -> bool:
    """Whether a judge can be trained for ``dataset_name`` (a labelled dataset with a test split
    whose registration gives judge settings)."""
    return settings(dataset_name) is not None


def _block(c_in: int, c_out: int, kernel: int) -> list[nn.Module]:
    return [
        nn.Conv2d(c_in, c_out, kernel, stride=2, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    ]


class JudgeNet(nn.Module):
    """Three strided conv blocks, a 128-d penultimate layer, a linear head.

    Strided convolutions instead of max-pooling: on CPU the pooling costs as much as the
    convolutions, and the metric budget (10k samples in seconds) depends on this forward.
    Takes uint8 images so every caller preprocesses identically.
    """

    def __init__(self, in_channels: int, image_size: int, num_classes: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            *_block(in_channels, 32, 5), *_block(32, 64, 3), *_block(64, 128, 3), nn.Flatten()
        )
        side = image_size
        for _ in range(3):
            side = (side + 1) // 2
        self.penultimate = nn.Sequential(
            nn.Linear(128 * side * side, FEATURE_DIM, bias=False),
            nn.BatchNorm1d(FEATURE_DIM),
            nn.ReLU(inplace=True),
        )
        self.head = nn.Linear(FEATURE_DIM, num_classes)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``images``: uint8 N x C x H x W. Returns (penultimate features, logits)."""
        x = images.to(torch.float32).div_(255.0)
        features = self.penultimate(self.body(x))
        return features, self.head(features)


@dataclass(frozen=True)
class JudgeRecipe:
    """Everything that determines a judge's weights; its digest names the cache entry."""

    dataset: str
    data_checksum: str
    image_shape: tuple[int, int, int]
    num_classes: int
    seed: int = DEFAULT_SEED
    epochs: int = 2
    batch_size: int = 128
    lr: float = 3e-3
    weight_decay: float = 1e-4
    version: int = JUDGE_VERSION

    @property
    def digest(self) -> str:
        return short_digest(json.dumps(asdict(self), sort_keys=True))

    def with_seed(self, seed: int) -> JudgeRecipe:
        return replace(self, seed=seed)


def data_checksum(dataset: ImageDataset) -> str:
    """SHA-256 of the images and labels, so a re-downloaded or altered split changes the key."""
    h = hashlib.sha256()
    h.update(dataset.images.contiguous().cpu().numpy().tobytes())
    if dataset.labels is not None:
        h.update(dataset.labels.to(torch.int64).contiguous().cpu().numpy().tobytes())
    return h.hexdigest()


def make_recipe(train: ImageDataset, seed: int = DEFAULT_SEED) -> JudgeRecipe:
    """The recipe for a judge of ``train``'s dataset."""
    if train.labels is None or train.num_classes is None:
        raise ConfigError(f"dataset {train.name!r} has no class labels; a judge needs them")
    recipe = settings(train.name)
    if recipe is None:
        raise ConfigError(f"dataset {train.name!r} has no judge (its registration gives none)")
    return JudgeRecipe(
        dataset=train.name,
        data_checksum=data_checksum(train),
        image_shape=train.image_shape,
        num_classes=int(train.num_classes),
        seed=seed,
        epochs=recipe.epochs,
        # a user's small set may hold fewer images than a batch
        batch_size=min(JudgeRecipe.batch_size, len(train)),
    )


def build_net(recipe: JudgeRecipe) -> JudgeNet:
    c, h, w = recipe.image_shape
    if h != w:
        raise ConfigError(f"the judge expects square images, got {h}x{w}")
    return JudgeNet(c, h, recipe.num_classes)


def train_net(
    recipe: JudgeRecipe, train: ImageDataset, device: torch.device, verbose: bool = True
) -> JudgeNet:
    """Train a judge from scratch: AdamW with a one-cycle schedule, no augmentation.

    The global RNG is left untouched (the seed acts on a forked RNG and a private generator),
    so training a judge in the middle of an experiment does not change that experiment.
    """
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(recipe.seed)
        net = build_net(recipe).to(device)
        order = torch.Generator().manual_seed(recipe.seed)
        images = train.images.to(device)
        labels = train.labels.to(device)
        steps_per_epoch = len(train) // recipe.batch_size
        opt = torch.optim.AdamW(net.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=recipe.lr, total_steps=recipe.epochs * steps_per_epoch
        )
        net.train()
        name, start = f"judge[{recipe.dataset}]", time.perf_counter()
        if verbose:  # minutes on a CPU, once per machine: say so before the wait
            stage(
                f"{name}: training {recipe.epochs} epochs of {steps_per_epoch} batches "
                f"(once per machine; cached in {judges_dir()})"
            )
        bar = progress_bar(
            total=recipe.epochs * steps_per_epoch,
            desc=name,
            disable=not verbose,
            leave=False,
            mininterval=1.0,
        )

        def report(epoch: int, loss: torch.Tensor) -> None:
            if verbose:
                stage(
                    f"{name}: epoch {epoch + 1}/{recipe.epochs} loss {loss.item():.4f} "
                    f"({time.perf_counter() - start:.0f} s)"
                )

        with bar:
            fit_minibatches(
                lambda idx: F.cross_entropy(net(images[idx])[1], labels[idx]),
                len(train),
                recipe.epochs,
                recipe.batch_size,
                opt,
                order,
                device,
                scheduler=sched,
                after_step=lambda loss: bar.update(),
                after_epoch=report,
            )
    return net.eval()


def check_uint8_images(images: torch.Tensor) -> torch.Tensor:
    """Refuse anything but uint8 N x C x H x W: float images in [-1, 1] would pass silently."""
    if not torch.is_tensor(images) or images.dtype != torch.uint8 or images.dim() != 4:
        got = f"{images.dtype} {tuple(images.shape)}" if torch.is_tensor(images) else type(images)
        raise ValueError(f"expected uint8 images N x C x H x W (0-255), got {got}")
    return images


class Judge:
    """A trained judge: batched, gradient-free features, logits and predictions."""

    def __init__(
        self, net: JudgeNet, recipe: JudgeRecipe, meta: dict[str, Any], path: Path | None
    ) -> None:
        self.net = net.eval()
        self.recipe = recipe
        self.meta = meta
        self.path = path
        self._weights_sha256: str | None = None

    @property
    def digest(self) -> str:
        return self.recipe.digest

    @property
    def dataset(self) -> str:
        return self.recipe.dataset

    def provenance(self) -> dict[str, str | None]:
        """What a record says of the judge that scored it: the recipe's digest (data, seed,
        settings) and the weights' SHA-256. Each machine trains its own judge from the recipe,
        and CPUs whose float arithmetic differs train different weights (judge-feature scores
        then differ a little: floor FD 0.132 on an AMD EPYC, 0.137 on an Intel Xeon), so only
        records with the same weights compare exactly. Hashed once per loaded judge: the
        learning-curve probe asks at every point."""
        if self._weights_sha256 is None and self.path is not None and self.path.is_file():
            self._weights_sha256 = file_sha256(self.path)
        return {"recipe": self.digest, "weights_sha256": self._weights_sha256}

    @property
    def test_accuracy(self) -> float:
        return float(self.meta["test_accuracy"])

    @property
    def device(self) -> torch.device:
        return next(self.net.parameters()).device

    def _batches(self, images: torch.Tensor, batch_size: int) -> Iterator[tuple[torch.Tensor, ...]]:
        images = check_uint8_images(images)
        with torch.inference_mode():
            for start in range(0, len(images), batch_size):
                yield self.net(images[start : start + batch_size].to(self.device))

    def features_and_logits(
        self, images: torch.Tensor, batch_size: int = INFERENCE_BATCH
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Both outputs in one pass (N x 128, N x num_classes), on the judge's device."""
        parts = list(self._batches(images, batch_size))
        if not parts:
            empty = torch.empty(0, device=self.device)
            return empty.reshape(0, FEATURE_DIM), empty.reshape(0, self.recipe.num_classes)
        return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])

    def features(self, images: torch.Tensor, batch_size: int = INFERENCE_BATCH) -> torch.Tensor:
        return self.features_and_logits(images, batch_size)[0]

    def logits(self, images: torch.Tensor, batch_size: int = INFERENCE_BATCH) -> torch.Tensor:
        return self.features_and_logits(images, batch_size)[1]

    def predict(self, images: torch.Tensor, batch_size: int = INFERENCE_BATCH) -> torch.Tensor:
        return self.logits(images, batch_size).argmax(dim=1)

    def accuracy(self, dataset: ImageDataset) -> float:
        if dataset.labels is None:
            raise ConfigError(f"dataset {dataset.name!r} has no labels to score the judge on")
        pred = self.predict(dataset.images).cpu()
        return float((pred == dataset.labels.cpu()).float().mean())

    def update_meta(self, **entries: Any) -> None:
        """Add entries (e.g. quality floors) to the cached metadata, atomically."""
        self.meta.update(entries)
        if self.path is not None:
            atomic_write_json(meta_path(self.path), self.meta)


def judges_dir() -> Path:
    return cache_root() / "judges"


def checkpoint_path(recipe: JudgeRecipe) -> Path:
    return judges_dir() / f"{recipe.dataset}-{recipe.digest}.pt"


def meta_path(checkpoint: Path) -> Path:
    return checkpoint.with_suffix(".json")


def load_checkpoint(
    path: str | os.PathLike[str], device: torch.device
) -> tuple[JudgeNet, JudgeRecipe]:
    """Rebuild a judge network from a checkpoint written by :func:`get_judge`."""
    blob = load_tensors(path, map_location=device)
    fields = dict(blob["recipe"])
    fields["image_shape"] = tuple(fields["image_shape"])
    recipe = JudgeRecipe(**fields)
    net = build_net(recipe).to(device)
    net.load_state_dict(blob["state_dict"])
    return net.eval(), recipe


def _load_cached(recipe: JudgeRecipe, device: torch.device) -> Judge | None:
    path = checkpoint_path(recipe)
    if not (path.exists() and meta_path(path).exists()):
        return None
    net, stored = load_checkpoint(path, device)
    if stored.digest != recipe.digest:
        return None
    meta = json.loads(meta_path(path).read_text())
    return Judge(net, recipe, meta, path)


def _train_and_store(
    recipe: JudgeRecipe,
    train: ImageDataset,
    test: ImageDataset,
    device: torch.device,
    verbose: bool,
) -> Judge:
    start = time.perf_counter()
    net = train_net(recipe, train, device, verbose)
    seconds = time.perf_counter() - start
    path = checkpoint_path(recipe)
    meta: dict[str, Any] = {
        "dataset": recipe.dataset,
        "digest": recipe.digest,
        "recipe": asdict(recipe),
        "train_seconds": round(seconds, 1),
        "train_device": str(device),
        "test_info": test.info,
    }
    judge = Judge(net, recipe, meta, path)
    meta["test_accuracy"] = judge.accuracy(test)
    meta["test_size"] = len(test)
    message = (
        f"judge[{recipe.dataset}] {recipe.digest}: test accuracy {meta['test_accuracy']:.4f} "
        f"on {len(test)} images, trained in {seconds:.0f} s on {device}"
    )
    log.info(message)
    if verbose:
        stage(message)
    known = settings(recipe.dataset)
    bar = None if known is None else known.min_accuracy
    if bar is not None and meta["test_accuracy"] < bar:
        warnings.warn(
            f"judge[{recipe.dataset}] reached {meta['test_accuracy']:.4f} < {bar}: its metrics "
            f"are less trustworthy; bump JUDGE_VERSION after fixing the recipe",
            stacklevel=3,
        )
    state = {k: v.cpu() for k, v in net.state_dict().items()}
    atomic_torch_save(path, {"recipe": asdict(recipe), "state_dict": state})
    atomic_write_json(meta_path(path), meta)
    return judge


# Judges already loaded in this process, by (dataset, data root, seed, device): a metric suite
# asks for the judge several times per model and should not re-read and re-hash the data.
_LOADED: dict[tuple[str, str, int, str], Judge] = {}


def get_judge(
    dataset_name: str,
    root: str | os.PathLike[str] | None = None,
    device: str | torch.device | None = None,
    seed: int = DEFAULT_SEED,
    verbose: bool = True,
    data: DataSplits | None = None,
) -> Judge:
    """The judge of ``dataset_name``: from memory, else from the cache, else trained now.

    ``data`` gives the splits already loaded for this evaluation (else they are loaded here).
    Training takes a few minutes on a CPU and happens once per machine and recipe.
    """
    dev = pick_device(device)
    key = (str(dataset_name), str(data_root(root)), int(seed), str(dev))
    if key in _LOADED:
        return _LOADED[key]
    data = data if data is not None else DataSplits(dataset_name, root)
    recipe = make_recipe(data.train, seed)
    judge = load_or_build(
        checkpoint_path(recipe),
        lambda: _load_cached(recipe, dev),
        lambda: _train_and_store(recipe, data.train, data.test, dev, verbose),
        companions=(meta_path(checkpoint_path(recipe)),),
    )
    _LOADED[key] = judge
    return judge


def judge_recipe(
    dataset_name: str, root: str | os.PathLike[str] | None = None, seed: int = DEFAULT_SEED
) -> JudgeRecipe:
    """The recipe (and so the cache key) :func:`get_judge` would use, without training."""
    return make_recipe(DataSplits(dataset_name, root).train, seed)
