"""``python -m benchmarks.untrained``: what each family scores before it has learnt anything.

An injective generator can be inverted by a post-hoc encoder whatever it has learnt, so some
metrics (``posthoc_mi``, ``posthoc_r2``) read high for a model that never trained. This command
builds each family exactly as a run with that seed starts (``seed_everything``, then
``build_run`` of the run's resolved config, on the run's device), runs the runner's own
evaluation on it with no training step (``benchmarks.runner.execute.SERVICES.evaluate``, the seam the
runner's tests replace) and writes one record per family, dataset and seed under
``<out>/records/untrained/`` with a run record's provenance (config, seed, device, versions,
commit). The tables print them as an "untrained (step 0)" row beside chance and the floor.

Each evaluation is cached (``gan_zoo.digest_cache``) under a digest of the family, dataset,
seed, hyperparameters, evaluation options and the judge's digest, so it is computed once.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.cli import (
    add_inception_arguments,
    add_plan_arguments,
    check_data_root,
    eval_options,
    refused,
)
from benchmarks.reporting.untrained_records import ROW_PREFIX, STATUS, folder, record_id
from benchmarks.runner.plan import RunSpec, left_out, parse_models, parse_seeds, plan_runs
from gan_zoo.config import parse_overrides
from gan_zoo.errors import GanZooError

log = logging.getLogger(__name__)

#: RunConfig needs a budget; none enters the build (weights come from the seed and hparams)
BUILD_BUDGET = "smoke"
#: bump when what an untrained evaluation means changes, so no cached one is reused
VERSION = 1


def judge_digest(dataset: Any) -> str:
    """The digest of the judge that scores ``dataset`` (the training split the evaluation
    gets), or ``none`` for a dataset scored without one (dSprites: its ground-truth factors)."""
    from gan_zoo.metrics.judge import has_judge, make_recipe

    return make_recipe(dataset).digest if has_judge(dataset.name) else "none"


def cache_key(config: Any, options: Any, judge: str) -> dict[str, Any]:
    """Everything an untrained evaluation depends on: the family, dataset, seed and
    hyperparameters that fix its initial weights, the evaluation's options and its judge."""
    return {
        "version": VERSION,
        "model": config.model,
        "dataset": config.dataset,
        "seed": config.seed,
        "hparams": config.hparams,
        "device_type": config.device_type,
        "evaluation": options.kept_key(),
        "judge": judge,
    }


def cache_entry(config: Any, digest: str) -> Path:
    """Where the evaluation of one untrained model is cached."""
    from gan_zoo.paths import cache_root

    return cache_root() / "untrained" / f"{config.dataset}__{config.model}__{digest}.json"


def initial_model(config: Any, dataset: Any) -> Any:
    """The model a run with ``config`` starts from, before its first step: seeded, then built,
    as ``gan_zoo.train.run`` does, and moved to the run's device (as its trainer does)."""
    from gan_zoo.devices import pick_device
    from gan_zoo.models import build_run
    from gan_zoo.train.seeding import seed_everything

    seed_everything(config.seed)
    return build_run(config, dataset).to(pick_device(config.device))


def untrained_record(
    spec: RunSpec, out: Path, options: Any, data_root: str | None, device: str | None
) -> tuple[dict[str, Any], bool]:
    """The untrained record of ``spec`` (from the cache, else evaluated now), written under
    ``out``; and whether it was evaluated now."""
    import benchmarks.runner.execute as execute
    from gan_zoo.data import DataSplits
    from gan_zoo.digest_cache import load_or_build, short_digest
    from gan_zoo.io import atomic_write_json

    config = spec.config(device)
    services = execute.SERVICES  # looked up now: the runner's seam, which tests replace
    dataset = services.dataset(spec.dataset, data_root)
    key = cache_key(config, options, judge_digest(dataset))
    digest = short_digest(json.dumps(key, sort_keys=True, default=str))
    entry = cache_entry(config, digest)
    ident = record_id(config.dataset, spec.model, spec.seed, dict(spec.overrides))
    built = []

    def load() -> dict[str, Any] | None:
        return json.loads(entry.read_text()) if entry.exists() else None

    def build() -> dict[str, Any]:
        record = execute.base_record(spec, config)
        record.update(
            run_id=f"untrained__{ident}",
            budget=STATUS,
            budget_steps=0,
            steps=0,
            status=STATUS,
            reference=ROW_PREFIX,
            judge_digest=key["judge"],
            untrained_digest=digest,
            evaluation_options=options.kept_key(),
        )
        model = initial_model(config, dataset)
        t0 = services.clock()
        record["metrics"], record["details"] = services.evaluate(
            model,
            dataset,
            None,  # no run folder: nothing of an untrained model is kept but its scores
            seed=spec.seed,
            root=data_root,
            **options.evaluate_kwargs(),
            data=DataSplits(spec.dataset, data_root, train=dataset),
        )
        record["eval_seconds"] = round(services.clock() - t0, 2)
        atomic_write_json(entry, record)
        built.append(True)
        return record

    record = load_or_build(entry, load, build)
    atomic_write_json(folder(out) / f"{ident}.json", record)
    return record, bool(built)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.untrained",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add_plan_arguments(p, "override a hyperparameter (repeatable), as the runs to compare with had")
    p.add_argument("--dataset", default="mnist", help="a registered dataset (mnist, dsprites, ...)")
    p.add_argument("--data-root", default=None, help="data folder (default: $GAN_ZOO_DATA)")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    p.add_argument("--out", type=Path, default=Path("results"), help="records go to OUT/records")
    p.add_argument("--num-samples", type=int, default=10_000, help="samples per evaluation")
    add_inception_arguments(p, "also Inception-FID/KID/IS")
    return p


def main(argv: list[str] | None = None) -> int:
    from benchmarks.runner.sample_count import fit_num_samples

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        check_data_root(args.data_root)
        for reason in left_out(args.models, args.dataset):
            print(f"note: left out of --models all: {reason}", file=sys.stderr)
        specs = plan_runs(
            parse_models(args.models, args.dataset),
            args.dataset,
            parse_seeds(args.seeds),
            BUILD_BUDGET,
            parse_overrides(args.overrides),
        )
        num_samples, fitted = fit_num_samples(args.num_samples, specs[0].dataset, args.inception)
        if fitted:
            print(f"note: {fitted}", file=sys.stderr)
        args.num_samples = num_samples
        options = eval_options(args)  # as run, evaluate and sample make theirs
        device = None if args.device == "auto" else args.device
        for spec in specs:
            t0 = time.perf_counter()
            record, evaluated = untrained_record(spec, args.out, options, options.data_root, device)
            how = "evaluated" if evaluated else "cached"
            print(
                f"{record['run_id']}: {how} in {time.perf_counter() - t0:.1f} s, "
                f"commit {record['commit']}",
                flush=True,
            )
    except GanZooError as exc:
        return refused(exc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
