"""``python -m benchmarks.evaluate --samples A --reference B``: two image sets, one record.

What ``fidelity --input1 A --input2 B`` gives, in one line: FID and KID on Inception-v3 pool3
features (IS of A where the weights have a classifier), precision/recall and density/coverage
on the same features (:mod:`gan_zoo.metrics.two_sets`). ``--dataset D`` adds the judge's
label-free quality metrics of A against B (both read at D's image size) and D's real-data floor;
Inception then runs only with ``--inception``, as for runs. Without ``--dataset`` the sets may
have any size (each set one size; Inception resizes to 299).

The record is ``<out>/records/external__two-sets__<name>.json``: ``external`` (so no table mixes
it with runs) with ``mode: two-sets`` and both sets' SHA-256, and ``dataset`` null, since its
scores are against B and not a test split, so no dataset's table of external samples shows it.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.environment import device_description, git_commit, versions
from benchmarks.external_record import COUNTS, label_of, shown
from benchmarks.runner.eval_options import EvalOptions
from gan_zoo.data.image_files import (
    IMAGE_SUFFIXES,
    image_shape_of,
    read_image_folder,
    read_npz,
    sha256_of,
    to_nchw,
)
from gan_zoo.devices import pick_device
from gan_zoo.errors import DataError
from gan_zoo.metrics import external
from gan_zoo.metrics.context import EvalContext
from gan_zoo.metrics.registry import display_name, feature_notes, order_keys
from gan_zoo.metrics.registry import floors as real_floors
from gan_zoo.models.base import Samples
from gan_zoo.models.latent import LatentLayout

MODE = "two-sets"


def read_set(
    path: Path, image_shape: tuple[int, int, int] | None, num_classes: int | None
) -> external.SampleFile:
    """One set: an ``.npz`` or image folder as ``benchmarks.evaluate`` reads them; without a
    dataset its size is the first image's and labels or codes are ignored (nothing uses them)."""
    path = Path(path)
    if image_shape is not None:
        return external.read_samples(path, image_shape, num_classes)
    if path.is_dir():
        shape = image_shape_of(_first_image(path))
        labelled = [p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")]
        # label subfolders are read (and checked) as evaluate reads them, then set aside
        named = [int(p.name) + 1 for p in labelled if p.name.isdigit()]
        images, _ = read_image_folder(path, shape, max(named, default=len(labelled)) or None)
        kind, ignored = "folder", ("labels",) if labelled else ()
    elif path.is_file():
        arrays = read_npz(path, external.NPZ_ARRAYS + external.RUN_ARRAYS)
        if "images" not in arrays:
            raise DataError(f"{path} has no 'images' array (it has {', '.join(arrays) or 'none'})")
        images = to_nchw(
            arrays["images"], _npz_shape(arrays["images"], path), f"the images in {path}"
        )
        kind, ignored = "npz", tuple(k for k in arrays if k != "images")
    else:
        raise DataError(f"{path} does not exist")
    samples = Samples(
        images=torch.from_numpy(images),
        cat=torch.zeros(len(images), 0, dtype=torch.int64),
        cont=torch.zeros(len(images), 0),
        labels=None,
    )
    latent = LatentLayout(noise_dim=0, categorical=(), label_classes=None)
    return external.SampleFile(path, kind, samples, latent, sha256_of(path), ignored)


def _first_image(folder: Path) -> Path:
    """The first image file in name order, in the folder or its first label subfolder."""
    for entry in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
        if entry.is_dir():
            return _first_image(entry)
        if entry.suffix.lower() in IMAGE_SUFFIXES:
            return entry
    raise DataError(f"{folder} holds no images")


def _npz_shape(images: np.ndarray, path: Path) -> tuple[int, int, int]:
    """C x H x W of an N x C x H x W or N x H x W x C array (C 1 or 3)."""
    if images.ndim == 4 and images.shape[1] in (1, 3):
        return tuple(images.shape[1:])  # type: ignore[return-value]
    if images.ndim == 4 and images.shape[3] in (1, 3):
        return images.shape[3], images.shape[1], images.shape[2]
    raise DataError(
        f"the images in {path} have shape {images.shape}; expected N x C x H x W or "
        "N x H x W x C with C 1 or 3"
    )


def _stem(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", path.stem or path.name or "set").lstrip("._-") or "set"


def run_id(name: str) -> str:
    return f"external__{MODE}__{name}"


def _described(loaded: external.SampleFile) -> dict[str, Any]:
    return {
        "path": str(loaded.path),
        "format": loaded.format,
        "sha256": loaded.sha256,
        "samples": len(loaded),
        "image_shape": list(loaded.samples.images.shape[1:]),
        "ignored_arrays": list(loaded.ignored),
    }


def evaluate_sets(
    samples: Path,
    reference: Path,
    options: EvalOptions,
    dataset: str | None = None,
    name: str | None = None,
    seed: int = 0,
    batch_size: int | None = None,
) -> dict[str, Any]:
    """The record of ``samples`` scored against ``reference`` with ``options`` (Inception and
    its weights, the data folder; the sets' own sizes are the counts); every check runs first.
    Inception runs where ``options`` ask for it, and always without ``dataset``."""
    from gan_zoo.data import canonical_name, load_dataset, splits
    from gan_zoo.metrics import two_sets
    from gan_zoo.metrics.judge import get_judge, has_judge
    from gan_zoo.metrics.registry import get_metric

    data_root, inception = options.data_root, options.inception
    label = label_of(name, samples) if name else f"{_stem(samples)}__vs__{_stem(reference)}"
    shape = classes = None
    judged = False
    if dataset is not None:
        dataset = canonical_name(dataset)
        test = load_dataset(dataset, splits(dataset)[-1], root=data_root)
        shape, classes, judged = test.image_shape, test.num_classes, has_judge(dataset)
        if not judged and not inception:
            raise DataError(f"{dataset} has no judge; add --inception to score the two sets")
    set_a = read_set(samples, shape, classes)
    set_b = read_set(reference, shape, classes)
    if judged:
        least = get_metric("quality").min_samples
        small = min(len(set_a), len(set_b))
        if small < least:
            raise DataError(
                f"a set holds {small} images; the judge's quality metrics need at least {least} "
                "per set (leave out --dataset for Inception alone)"
            )
    t0 = time.perf_counter()
    device = pick_device(None)
    metrics: dict[str, float] = {}
    details: dict[str, Any] = {}
    if judged:
        metrics.update(_judged(set_a, set_b, dataset, data_root, seed))
    if inception or dataset is None:
        extra = {"batch_size": batch_size} if batch_size else {}
        scores, details = two_sets.score(
            set_a.samples.images,
            set_b.samples.images,
            options.inception_weights,
            cuda=device.type == "cuda",
            seed=seed,
            **extra,
        )
        metrics.update(scores)
    metrics["quality_samples"] = float(len(set_a))
    metrics["quality_reference"] = float(len(set_b))
    # the judge's floor of the named dataset (its train vs test split); not Inception's, as B
    # is not that dataset's test split
    floors = (
        real_floors(len(set_a), EvalContext(dataset, root=data_root), metrics) if judged else {}
    )
    return {
        "run_id": run_id(label),
        "model": label,
        "dataset": None,  # scored against B, not a test split: no dataset's table shows it
        "budget": None,
        "seed": seed,
        "overrides": {},
        "status": "complete",
        "external": {
            "mode": MODE,
            **_described(set_a),
            "reference": _described(set_b),
            "judge_dataset": dataset if judged else None,
            "judge_digest": get_judge(dataset, root=data_root).digest if judged else None,
        },
        "skipped_metrics": _skipped(dataset),
        "metrics": metrics,
        "floors": floors,
        "details": details,
        "eval_seconds": round(time.perf_counter() - t0, 2),
        "versions": versions(),
        "commit": git_commit(),
        **device_description(device),
    }


def _judged(
    set_a: external.SampleFile,
    set_b: external.SampleFile,
    dataset: str,
    root: str | None,
    seed: int,
) -> dict[str, float]:
    """The judge's label-free quality metrics of A against B (B in place of the test split)."""
    from gan_zoo.metrics.fidelity import sample_quality

    return sample_quality(
        set_a.samples.images,
        dataset,
        root=root,
        num_samples=len(set_a),
        seed=seed,
        reference_images=set_b.samples.images,
    )


def _skipped(dataset: str | None) -> dict[str, str]:
    """The dataset's metrics other than quality: they score A alone against the test split,
    not against B."""
    if dataset is None:
        return {}
    from gan_zoo.metrics.registry import metrics

    why = "scores the samples alone against the test split: run without --reference"
    return {
        m.name: why
        for m in metrics()
        if m.compute is not None and m.applies(dataset) and m.name != "quality"
    }


def describe(record: dict[str, Any], path: Path) -> str:
    """What the command prints: both sets, the scores in registry order, the notes, the record."""
    ext, ref = record["external"], record["external"]["reference"]
    head = (
        f"{record['model']}: {ext['path']} ({ext['samples']} images, sha256 {ext['sha256'][:12]})"
    )
    lines = [
        head,
        f"  against {ref['path']} ({ref['samples']} images, sha256 {ref['sha256'][:12]})",
    ]
    if ext["judge_dataset"]:
        lines.append(f"  judge: {ext['judge_dataset']} {ext['judge_digest']}")
    metrics, floors = record["metrics"], record.get("floors") or {}
    keys = [k for k in order_keys(metrics) if k not in COUNTS]
    keys += [k for k in COUNTS if k in metrics]
    width = max(len(display_name(k)) for k in keys)
    for key in keys:
        line = f"  {display_name(key):<{width}}  {shown(metrics[key])}"
        if key in floors and key not in COUNTS:
            line += f"  (real data: {shown(floors[key])})"
        lines.append(line)
    for metric, why in record["skipped_metrics"].items():
        lines.append(f"  skipped {metric}: {why}")
    lines += [f"names: {note}" for note in feature_notes(metrics)]
    weights = (record.get("details") or {}).get("inception_weights")
    if weights:
        lines.append(f"inception weights: {weights['source']}")
        if "isc_inception" not in metrics:
            lines.append(
                "note: no IS: these Inception weights have no classifier (pass "
                "--inception-weights with torch-fidelity's file for IS)"
            )
    used = (record.get("details") or {}).get("prdc_images")
    if used and used != [ext["samples"], ref["samples"]]:
        lines.append(
            f"note: precision, recall, density and coverage on {used[0]:,} samples and a seeded "
            f"{used[1]:,} of the reference (the runner's cap per side)"
        )
    if weights and min(ext["samples"], ref["samples"]) < 2048:
        lines.append(
            "note: FID at fewer than 2,048 images per set (the features' dimension) is "
            "strongly biased upwards; compare FIDs only at equal counts"
        )
    lines.append(f"record: {path}")
    return "\n".join(lines)
