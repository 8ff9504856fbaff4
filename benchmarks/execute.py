"""Execute one run: train (resuming), evaluate, save artefacts, and return its record.

Used by every executor (in-process, a process pool, Ray tasks), so a run means the same thing
wherever it executes. Failures become records with a status and an error; they never escape.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch

from benchmarks.availability import quality_note
from benchmarks.environment import device_description, git_commit, versions
from benchmarks.kept_result import ForcedRerun
from benchmarks.plan import RunSpec
from benchmarks.records import read_record, record_path, write_record
from benchmarks.run_lock import RunLock
from gan_zoo.data import DataSplits, load_dataset
from gan_zoo.data.dataset import ImageDataset
from gan_zoo.errors import GanZooError
from gan_zoo.io import WriteError, atomic_write_json
from gan_zoo.metrics.registry import floors
from gan_zoo.progress import set_progress
from gan_zoo.run_config import RunConfig
from gan_zoo.train import train_run
from gan_zoo.train.callbacks import Clock, StepCallback
from gan_zoo.train.stop_signals import exit_code

logger = logging.getLogger(__name__)
DONE = ("complete",)


def runs_root(out: Path) -> Path:
    """Where per-run artefacts (checkpoints, samples) go: ``$GAN_ZOO_RUNS`` or ``<out>/runs``.

    Pointing GAN_ZOO_RUNS outside a checkout lets interrupted runs resume in a fresh clone.
    """
    env = os.environ.get("GAN_ZOO_RUNS")
    return Path(env).expanduser() if env else Path(out) / "runs"


@lru_cache(maxsize=2)
def cached_dataset(name: str, data_root: str | None) -> ImageDataset:
    """Each dataset is loaded once per process, however many runs use it."""
    return load_dataset(name, "train", root=data_root)


def verify_plan_data(name: str, data_root: str | None) -> None:
    """Load every split of the plan's dataset once (each file checked against its official
    MD5), so damaged or missing data is found before the first run, not at its evaluation."""
    from gan_zoo.data import splits

    cached_dataset(name, data_root)
    for split in splits(name):
        if split != "train":
            load_dataset(name, split, root=data_root)


def evaluate_model(
    model: Any, dataset: ImageDataset, run_dir: Path, **options: Any
) -> tuple[dict[str, float], dict[str, Any]]:
    """The whole evaluation (``gan_zoo.metrics.suite.evaluate``); imported when first needed,
    so a runner that only trains or skips never loads torch-fidelity."""
    from gan_zoo.metrics.suite import evaluate

    return evaluate(model, dataset, run_dir, **options)


@dataclass(frozen=True)
class RunServices:
    """What a run calls out to: its dataset, the evaluation, the trainer's step callbacks and
    the clock that times training and evaluation.

    The runner uses :data:`SERVICES`; replacing it is how another front end (or a test, with
    synthetic data and a stand-in evaluation) changes what a run uses, in one named place.
    """

    dataset: Callable[[str, str | None], ImageDataset] = cached_dataset
    #: every data file of the plan, checked before its first run
    verify: Callable[[str, str | None], None] = verify_plan_data
    evaluate: Callable[..., tuple[dict[str, float], dict[str, Any]]] = evaluate_model
    callbacks: tuple[StepCallback, ...] = ()
    clock: Clock = time.perf_counter


SERVICES = RunServices()


def execute_run(
    spec: RunSpec,
    out: Path,
    data_root: str | None = None,
    device: str | None = None,
    force: bool = False,
    progress: bool = True,
    write: bool = True,
    num_samples: int = 10_000,
    inception: bool = False,
    inception_weights: str | None = None,
    log: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Run ``spec`` unless its record says it is complete; return the record.

    ``log`` names live-log backends (``benchmarks.live_log``) that follow the training.

    The run is owned by this process while it trains and evaluates (a lock beside its folder):
    a run another process holds is skipped with a record of status ``locked`` that is never
    written, and the other process finishes it.
    """
    out = Path(out)
    set_progress(progress)
    if not force and (done := complete_record(out, spec.run_id)) is not None:
        return done
    run_dir = runs_root(out) / spec.run_id
    options = evaluation_options(num_samples, inception, inception_weights)
    with RunLock(run_dir.parent / f"{spec.run_id}.lock") as lock:
        if not lock.acquired:
            return locked_record(spec, lock)
        if not force and (done := complete_record(out, spec.run_id)) is not None:
            return done  # finished by the process that held it while this one planned
        rerun = ForcedRerun(out, run_dir, spec.run_id) if force else None
        if rerun is not None:
            rerun.start()
        record = None
        try:
            record = None if force else kept_evaluation(run_dir, options)
            if record is None:
                record = _train_and_evaluate(
                    spec,
                    out,
                    run_dir,
                    data_root,
                    device,
                    progress,
                    num_samples,
                    inception,
                    inception_weights,
                    log,
                )
        finally:
            writable = rerun is None or rerun.finish(record)
        _settle(out, run_dir, record, writable, write)
    return record


def _settle(out: Path, run_dir: Path, record: dict[str, Any], writable: bool, write: bool) -> None:
    """Write a run's record, unless a forced rerun that did not complete must leave the
    previous complete one in place: then the record says so and is never written."""
    if not writable:
        record["error"] = (
            f"{record.get('error') or record['status']}; the previous complete record "
            f"{record_path(out, record['run_id'])} is kept"
        )
        record["unwritten"] = True  # no executor writes it over the complete one
    elif write:
        write_record(out, record)
        (run_dir / PENDING).unlink(missing_ok=True)


#: a finished evaluation's record, kept in the run folder until the record itself is written
PENDING = "result.json"


def evaluation_options(
    num_samples: int, inception: bool, inception_weights: str | None
) -> dict[str, Any]:
    """What an evaluation depends on besides the run: a kept one is reused only if they match."""
    return {
        "num_samples": num_samples,
        "inception": inception,
        "inception_weights": inception_weights,
    }


def keep_evaluation(run_dir: Path, record: dict[str, Any], options: dict[str, Any]) -> None:
    """Write a finished evaluation's record into the run folder, before anything else."""
    atomic_write_json(run_dir / PENDING, {**record, "evaluation_options": options})


def kept_evaluation(run_dir: Path, options: dict[str, Any]) -> dict[str, Any] | None:
    """The record of an evaluation that finished but was never written to ``records/`` (a full
    disk, a signal while writing), if it was made with ``options``; the rerun only writes it."""
    path = run_dir / PENDING
    if not path.is_file():
        return None
    try:
        kept = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        logger.warning("kept evaluation %s is unreadable (%s); evaluating again", path, exc)
        return None
    if kept.pop("evaluation_options", None) != options or kept.get("status") != "complete":
        return None
    logger.warning("%s: writing the record of the evaluation kept in %s", kept.get("run_id"), path)
    return kept


def locked_record(spec: RunSpec, lock: RunLock) -> dict[str, Any]:
    return {
        "run_id": spec.run_id,
        **spec.as_dict(),
        "status": "locked",
        "error": f"being run by {lock.describe_owner()}",
        "skipped": True,  # never written, by this process or by Ray's driver
    }


def execute_group(
    specs: list[RunSpec],
    out: Path,
    data_root: str | None = None,
    device: str | None = None,
    force: bool = False,
    progress: bool = True,
    write: bool = True,
    num_samples: int = 10_000,
    inception: bool = False,
    inception_weights: str | None = None,
    log: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Runs of one family, dataset, budget and overrides trained as one batched computation
    (``--fuse``; ``gan_zoo.train.fused``), each skipped, locked, evaluated and recorded exactly
    as ``execute_run`` would alone. One run goes through ``execute_run`` itself."""
    options = dict(num_samples=num_samples, inception=inception)
    options["inception_weights"] = inception_weights
    if len(specs) == 1:
        single = dict(options, log=log)
        return [execute_run(specs[0], out, data_root, device, force, progress, write, **single)]
    options["log"] = log
    out = Path(out)
    set_progress(progress)
    records: dict[str, dict[str, Any]] = {}
    todo: list[tuple[RunSpec, Path]] = []
    with contextlib.ExitStack() as held:
        for spec in specs:
            if not force and (done := complete_record(out, spec.run_id)) is not None:
                records[spec.run_id] = done
                continue
            run_dir = runs_root(out) / spec.run_id
            lock = held.enter_context(RunLock(run_dir.parent / f"{spec.run_id}.lock"))
            if not lock.acquired:
                records[spec.run_id] = locked_record(spec, lock)
            elif not force and (done := complete_record(out, spec.run_id)) is not None:
                records[spec.run_id] = done
            else:
                todo.append((spec, run_dir))
        if todo:
            reruns = [ForcedRerun(out, d, spec.run_id) if force else None for spec, d in todo]
            for rerun in filter(None, reruns):
                rerun.start()
            trained: dict[str, dict[str, Any]] = {}
            try:
                trained = _train_fused(todo, out, data_root, device, progress, options)
            finally:
                writable = [
                    rerun is None or rerun.finish(trained.get(spec.run_id))
                    for (spec, _), rerun in zip(todo, reruns, strict=True)
                ]
            records.update(trained)
            for (spec, run_dir), may_write in zip(todo, writable, strict=True):
                _settle(out, run_dir, records[spec.run_id], may_write, write)
    return [records[spec.run_id] for spec in specs]


def _train_fused(
    todo: list[tuple[RunSpec, Path]],
    out: Path,
    data_root: str | None,
    device: str | None,
    progress: bool,
    options: dict[str, Any],
) -> dict[str, dict[str, Any]]:
    from gan_zoo.train.run import train_fused

    first = todo[0][0]
    configs = [spec.config(device) for spec, _ in todo]  # resolved once: build, train, record
    config = configs[0]
    records = {
        spec.run_id: {**base_record(spec, own), "fused": len(todo)}
        for (spec, _), own in zip(todo, configs, strict=True)
    }
    lives = []
    if options["log"]:  # imported only when asked for: without --log nothing of it loads
        from benchmarks.live_log import LiveLog

        lives = [
            LiveLog(options["log"], s.run_id, d, config.budget.steps, records[s.run_id]["hparams"])
            for s, d in todo
        ]

    def failed(record: dict[str, Any], exc: Exception) -> None:
        if isinstance(exc, GanZooError):
            record.update(status="failed", error=str(exc))
        else:  # a bug or a crash must not stop the suite
            logger.exception("run %s failed", record["run_id"])
            error = f"{type(exc).__name__}: {exc}"
            record.update(status="failed", error=error, traceback=traceback.format_exc())

    try:
        dataset = SERVICES.dataset(first.dataset, data_root)
        probes = [run_probe(config, data_root, options["num_samples"], dataset) for _ in todo]
        trained = train_fused(
            configs,
            dataset,
            [run_dir for _, run_dir in todo],
            progress,
            probes=probes,
            callbacks=[(*SERVICES.callbacks, live) for live in lives]
            or [SERVICES.callbacks] * len(todo),
            clock=SERVICES.clock,
        )
        for live in lives:
            live.close()  # the evaluation is not part of the live log
        for (spec, run_dir), (model, result), probe in zip(todo, trained, probes, strict=True):
            record = records[spec.run_id]
            try:
                finish_record(
                    record, spec, out, run_dir, model, result, probe, dataset, data_root,
                    options["num_samples"], options["inception"], options["inception_weights"],
                )  # fmt: skip
            except WriteError:
                raise
            except Exception as exc:
                failed(record, exc)
    except WriteError:
        raise  # the disk or folder refused a file: the plan stops, nothing is recorded as failed
    except Exception as exc:
        for record in records.values():
            if "status" not in record:
                failed(record, exc)
    finally:
        for live in lives:
            live.close()  # flushes what an interrupted or failed run logged
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    return records


def complete_record(out: Path, run_id: str) -> dict[str, Any] | None:
    """The run's record if it is complete (marked ``skipped``), else None."""
    existing = read_record(out, run_id)
    if existing is not None and existing.get("status") in DONE:
        existing["skipped"] = True
        return existing
    return None


def _train_and_evaluate(
    spec: RunSpec,
    out: Path,
    run_dir: Path,
    data_root: str | None,
    device: str | None,
    progress: bool,
    num_samples: int,
    inception: bool,
    inception_weights: str | None,
    log: tuple[str, ...] = (),
) -> dict[str, Any]:
    config = spec.config(device)  # the one resolution the build, the trainer and the record read
    record = base_record(spec, config)
    note = quality_note(spec.dataset, inception)
    if note:  # a dataset without a judge: what its tables can and cannot show
        record["quality_note"] = note
    services = SERVICES
    live = None
    if log:  # imported only when asked for: without --log nothing of it loads
        from benchmarks.live_log import LiveLog

        live = LiveLog(log, spec.run_id, run_dir, config.budget.steps, config.hparams)
    try:
        dataset = services.dataset(spec.dataset, data_root)
        if "split" in dataset.extra:  # the user's data: how its held-out split was made
            record["data_split"] = dataset.extra["split"]
        probe = run_probe(config, data_root, num_samples, dataset)
        model, result = train_run(
            config,
            dataset,
            run_dir,
            progress,
            probe=probe,
            callbacks=services.callbacks if live is None else (*services.callbacks, live),
            clock=services.clock,
        )
        if live is not None:
            live.close()  # the evaluation is not part of the live log
        finish_record(
            record, spec, out, run_dir, model, result, probe, dataset, data_root, num_samples,
            inception, inception_weights,
        )  # fmt: skip
    except WriteError:
        raise  # the disk or folder refused a file: the plan stops, nothing is recorded as failed
    except GanZooError as exc:
        record.update(status="failed", error=str(exc))
    except Exception as exc:  # a bug or a crash in one run must not stop the suite
        logger.exception("run %s failed", spec.run_id)
        record.update(
            status="failed", error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc()
        )
    finally:
        if live is not None:
            live.close()  # flushes what an interrupted or failed run logged
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    return record


def base_record(spec: RunSpec, config: RunConfig) -> dict[str, Any]:
    """What a record says before its run trains: the run, its resolved config, where it runs."""
    return {
        "run_id": spec.run_id,
        **spec.as_dict(),
        "hparams": config.hparams,
        "budget_steps": config.budget.steps,
        "versions": versions(),
        "commit": git_commit(),
        **device_description(torch.device(config.device)),
        "metrics": {},
    }


def run_probe(config: RunConfig, data_root: str | None, num_samples: int, dataset: ImageDataset):
    """The run's learning-curve probe (None where its dataset has none)."""
    from gan_zoo.metrics.curves import curve_probe

    # a plumbing run with a small evaluation bank gets curves no larger than it
    return curve_probe(
        config.dataset,
        config.budget.steps,
        data_root,
        num_samples=num_samples,
        dataset=dataset,
    )


def finish_record(
    record: dict[str, Any],
    spec: RunSpec,
    out: Path,
    run_dir: Path,
    model: Any,
    result: Any,
    probe: Any,
    dataset: ImageDataset,
    data_root: str | None,
    num_samples: int,
    inception: bool,
    inception_weights: str | None,
) -> None:
    """The training result into ``record``, then (for a complete run) its evaluation."""
    record.update(
        status=result.status,
        steps=result.step,
        train_seconds=round(result.seconds, 2),
        images_per_second=round(result.images_per_second, 1),
        error=result.error,
        history=result.history,
        shown_logs=list(result.shown),
    )
    if result.signal is not None:
        record["signal"] = int(result.signal)
    if result.resumed_from:
        record["resumed_from_step"] = result.resumed_from
    if probe is not None:
        record.update(
            curve=result.curve,
            curve_seconds=round(result.curve_seconds, 2),
            curve_protocol=probe.protocol(model),
        )
    if result.status == "complete":
        services = SERVICES
        t0 = services.clock()
        data = DataSplits(spec.dataset, data_root, train=dataset)  # each split loaded once
        try:
            record["metrics"], record["details"] = services.evaluate(
                model,
                dataset,
                run_dir,
                seed=spec.seed,
                root=data_root,
                num_samples=num_samples,
                inception=inception,
                inception_weights=inception_weights,
                data=data,
            )
        except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM as Terminated
            record.update(
                status="interrupted",
                error="interrupted during the evaluation; the rerun evaluates again",
                signal=exit_code(stop) - 128,
            )
            return
        record["eval_seconds"] = round(services.clock() - t0, 2)
        options = evaluation_options(num_samples, inception, inception_weights)
        keep_evaluation(run_dir, record, options)  # before anything that can still fail
        # what real data scores on this dataset at this sample count (cached per judge)
        if reference := floors(dataset.name, data_root, num_samples):
            record["floors"] = reference
        prev = read_record(out, spec.run_id)
        # a checkpoint written before the training time was stored says 0 s: keep the time
        # the earlier record measured (a real run is never timed at exactly 0 s)
        if prev is not None and prev.get("train_seconds") and result.seconds == 0.0:
            record["train_seconds"] = prev["train_seconds"]
        keep_evaluation(run_dir, record, options)
