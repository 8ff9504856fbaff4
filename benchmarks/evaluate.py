"""``python -m benchmarks.evaluate``: score samples made anywhere with the suite's metrics.

``--samples`` is an ``.npz`` (``images`` uint8 N x C x H x W or N x H x W x C; optional
``labels``, and ``codes`` with ``code_sizes`` and ``code_names``) or a folder of images (flat,
or one subfolder per requested label named 0, 1, ...). A run's own ``samples.npz`` is read as
it is written; its ``codes_cat``/``codes_cont`` carry no code sizes and are named as not
scored. Every registered metric whose needs the samples meet is computed on the same judge as
the zoo's runs; the others are named as skipped.
``--inception`` adds FID, KID (and IS) on Inception-v3, as the runner's flag does.
The result is an ordinary record, ``<out>/records/external__<dataset>__<name>.json``, marked
``external`` (the file's SHA-256, the sample count, the judge's digest); ``benchmarks.reporting.tables``
shows such records in their own section, never averaged with the models. Bad input is one
line and exit code 2, and nothing is written.

``--samples A --reference B`` scores two sets against each other instead, as torch-fidelity's
``fidelity --input1 A --input2 B`` does (:mod:`benchmarks.evaluate_sets`, docs/evaluate.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import evaluate_sets
from benchmarks.cli import add_inception_arguments, check_data_root, eval_options, refused
from benchmarks.environment import device_description, git_commit, versions
from benchmarks.external_record import COUNTS, label_of, shown
from benchmarks.records import write_record
from benchmarks.run import check_out_writable
from benchmarks.runner.eval_options import EvalOptions
from gan_zoo.data import canonical_name, load_dataset, splits
from gan_zoo.devices import pick_device
from gan_zoo.errors import ConfigError, DataError, GanZooError
from gan_zoo.metrics import external
from gan_zoo.metrics.context import EvalContext
from gan_zoo.metrics.registry import display_name, feature_notes, order_keys
from gan_zoo.metrics.registry import floors as real_floors

#: the zoo's evaluation bank: numbers at another count differ in bias (FID, KID)
ZOO_SAMPLES = 10_000


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.evaluate",
        description="Score samples made anywhere with the suite's metrics; one record.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--dataset",
        default=None,
        help="the dataset the samples imitate (mnist, ...); with --reference: the judge to add",
    )
    p.add_argument("--samples", type=Path, default=None, help=".npz file or image folder")
    p.add_argument(
        "--reference",
        type=Path,
        default=None,
        help="score --samples against this set (.npz or folder) instead of a test split",
    )
    add_inception_arguments(
        p, "add FID/KID (IS) on Inception-v3 (implied by --reference without --dataset)"
    )
    p.add_argument(
        "--batch-size", type=int, default=None, help="images per Inception pass with --reference"
    )
    p.add_argument("--name", default=None, help="row label (default: the file's stem)")
    p.add_argument("--out", type=Path, default=Path("results"), help="records go to OUT/records")
    p.add_argument("--seed", type=int, default=0, help="protocol seed (reference subsets, KID)")
    p.add_argument("--data-root", default=None, help="data folder (default: $GAN_ZOO_DATA)")
    return p


def run_id(dataset: str, name: str) -> str:
    return f"external__{dataset}__{name}"


def evaluate_file(
    dataset: str,
    samples: Path,
    options: EvalOptions,
    name: str | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """The record of one file of samples, scored with ``options`` (Inception and its weights,
    the data folder; the file's own count is the sample count); every check runs before any
    metric."""
    from gan_zoo.metrics.judge import get_judge, has_judge

    label = label_of(name, samples)
    dataset = canonical_name(dataset)
    if not external.scorable(dataset):
        raise DataError(f"no registered metric scores {dataset} samples without a model")
    data_root = options.data_root
    test = load_dataset(dataset, splits(dataset)[-1], root=data_root)
    loaded = external.read_samples(samples, test.image_shape, test.num_classes)
    chosen, skipped = external.plan(test.name, external.FileSamples(loaded.latent))
    external.check_counts(chosen, loaded.samples)
    judged = has_judge(test.name)
    t0 = time.perf_counter()
    scores, details = external.score(
        loaded, test.name, chosen, seed, data_root, options.inception, options.inception_weights
    )
    if not scores:  # a dataset without a judge has quality on Inception only
        raise DataError(f"no metric scored these samples on {test.name}; add --inception")
    # what real data scores at this count: the judge's floor, and Inception's with --inception
    context = EvalContext(
        test.name,
        root=data_root,
        inception=options.inception,
        inception_weights=options.inception_weights,
    )
    floors = real_floors(len(loaded), context, keys=scores)
    judge = get_judge(test.name, root=data_root).digest if judged else None
    return {
        "run_id": run_id(test.name, label),
        "model": label,
        "dataset": test.name,
        "budget": None,
        "seed": seed,
        "overrides": {},
        "status": "complete",
        "external": {
            "path": str(samples),
            "format": loaded.format,
            "sha256": loaded.sha256,
            "samples": len(loaded),
            "labels": loaded.samples.labels is not None,
            "codes": {c.name: c.num_categories for c in loaded.latent.categorical},
            "ignored_arrays": list(loaded.ignored),
            "judge_digest": judge,
        },
        "skipped_metrics": skipped,
        "metrics": scores,
        "floors": floors,
        "details": details,
        "eval_seconds": round(time.perf_counter() - t0, 2),
        "versions": versions(),
        "commit": git_commit(),
        **device_description(pick_device(None)),
    }


def describe(record: dict[str, Any], path: Path) -> str:
    """What the command prints: the scores in registry order, what was skipped, the record."""
    ext = record["external"]
    lines = [
        f"{record['model']} on {record['dataset']}: {ext['samples']} samples "
        f"({ext['format']}, sha256 {ext['sha256'][:12]}), judge {ext['judge_digest']}"
    ]
    metrics = record["metrics"]
    width = max(len(display_name(k)) for k in metrics)
    floors = record.get("floors") or {}
    for key in order_keys(metrics):
        line = f"  {display_name(key):<{width}}  {shown(metrics[key])}"
        if key in floors and key not in COUNTS:
            line += f"  (real data: {shown(floors[key])})"
        lines.append(line)
    for metric, why in record["skipped_metrics"].items():
        lines.append(f"  skipped {metric}: {why}")
    if ext.get("ignored_arrays"):
        lines.append(
            f"not scored: {', '.join(ext['ignored_arrays'])} (no code sizes; "
            "benchmarks.sample --export N writes codes with their layout)"
        )
    lines += [f"names: {note}" for note in feature_notes(metrics)]
    reference = int(metrics.get("quality_reference", ext["samples"]))
    if reference < ext["samples"]:  # a user's small test split: the run lowers its count
        lines.append(
            f"note: the test split holds {reference:,} images; FD and KID compared the "
            f"{ext['samples']:,} samples with those"
        )
    if ext["samples"] != ZOO_SAMPLES:
        lines.append(
            f"note: the zoo's rows use {ZOO_SAMPLES:,} samples; FID and KID at "
            f"{ext['samples']:,} are biased differently"
        )
    lines.append(f"record: {path}")
    return "\n".join(lines)


def check_args(args: argparse.Namespace) -> None:
    """Refuse a combination that names no scoring, in one line, before anything is read."""
    if args.samples is None:
        given = "--reference" if args.reference is not None else "nothing to score"
        raise ConfigError(f"--samples is required ({given} given); see --help")
    if args.reference is None and args.dataset is None:
        raise ConfigError("give --dataset (score against its test split) or --reference B")
    if args.batch_size is not None and args.batch_size < 1:
        raise ConfigError(f"--batch-size must be positive, got {args.batch_size}")
    if args.batch_size is not None and args.reference is None:
        raise ConfigError("--batch-size applies to --reference only")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        check_args(args)
        # the one place the options are made: --inception-weights means --inception here
        options = eval_options(args, weights_imply_inception=True)
        check_out_writable(args.out)
        check_data_root(options.data_root)
        if args.reference is not None:
            record = evaluate_sets.evaluate_sets(
                args.samples,
                args.reference,
                options,
                args.dataset,
                args.name,
                args.seed,
                args.batch_size,
            )
            text = evaluate_sets.describe
        else:
            record = evaluate_file(args.dataset, args.samples, options, args.name, args.seed)
            text = describe
        path = write_record(args.out, record)
    except GanZooError as exc:
        return refused(exc)
    print(text(record, path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
