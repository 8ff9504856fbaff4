"""Samples made anywhere, scored by the suite's own metrics on the same judge as the zoo's runs.

A file of samples is not a model: it carries images and, optionally, the label each image was
asked for and the categorical codes that made it (with their layout). :class:`FileSamples`
stands in for the model in the registry's checks: its latent layout declares exactly what the
file carries and it generates nothing, so every registered metric whose needs the file meets
is computed and the others (the model's own bound, the post-hoc encoder, ...) are named as
skipped, with what they lack.

The ``.npz`` layout (what ``benchmarks.sample`` exports): ``images`` uint8 N x C x H x W or
N x H x W x C; ``labels`` (N,) integers in 0..K-1; ``codes`` (N, k) integers with
``code_sizes`` (k,) the categories of each code and optionally ``code_names`` (k,) strings
(default ``c1``, ``c2``, ...). A folder holds image files, flat or one subfolder per label.
A run's own ``samples.npz`` (:func:`gan_zoo.metrics.suite.save_artefacts`) is read too: its
``codes_cat``/``codes_cont`` carry no code sizes, so they are set aside and named, not scored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gan_zoo.data.image_files import check_labels, read_image_folder, read_npz, sha256_of, to_nchw
from gan_zoo.errors import DataError
from gan_zoo.metrics.context import EvalContext
from gan_zoo.metrics.registry import CAPABILITY_TEXT, Metric, metrics
from gan_zoo.models.base import Samples
from gan_zoo.models.latent import CategoricalCode, LatentLayout

NPZ_ARRAYS = ("images", "labels", "codes", "code_sizes", "code_names")
#: a run's ``samples.npz`` arrays with no layout to score them by: read, named, not used
RUN_ARRAYS = ("codes_cat", "codes_cont")


@dataclass
class SampleFile:
    """Samples read from ``path`` with the layout of what they carry."""

    path: Path
    format: str  # "npz" or "folder"
    samples: Samples
    latent: LatentLayout
    sha256: str
    ignored: tuple[str, ...] = ()  # arrays read but not scored (a run's codes_cat/codes_cont)

    def __len__(self) -> int:
        return len(self.samples.images)


@dataclass
class FileSamples:
    """A model stand-in for the registry's checks: a latent layout, and no generator."""

    latent: LatentLayout


def _codes(arrays: dict[str, np.ndarray], n: int, path: Path) -> tuple[np.ndarray, tuple]:
    """The categorical codes and their layout from ``codes``/``code_sizes``/``code_names``."""
    if "codes" not in arrays:
        extra = [k for k in ("code_sizes", "code_names") if k in arrays]
        if extra:
            raise DataError(f"{path} has {', '.join(extra)} but no codes")
        return np.zeros((n, 0), dtype=np.int64), ()
    codes, sizes = arrays["codes"], arrays.get("code_sizes")
    if sizes is None:
        raise DataError(f"{path} has codes but no code_sizes (the categories of each code)")
    if codes.ndim != 2 or codes.shape[0] != n or not np.issubdtype(codes.dtype, np.integer):
        raise DataError(f"codes are {codes.dtype} {codes.shape}; expected integers, {n} x k")
    k = codes.shape[1]
    if sizes.shape != (k,) or not np.issubdtype(sizes.dtype, np.integer) or (sizes < 2).any():
        raise DataError(f"code_sizes are {sizes.dtype} {sizes.shape}; expected {k} integers >= 2")
    names = arrays.get("code_names")
    if names is None:
        names = np.array([f"c{i + 1}" for i in range(k)])
    if names.shape != (k,) or names.dtype.kind != "U":
        raise DataError(f"code_names are {names.dtype} {names.shape}; expected {k} strings")
    bad = [str(x) for x in names if not re.fullmatch(r"\w+", str(x))]
    if bad or len(set(names.tolist())) != k:
        raise DataError(f"code_names must be distinct words (letters, digits, _), got {names}")
    for j in range(k):
        low, high = int(codes[:, j].min()), int(codes[:, j].max())
        if low < 0 or high >= sizes[j]:
            raise DataError(
                f"code {names[j]} lies in {low}..{high}; its code_sizes entry says "
                f"0..{int(sizes[j]) - 1}"
            )
    layout = tuple(
        CategoricalCode(str(name), int(size)) for name, size in zip(names, sizes, strict=True)
    )
    return codes.astype(np.int64), layout


def read_samples(
    path: Path, image_shape: tuple[int, int, int], num_classes: int | None
) -> SampleFile:
    """Read and check an ``.npz`` or an image folder; any misfit is a one-line DataError."""
    path = Path(path)
    ignored: tuple[str, ...] = ()
    if path.is_dir():
        images, labels = read_image_folder(path, image_shape, num_classes)
        codes, layout, kind = np.zeros((len(images), 0), dtype=np.int64), (), "folder"
    elif path.is_file():
        arrays = read_npz(path, NPZ_ARRAYS + RUN_ARRAYS)
        ignored = tuple(k for k in RUN_ARRAYS if k in arrays)
        if "images" not in arrays:
            raise DataError(f"{path} has no 'images' array (it has {', '.join(arrays) or 'none'})")
        images = to_nchw(arrays["images"], image_shape, f"the images in {path}")
        n = len(images)
        labels = arrays.get("labels")
        if labels is not None:
            if labels.shape != (n,):
                raise DataError(f"labels have shape {labels.shape}; expected ({n},), one per image")
            labels = check_labels(labels, num_classes, f"the labels in {path}")
        codes, layout = _codes(arrays, n, path)
        kind = "npz"
    else:
        raise DataError(f"{path} does not exist")
    samples = Samples(
        images=torch.from_numpy(images),
        cat=torch.from_numpy(codes),
        cont=torch.zeros(len(images), 0),
        labels=None if labels is None else torch.from_numpy(labels),
    )
    latent = LatentLayout(
        noise_dim=0,
        categorical=layout,
        label_classes=num_classes if labels is not None else None,
    )
    return SampleFile(path, kind, samples, latent, sha256_of(path), ignored)


def scorable(dataset: str) -> bool:
    """Whether any registered metric scores ``dataset`` samples without a model."""
    return any(
        m.compute is not None and m.applies(dataset) and "model" not in m.needs for m in metrics()
    )


def write_samples(path: Path, samples: Samples, latent: LatentLayout) -> Path:
    """``samples`` as the ``.npz`` :func:`read_samples` reads: images, the requested labels, and
    the categorical codes with their layout (continuous codes have no metric without a model)."""
    from gan_zoo.io import atomic_write

    arrays: dict[str, np.ndarray] = {"images": samples.images.cpu().numpy()}
    if samples.labels is not None:
        arrays["labels"] = samples.labels.cpu().numpy()
    if latent.categorical:
        arrays["codes"] = samples.cat.cpu().numpy()
        arrays["code_sizes"] = np.array([c.num_categories for c in latent.categorical])
        arrays["code_names"] = np.array([c.name for c in latent.categorical])
    return atomic_write(Path(path), lambda f: np.savez_compressed(f, **arrays))


def plan(dataset: str, stand_in: FileSamples) -> tuple[list[Metric], dict[str, str]]:
    """(the registered metrics these samples meet, {skipped metric: what it needs}), over the
    metrics defined on ``dataset``."""
    chosen, skipped = [], {}
    for metric in metrics():
        if metric.compute is None or not metric.applies(dataset):
            continue
        lacking = metric.missing(stand_in)
        if lacking:
            skipped[metric.name] = "needs " + " and ".join(CAPABILITY_TEXT[n] for n in lacking)
        else:
            chosen.append(metric)
    return chosen, skipped


def check_counts(chosen: list[Metric], samples: Samples) -> None:
    """Refuse samples too few for a chosen metric (per requested label where it needs labels)."""
    for metric in chosen:
        if "labels" in metric.needs and samples.labels is not None:
            values, counts = torch.unique(samples.labels, return_counts=True)
            low = int(counts.argmin())
            n, what = int(counts[low]), f"label {int(values[low])} has"
        else:
            n, what = len(samples.images), "the samples have"
        if n < metric.min_samples:
            per = " per label" if "labels" in metric.needs else ""
            raise DataError(
                f"{what} {n} images; metric {metric.name!r} needs at least "
                f"{metric.min_samples}{per}"
            )


def score(
    loaded: SampleFile,
    dataset: str,
    chosen: list[Metric],
    seed: int = 0,
    root: str | None = None,
    inception: bool = False,
    inception_weights: str | None = None,
) -> tuple[dict[str, float], dict[str, Any]]:
    """The chosen metrics on the file's samples (the suite's own code path), and details."""
    from gan_zoo.metrics.suite import run_metrics

    context = EvalContext(
        dataset_name=dataset,
        seed=seed,
        root=root,
        inception=inception,
        inception_weights=inception_weights,
    )
    scores = run_metrics(FileSamples(loaded.latent), loaded.samples, context, chosen)
    return scores, context.details
