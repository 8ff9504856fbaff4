"""Intra-class FID, precision, recall, density and coverage: quality of a conditional model within each label.

Label accuracy cannot see a conditional model that draws one image per class: every image
carries the right label. Comparing the samples of each requested label with the real images
of that class can: a collapsed class has a tiny covariance (large FID) and covers none of
the class's real images (recall near 0). Scores are averaged over the requested classes.

Protocol: judge penultimate features, as for the global metrics; torch-fidelity's own FID and
precision/recall functions on those features (one implementation of each). FID compares the
samples of a class with *all* test images of that class (about 1,000 per MNIST digit);
precision/recall (k = 3) and density/coverage (k = 5) compare them with a fixed random subset
of that class of the same size, since the k-NN radii depend on the set size. At 1,000 samples per class (the final
evaluation) and 200 (a curve point) the numbers differ in bias, so compare like with like:
the record stores the sample count, and the floor is computed at the evaluation's count.
"""

from __future__ import annotations

import logging
import os

import torch
from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric
from torch_fidelity.metric_prc import prc_features_to_metric

from gan_zoo.data import DataSplits
from gan_zoo.metrics.density_coverage import DC_NEIGHBORHOOD, density_coverage
from gan_zoo.metrics.fidelity import PRC_BLOCK, PRC_NEIGHBORHOOD
from gan_zoo.metrics.judge import DEFAULT_SEED, Judge, check_uint8_images, get_judge

log = logging.getLogger(__name__)
KEYS = ("intra_fid", "intra_precision", "intra_recall", "intra_density", "intra_coverage")
#: the fewest samples of one class the scores are defined on (k-NN balls need k + 1 points)
MIN_PER_CLASS = max(PRC_NEIGHBORHOOD, DC_NEIGHBORHOOD) + 1

# Test-split features and labels per judge, computed once per process.
_REFERENCE: dict[tuple[str, str], tuple[torch.Tensor, torch.Tensor]] = {}


def _reference(judge: Judge, data: DataSplits) -> tuple[torch.Tensor, torch.Tensor]:
    key = (judge.digest, str(data.root))
    if key not in _REFERENCE:
        test = data.test
        _REFERENCE[key] = (judge.features(test.images).float().cpu(), test.labels.cpu())
    return _REFERENCE[key]


def class_scores(
    fake: torch.Tensor, real: torch.Tensor, seed: int = DEFAULT_SEED
) -> dict[str, float]:
    """FID, precision, recall, density and coverage of one class's fake features against its
    real features."""
    if len(fake) < MIN_PER_CLASS:
        raise ValueError(f"need at least {MIN_PER_CLASS} samples per class, got {len(fake)}")
    fid = fid_statistics_to_metric(
        fid_features_to_statistics(fake), fid_features_to_statistics(real), verbose=False
    )["frechet_inception_distance"]
    size = min(len(fake), len(real))
    pick = torch.randperm(len(real), generator=torch.Generator().manual_seed(seed))[:size]
    prc = prc_features_to_metric(
        fake[:size],
        real[pick],
        prc_neighborhood=PRC_NEIGHBORHOOD,
        prc_batch_size=PRC_BLOCK,
        save_cpu_ram=True,
        verbose=False,
    )
    dc = density_coverage(real[pick], fake[:size])
    return {
        "intra_fid": float(fid),
        "intra_precision": prc["precision"],
        "intra_recall": prc["recall"],
        "intra_density": dc["density"],
        "intra_coverage": dc["coverage"],
    }


def intra_class_quality(
    images: torch.Tensor,
    labels: torch.Tensor,
    dataset_name: str,
    root: str | os.PathLike[str] | None = None,
    device: str | torch.device | None = None,
    seed: int = DEFAULT_SEED,
    data: DataSplits | None = None,
) -> dict[str, float]:
    """Mean over the requested classes of intra-class FID, precision and recall.

    ``images``: uint8 N x C x H x W generated for the requested ``labels`` (N,). Also returns
    ``intra_samples``: the smallest number of samples any class had. ``data``: the splits this
    evaluation already loaded.
    """
    check_uint8_images(images)
    labels = torch.as_tensor(labels).cpu()
    if len(labels) != len(images):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    data = data if data is not None else DataSplits(dataset_name, root)
    judge = get_judge(dataset_name, root=root, device=device, data=data)
    fake = judge.features(images).float().cpu()
    real, real_labels = _reference(judge, data)
    smallest = min(int((real_labels == c).sum()) for c in torch.unique(labels).tolist())
    if smallest < MIN_PER_CLASS:  # a user's small test split: no neighbourhood to measure
        log.warning(
            "intra-class metrics skipped: a class has %d test images (%d needed)",
            smallest,
            MIN_PER_CLASS,
        )
        return {}
    per_class = []
    counts = []
    for c in torch.unique(labels).tolist():
        mine = fake[labels == c]
        per_class.append(class_scores(mine, real[real_labels == c], seed))
        counts.append(len(mine))
    out = {key: sum(s[key] for s in per_class) / len(per_class) for key in KEYS}
    out["intra_samples"] = float(min(counts))
    return out


def balanced_real(
    dataset_name: str,
    per_class: int,
    root: str | os.PathLike[str] | None = None,
    seed: int = DEFAULT_SEED,
    data: DataSplits | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``per_class`` random train images of every class (fixed seed): a perfect model's samples."""
    train = (data if data is not None else DataSplits(dataset_name, root)).train
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))
    picks = [order[train.labels[order] == c][:per_class] for c in range(int(train.num_classes))]
    index = torch.stack(picks, dim=1).reshape(-1)  # interleaved: labels 0, 1, ..., 9, 0, ...
    return train.images[index], train.labels[index]


def intra_class_floor(
    dataset_name: str,
    root: str | os.PathLike[str] | None = None,
    device: str | torch.device | None = None,
    per_class: int = 1000,
    seed: int = DEFAULT_SEED,
    data: DataSplits | None = None,
) -> dict[str, float]:
    """Intra-class metrics of real train images (``per_class`` each) against the test split.

    The best a conditional model can hope for at that sample count; cached in the judge's
    metadata like the global floor.
    """
    data = data if data is not None else DataSplits(dataset_name, root)
    judge = get_judge(dataset_name, root=root, device=device, data=data)
    key = f"per_class{per_class}-seed{seed}"
    floors = dict(judge.meta.get("intra_class_floors", {}))
    if key not in floors or not set(KEYS) <= set(floors[key]):
        images, labels = balanced_real(dataset_name, per_class, root, seed, data)
        floors[key] = intra_class_quality(images, labels, dataset_name, root, device, seed, data)
        judge.update_meta(intra_class_floors=floors)
    return dict(floors[key])
