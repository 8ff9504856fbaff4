"""``python -m benchmarks.run``: train and evaluate models on one dataset over several seeds.

Every (model, dataset, seed, budget, overrides) is one run with a stable id; finished runs are
skipped, interrupted ones resume from their checkpoint, and each run leaves a JSON record under
``<out>/records/`` that tables and plots are regenerated from.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.cli import (
    add_inception_arguments,
    add_plan_arguments,
    check_data_root,
    eval_options,
    refused,
)
from benchmarks.runner.availability import quality_note
from benchmarks.runner.live_log import parse_log
from benchmarks.runner.plan import (
    RunSpec,
    check_fuse,
    left_out,
    parse_models,
    parse_seeds,
    plan_runs,
)
from gan_zoo.config import BUDGETS, parse_overrides
from gan_zoo.errors import ConfigError, GanZooError
from gan_zoo.train.stop_signals import exit_code, sigterm_raises

if TYPE_CHECKING:
    from benchmarks.runner.eval_options import EvalOptions

DEFAULT_OUT = Path("results")
EXECUTORS = ("local", "ray")
#: exit code of a plan that left runs to another process holding them (sysexits' EX_TEMPFAIL:
#: not complete yet, run again later); a failed run (1) and a refused write (74) come first
HELD = 75


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Train and evaluate GAN-family models on one dataset, one record per run.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add_plan_arguments(p, "override a hyperparameter (repeatable), e.g. --set lr_g=5e-4")
    p.add_argument("--dataset", default="mnist", help=dataset_help())
    p.add_argument(
        "--budget", default="paper", help="|".join(BUDGETS) + " (paper: the headline tables)"
    )
    p.add_argument(
        "--data-root", default=None, help="data folder (default: $GAN_ZOO_DATA or the user cache)"
    )
    p.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where records, runs, tables go")
    p.add_argument("--executor", default="local", help="|".join(EXECUTORS))
    p.add_argument(
        "--ray-address",
        default=None,
        help="address of an existing Ray cluster (default: start one)",
    )
    p.add_argument("--ray-cpus", type=float, default=1.0, help="CPUs per Ray task")
    p.add_argument("--ray-gpus", type=float, default=0.0, help="GPUs per Ray task")
    p.add_argument(
        "--jobs", type=int, default=1, help="runs in parallel on this machine (local executor)"
    )
    p.add_argument(
        "--fuse",
        type=int,
        default=1,
        help="train up to K runs of one model (its seeds) as one batched computation; "
        "each still has its own record (local executor)",
    )
    p.add_argument(
        "--num-samples",
        type=int,
        default=None,
        help="generated samples per evaluation (default: the budget's; 10,000, 2,000 at smoke)",
    )
    p.add_argument(
        "--curve",
        default=None,
        metavar="off|cheap|full",
        help="the learning-curve probe: full (about ten points), cheap (a few points, a small "
        "bank) or off (default: the budget's; cheap at smoke, full elsewhere)",
    )
    add_inception_arguments(p, "also compute Inception-FID/KID/IS (torch-fidelity)")
    p.add_argument(
        "--eval-threads",
        type=int,
        default=None,
        metavar="N",
        help="CPU threads of each run's evaluation (default: the training's); training keeps its "
        "own count, so a record trained at 1 thread reproduces while Inception uses every core",
    )
    p.add_argument("--force", action="store_true", help="rerun even runs that are complete")
    p.add_argument(
        "--list", action="store_true", help="list models, datasets, budgets and metrics, then exit"
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print each run (its id, what the runner would do with it, an estimated cost from "
        "the records) and exit; writes nothing",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument(
        "--log",
        default=None,
        metavar="tensorboard,wandb",
        help="live logs of each run under its run id (optional extras; W&B offline without "
        "network): losses, curve metrics and sample grids",
    )
    return p


def dataset_help() -> str:
    """The registered datasets, and the two ways to name the user's own data."""
    from gan_zoo.data import available

    return " | ".join([*available(), "folder:PATH", "npz:PATH"])


def check_writable(folder: Path, option: str) -> None:
    """Write a probe file where ``folder`` is (or would be made), or fail before any work.

    A real write, not permission bits (root passes every ``os.access`` test, and a read-only
    mount or /proc answers only when written to); a folder not made yet is probed in its
    nearest existing parent and not created here.
    """
    probe = Path(folder)
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(f"{option} {folder}: {probe} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=probe, prefix=".gan-zoo-probe-") as handle:
            handle.write(b"\0" * PROBE_BYTES)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise ConfigError(
            f"{option} {folder}: cannot write in {probe} ({exc.strerror or exc}); "
            "choose a writable folder"
        ) from None


def check_out_writable(out: Path) -> None:
    """``--out`` takes a probe file (the commands that write only there use this)."""
    check_writable(out, "--out")


#: the probe file's size: a full disk still creates empty files, but not this
PROBE_BYTES = 1 << 16


def check_folders(out: Path) -> None:
    """The records, run and cache folders all take a probe file before the first run."""
    from benchmarks.runner.execute import runs_root
    from gan_zoo.paths import CACHE_ENV, cache_root

    check_writable(out, "--out")
    runs = runs_root(out)
    if os.environ.get("GAN_ZOO_RUNS"):
        check_writable(runs, "GAN_ZOO_RUNS")
    check_writable(cache_root(), CACHE_ENV if os.environ.get(CACHE_ENV) else "the cache folder")


def check_specs_on_device(specs: list[RunSpec]) -> None:
    """Every run's options must be runnable on the device this process will use (each run as
    the plan resolved it there)."""
    import torch

    from gan_zoo.train.speed import check_combination

    for spec in specs:
        config = spec.config()
        check_combination(config.hparams, torch.device(config.device))


def print_listing() -> None:
    from gan_zoo.data import available as datasets
    from gan_zoo.data.registry import resolve
    from gan_zoo.metrics.registry import FEATURE_SPACES, UNTRAINED_CLOSE_NOTE, metrics
    from gan_zoo.models import available, describe

    print("models:")
    for name in available():
        print(f"  {name:16s} {describe(name)}")
    print("datasets (or folder:PATH, npz:PATH for your own images):")
    for name in datasets():
        print(f"  {name:16s} {resolve(name).description}")
    print("budgets:")
    for b in BUDGETS.values():
        print(f"  {b.name:16s} {b.steps} steps; {b.description}")
    print("metrics (record key, shown as, better, description; [where it applies]):")
    arrows = {"higher": "up", "lower": "down", "none": ""}
    for metric in metrics():
        data = [f"datasets with a {need}" for need in metric.data_needs]
        where = ", ".join([*(metric.datasets or data or ("all datasets",)), *metric.needs])
        for key in metric.keys:
            close = f" [untrained ~ trained: {key.untrained_close}]" if key.untrained_close else ""
            print(
                f"  {key.name:26s} {key.display_name():26s} {arrows[key.direction]:4s} "
                f"{key.description} [{where}]{close}"
            )
    print("names:")
    for _, note in FEATURE_SPACES.values():
        if note:
            print(f"  {note}")
    print(f"untrained ~ trained: {UNTRAINED_CLOSE_NOTE}")  # each flagged key says why above


def main(argv: list[str] | None = None) -> int:
    """Plan, check and run; Ctrl-C or SIGTERM at any stage ends with 130 or 143."""
    try:
        with sigterm_raises():
            return _main(argv)
    except KeyboardInterrupt as exc:  # while planning (the runs handle their own)
        print("interrupted before any run started; run the same command again", file=sys.stderr)
        return exit_code(exc)


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.list:
            print_listing()
            return 0
        if args.jobs < 1:
            raise ConfigError("--jobs must be at least 1")
        if args.executor not in EXECUTORS:
            raise ConfigError(
                f"unknown --executor {args.executor!r}; choose one of: {', '.join(EXECUTORS)}"
            )
        args.log = parse_log(args.log)
        for reason in left_out(args.models, args.dataset):
            print(f"note: left out of --models all: {reason}", file=sys.stderr)
        specs = plan_runs(
            parse_models(args.models, args.dataset),
            args.dataset,
            parse_seeds(args.seeds),
            args.budget,
            parse_overrides(args.overrides),
            # each run resolved once, here, on this machine's device; a Ray worker picks its own
            args.device if args.executor == "local" else None,
        )
        if args.fuse > 1 and args.executor == "ray":
            raise ConfigError("--fuse works with the local executor (and --jobs), not Ray")
        check_fuse(specs, args.fuse)
        from benchmarks.runner.run_options import apply_budget_defaults, say_plan_notes
        from benchmarks.runner.sample_count import fit_num_samples  # before any run, --dry-run too

        apply_budget_defaults(args)

        args.num_samples, fitted = fit_num_samples(
            args.num_samples, specs[0].dataset, args.inception
        )
        if fitted:
            print(f"note: {fitted}", file=sys.stderr)
        evaluation = eval_options(args)  # the one EvalOptions of the plan
        if args.dry_run:
            print_dry_run(specs, args, evaluation)
            return 0
        note = quality_note(specs[0].dataset, args.inception)
        if note:
            print(f"note: {note}", file=sys.stderr)
        if args.executor == "local":  # option combinations this device cannot run, up front
            check_specs_on_device(specs)
            say_plan_notes(specs)
        check_folders(args.out)
        check_data_root(args.data_root)
        if args.executor == "local":  # every data file of the plan, before any run starts
            from benchmarks.runner.execute import SERVICES

            SERVICES.verify(args.dataset, args.data_root)
    except GanZooError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return execute(specs, args, evaluation)


def runs_folder(out: Path) -> str:
    """Where the plan's run folders are, and ``(GAN_ZOO_RUNS)`` where that variable says so."""
    from benchmarks.runner.execute import runs_root

    where = str(runs_root(out))
    return f"{where} (GAN_ZOO_RUNS)" if os.environ.get("GAN_ZOO_RUNS") else where


def print_dry_run(specs: list[RunSpec], args: argparse.Namespace, evaluation: EvalOptions) -> None:
    """One line per run on stdout (its id first, then the overrides its hash stands for, what
    the runner would do with it now and its estimated cost), and the plan's total on stderr.
    Reads the records and run folders only: nothing is written, locked or moved."""

    from benchmarks.runner.preview import (
        estimate,
        run_state,
        seconds_text,
        tally,
        timing_records,
    )

    device_kind = specs[0].config().device_type  # the device the plan resolved its runs on
    timed = timing_records(args.out)
    names = [
        spec.run_id + (f" [{spec.overrides_label}]" if spec.overrides else "") for spec in specs
    ]
    width = max(map(len, names))
    states = []
    total, unknown = 0.0, 0
    for spec, name in zip(specs, names, strict=True):
        state = run_state(spec, args.out, args.force, evaluation)
        states.append(state)
        line = state.describe()
        if state.to_do:
            guess = estimate(spec, timed, device_kind)
            if guess is None:
                unknown += 1
                line += (
                    f"; no estimate (no complete record of {spec.model} on {spec.dataset_name} "
                    f"at {spec.budget})"
                )
            else:
                cost = guess.cost(state)
                total += cost
                line += f"; est. {seconds_text(cost)} ({guess.source()})"
        print(f"{name:{width}s}  {line}")
    to_do = sum(state.to_do for state in states)
    if not to_do:
        cost = "nothing to do"
    elif unknown == to_do:
        cost = "no estimate"
    else:
        cost = f"estimated {seconds_text(total)} one run after another"
        if unknown:
            cost += f" for {to_do - unknown} of the {to_do} to do ({unknown} with no estimate)"
    print(
        f"dry run: {len(specs)} runs ({tally(states)}); {cost}; records in "
        f"{args.out / 'records'}, run folders in {runs_folder(args.out)}; nothing was written",
        file=sys.stderr,
    )


def execute(specs: list[RunSpec], args: argparse.Namespace, evaluation: EvalOptions) -> int:
    from benchmarks.runner.executors import run_local, run_pool, run_ray
    from benchmarks.runner.run_options import start_lines
    from benchmarks.runner.summary import summary_table

    common = dict(
        device=None if args.device == "auto" else args.device,
        force=args.force,
        progress=not args.no_progress,
        evaluation=evaluation,  # with the data folder the runs train on
        log=args.log,
        curve=args.curve,
        on_start=start_lines(specs),
    )
    t0 = time.perf_counter()
    if args.executor == "ray":
        stream = run_ray(specs, args.out, args.ray_address, args.ray_cpus, args.ray_gpus, **common)
    elif args.jobs > 1:
        stream = run_pool(specs, args.out, args.jobs, fuse=args.fuse, **common)
    else:
        stream = run_local(specs, args.out, fuse=args.fuse, **common)
    records = []
    try:
        with sigterm_raises():
            for i, record in enumerate(stream, 1):
                records.append(record)
                print(f"[{i}/{len(specs)}] {record['run_id']}: {describe(record)}", flush=True)
                if record.get("status") == "interrupted":
                    stream.close()  # stop the other runs too; their checkpoints are saved
                    print(
                        "interrupted: checkpoints are saved; run the same command again to resume",
                        file=sys.stderr,
                    )
                    return exit_code(signum=record.get("signal") or signal.SIGINT)
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM outside training (Terminated)
        print(
            "interrupted: checkpoints are saved; run the same command again to resume",
            file=sys.stderr,
        )
        return exit_code(exc)
    except GanZooError as exc:
        return refused(exc)
    print()
    print(summary_table(records, args.out))
    note = quality_note(specs[0].dataset, args.inception) if specs else None
    if note:
        print(f"note: {note}")
    print(
        f"\n{len(records)} runs in {time.perf_counter() - t0:.0f} s; records in "
        f"{args.out / 'records'}, run folders in {runs_folder(args.out)}"
    )
    held = [r for r in records if r.get("status") == "locked"]
    if held:
        print(
            f"{len(held)} run(s) left to the process that holds them: "
            + ", ".join(r["run_id"] for r in held),
            file=sys.stderr,
        )
    failed = [r for r in records if r.get("status") not in ("complete", "locked")]
    if failed:
        print(
            f"{len(failed)} run(s) did not complete: " + ", ".join(r["run_id"] for r in failed),
            file=sys.stderr,
        )
        return 1
    return HELD if held else 0


def describe(record: dict) -> str:
    """How one finished item of the plan reads in the progress lines."""
    if record.get("status") == "locked":
        return f"skipped ({record['error']})"
    if record.get("skipped"):
        return "skipped (complete)"
    extra = f": {record['error']}" if record.get("error") else ""
    if record.get("resumed_from_step"):
        extra += f" (resumed from step {record['resumed_from_step']})"
    return f"{record.get('status')}{extra}"


if __name__ == "__main__":
    sys.exit(main())
