"""Execute one run: train (resuming), evaluate, save artefacts, and return its record.

Used by every executor (in-process, a process pool, Ray tasks), so a run means the same thing
wherever it executes. Failures become records with a status and an error; they never escape.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch

from benchmarks.environment import device_description, git_commit, versions
from benchmarks.records import read_record, record_path, write_record
from benchmarks.runner.availability import quality_note
from benchmarks.runner.eval_options import EvalOptions
from benchmarks.runner.kept_result import ForcedRerun
from benchmarks.runner.plan import RunSpec
from benchmarks.runner.run_lock import RunLock
from gan_zoo.data import DataSplits, load_dataset
from gan_zoo.data.dataset import ImageDataset
from gan_zoo.devices import torch_threads
from gan_zoo.digest_cache import file_sha256
from gan_zoo.errors import GanZooError
from gan_zoo.io import WriteError, atomic_write_json
from gan_zoo.metrics.context import EvalContext
from gan_zoo.metrics.registry import floors
from gan_zoo.progress import set_progress, stage, timed_stage
from gan_zoo.run_config import RunConfig
from gan_zoo.train import train_run
from gan_zoo.train.callbacks import Clock, StepCallback
from gan_zoo.train.checkpoints import CheckpointFiles
from gan_zoo.train.run import train_fused
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
    """What a run calls out to: its dataset, its training (alone or fused), the evaluation, the
    trainer's step callbacks and the clock that times training and evaluation.

    The runner uses :data:`SERVICES`; replacing it is how another front end (or a test, with
    synthetic data and a stand-in evaluation) changes what a run uses, in one named place.
    """

    dataset: Callable[[str, str | None], ImageDataset] = cached_dataset
    #: every data file of the plan, checked before its first run
    verify: Callable[[str, str | None], None] = verify_plan_data
    evaluate: Callable[..., tuple[dict[str, float], dict[str, Any]]] = evaluate_model
    #: the training step of a run alone, and of K runs fused (``gan_zoo.train``)
    train: Callable[..., tuple[Any, Any]] = train_run
    train_fused: Callable[..., list[tuple[Any, Any]]] = train_fused
    callbacks: tuple[StepCallback, ...] = ()
    clock: Clock = time.perf_counter


SERVICES = RunServices()


@dataclass(frozen=True)
class RunSettings:
    """Everything a plan's runs share besides their specs: where, on what, and how."""

    out: Path
    device: str | None = None
    force: bool = False
    progress: bool = True
    #: False on a Ray worker: the driver writes the records it gets back
    write: bool = True
    evaluation: EvalOptions = field(default_factory=EvalOptions)
    log: tuple[str, ...] = ()
    #: the learning curve: off | cheap | full (``metrics.curves.CURVE_SETTINGS``)
    curve: str = "full"
    #: called with (run id, what starts) as a run starts to work; picklable for --jobs
    on_start: Callable[[str, str], None] | None = None

    @property
    def data_root(self) -> str | None:
        """The data folder, the evaluation's (``EvalOptions.data_root``): training reads the
        same."""
        return self.evaluation.data_root


@dataclass
class Claimed:
    """A run this process holds the lock of and will train: its spec, folder, resolved config
    (the one resolution the build, the trainer and the record read) and forced rerun."""

    spec: RunSpec
    run_dir: Path
    config: RunConfig
    rerun: ForcedRerun | None


def execute_run(spec: RunSpec, out: Path, **settings: Any) -> dict[str, Any]:
    """Run ``spec`` unless its record says it is complete; return the record (see
    :func:`execute_group`, of which this is the group of one)."""
    return execute_group([spec], out, **settings)[0]


def execute_group(
    specs: list[RunSpec],
    out: Path,
    evaluation: EvalOptions | None = None,
    **settings: Any,
) -> list[dict[str, Any]]:
    """The one lifecycle of a run, whatever trains it: plan -> lock -> (skip | reuse a kept
    evaluation | set a forced run's result aside) -> train -> evaluate -> keep -> record ->
    settle. One spec trains alone (``train_run``); several of one family, dataset, budget and
    overrides train as one batched computation (``--fuse``; ``gan_zoo.train.fused``), each
    still skipped, locked, evaluated and recorded on its own.

    Each run is owned by this process while it trains and evaluates (a lock beside its folder):
    a run another process holds is skipped with a record of status ``locked`` that is never
    written, and the other process finishes it. ``settings``: the fields of
    :class:`RunSettings` (``log`` names live-log backends, ``benchmarks.runner.live_log``).
    """
    run = RunSettings(Path(out), evaluation=evaluation or EvalOptions(), **settings)
    set_progress(run.progress)
    records: dict[str, dict[str, Any]] = {}
    with contextlib.ExitStack() as held:
        todo = [c for spec in specs if (c := _claim(spec, run, held, records)) is not None]
        for claimed in todo if run.on_start is not None else ():
            run.on_start(claimed.spec.run_id, "training")
        if todo:
            trained: dict[str, dict[str, Any]] = {}
            try:
                trained = (_train_alone if len(specs) == 1 else _train_fused)(todo, run)
            finally:
                writable = [
                    c.rerun is None or c.rerun.finish(trained.get(c.spec.run_id)) for c in todo
                ]
            records.update(trained)
            for claimed, may_write in zip(todo, writable, strict=True):
                _settle(run, claimed.run_dir, records[claimed.spec.run_id], may_write)
                if may_write and claimed.rerun is not None:
                    claimed.rerun.discard(records[claimed.spec.run_id])  # the old result goes
    return [records[spec.run_id] for spec in specs]


def _claim(
    spec: RunSpec,
    run: RunSettings,
    held: contextlib.ExitStack,
    records: dict[str, dict[str, Any]],
) -> Claimed | None:
    """Lock ``spec``'s run and decide its fate: a finished record goes into ``records`` (a
    complete record skipped, a run another process holds, a kept evaluation written now), and
    a run to train comes back claimed."""
    run_dir = runs_root(run.out) / spec.run_id
    unsettled = ForcedRerun.unsettled(run_dir)
    if not run.force and not unsettled and (done := complete_record(run.out, spec.run_id)):
        return _done(records, spec, done)
    lock = held.enter_context(RunLock(run_dir.parent / f"{spec.run_id}.lock"))
    if not lock.acquired:
        return _done(records, spec, locked_record(spec, lock))
    # a forced rerun that died is undone, unless this is --force again (it may resume it)
    ForcedRerun.recover(run.out, run_dir, spec.run_id, resume=run.force)
    if not run.force and (done := complete_record(run.out, spec.run_id)) is not None:
        return _done(records, spec, done)  # finished by the process that held it meanwhile
    # the plan's resolution where it made one (``plan_runs`` on this process's device); a spec
    # planned without one (a Ray task: its worker chooses the device) is resolved here
    config = spec.config(run.device)
    if not run.force and (kept := kept_evaluation(run_dir, run.evaluation, config)) is not None:
        _settle(run, run_dir, kept, True)
        return _done(records, spec, kept)
    rerun = None
    if run.force:
        identity = f"{config_digest(config)} on {config.device}"
        rerun = ForcedRerun(run.out, run_dir, spec.run_id, identity)
        rerun.start()
    return Claimed(spec, run_dir, config, rerun)


def _done(records: dict[str, dict[str, Any]], spec: RunSpec, record: dict[str, Any]) -> None:
    records[spec.run_id] = record


def _settle(run: RunSettings, run_dir: Path, record: dict[str, Any], writable: bool) -> None:
    """Write a run's record, unless a forced rerun that did not complete must leave the
    previous complete one in place: then the record says so and is never written."""
    if not writable:
        record["error"] = (
            f"{record.get('error') or record['status']}; the previous complete record "
            f"{record_path(run.out, record['run_id'])} is kept"
        )
        record["unwritten"] = True  # no executor writes it over the complete one
    elif run.write:
        write_record(run.out, record)
        (run_dir / PENDING).unlink(missing_ok=True)


#: a finished evaluation's record, kept in the run folder until the record itself is written
PENDING = "result.json"


def config_digest(config: RunConfig) -> str:
    """A run's identity for its kept evaluation: what it trained, with which settings."""
    what = {
        "model": config.model,
        "dataset": config.dataset,
        "seed": config.seed,
        "budget_steps": config.budget.steps,
        "hparams": config.hparams,
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()


def keep_evaluation(run_dir: Path, record: dict[str, Any], options: EvalOptions) -> None:
    """Write a finished evaluation's record into the run folder, before anything else."""
    atomic_write_json(run_dir / PENDING, {**record, "evaluation_options": options.kept_key()})


def kept_evaluation(
    run_dir: Path, options: EvalOptions, config: RunConfig
) -> dict[str, Any] | None:
    """The record of an evaluation that finished but was never written to ``records/`` (a full
    disk, a signal while writing), if it was made with ``options`` (``EvalOptions.kept_key``:
    the sample count, Inception and its weights' digest, the draw), for this run's config and
    of the checkpoint now in the folder; the rerun only writes it. A ``result.json`` that does
    not prove all three (copied in, hand-made, or left beside another checkpoint) is ignored."""
    path = run_dir / PENDING
    if not path.is_file():
        return None
    try:
        kept = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        logger.warning("kept evaluation %s is unreadable (%s); evaluating again", path, exc)
        return None
    if kept.get("status") != "complete":
        return None
    made = kept.pop("evaluation_options", None)
    # Inception on or off is compared first: the weights' digest is read only where both use it
    if (
        not isinstance(made, dict)
        or made.get("inception") != options.inception
        or (made != options.kept_key())
    ):
        logger.warning(
            "%s was made with other evaluation options (sample count, Inception weights or "
            "draw) than this run's; evaluating again",
            path,
        )
        return None
    checkpoint = CheckpointFiles(run_dir).current
    proven = (
        kept.get("config_digest") == config_digest(config)
        and checkpoint.is_file()
        and kept.get("checkpoint_digest") == file_sha256(checkpoint)
    )
    if not proven:
        logger.warning(
            "%s names another config or checkpoint than the run's (or none); not recorded", path
        )
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


def _failed(record: dict[str, Any], exc: Exception) -> None:
    """A run's failure into its record: a known error in one line, a bug with its traceback."""
    if isinstance(exc, GanZooError):
        record.update(status="failed", error=str(exc))
    else:  # a bug or a crash must not stop the suite
        logger.exception("run %s failed", record["run_id"])
        error = f"{type(exc).__name__}: {exc}"
        record.update(status="failed", error=error, traceback=traceback.format_exc())


def _train_alone(todo: list[Claimed], run: RunSettings) -> dict[str, dict[str, Any]]:
    """The training step of one run alone (``SERVICES.train``)."""
    (claimed,) = todo

    def train(dataset: ImageDataset, probes: list[Any], callbacks: list[tuple]) -> list:
        return [
            SERVICES.train(
                claimed.config,
                dataset,
                claimed.run_dir,
                run.progress,
                probe=probes[0],
                callbacks=callbacks[0],
                clock=SERVICES.clock,
            )
        ]

    return _train_and_evaluate(todo, run, train)


def _train_fused(todo: list[Claimed], run: RunSettings) -> dict[str, dict[str, Any]]:
    """The training step of K runs as one batched computation (``SERVICES.train_fused``)."""

    def train(dataset: ImageDataset, probes: list[Any], callbacks: list[tuple]) -> list:
        return SERVICES.train_fused(
            [c.config for c in todo],
            dataset,
            [c.run_dir for c in todo],
            run.progress,
            probes=probes,
            callbacks=callbacks,
            clock=SERVICES.clock,
        )

    return _train_and_evaluate(todo, run, train, fused=len(todo))


def _train_and_evaluate(
    todo: list[Claimed], run: RunSettings, train: Callable[..., list], fused: int | None = None
) -> dict[str, dict[str, Any]]:
    """Train the claimed runs with ``train`` (alone or ``fused`` as one), then evaluate and
    keep each."""
    records = {c.spec.run_id: base_record(c.spec, c.config) for c in todo}
    if fused is not None:  # how many trained as one: the records say so from the start
        for record in records.values():
            record["fused"] = fused
    first = todo[0].spec
    if note := quality_note(first.dataset, run.evaluation.inception):
        for record in records.values():  # a dataset without a judge: what its tables can show
            record["quality_note"] = note
    lives = []
    if run.log:  # imported only when asked for: without --log nothing of it loads
        from benchmarks.runner.live_log import LiveLog

        lives = [
            LiveLog(run.log, c.spec.run_id, c.run_dir, c.config.budget.steps, c.config.hparams)
            for c in todo
        ]
    try:
        dataset = SERVICES.dataset(first.dataset, run.data_root)
        if "split" in dataset.extra:  # the user's data: how its held-out split was made
            for record in records.values():
                record["data_split"] = dataset.extra["split"]
        probes = [
            run_probe(c.config, run.data_root, run.evaluation.num_samples, dataset, run.curve)
            for c in todo
        ]
        for live, probe in zip(lives, probes if lives else [], strict=True):
            if probe is not None:  # the grids follow the run's curve points
                live.at_steps(probe.steps)
        callbacks = [(*SERVICES.callbacks, live) for live in lives] or [SERVICES.callbacks] * len(
            todo
        )
        trained = train(dataset, probes, callbacks)
        for live in lives:
            live.close()  # the evaluation is not part of the live log
        for claimed, (model, result), probe in zip(todo, trained, probes, strict=True):
            record = records[claimed.spec.run_id]
            try:
                finish_record(record, claimed, run, model, result, probe, dataset)
            except WriteError:
                raise
            except Exception as exc:
                _failed(record, exc)
    except WriteError:
        raise  # the disk or folder refused a file: the plan stops, nothing is recorded as failed
    except Exception as exc:
        for record in records.values():
            if "status" not in record:
                _failed(record, exc)
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


def run_probe(
    config: RunConfig,
    data_root: str | None,
    num_samples: int,
    dataset: ImageDataset,
    setting: str = "full",
):
    """The run's learning-curve probe (None where its dataset has none or ``setting`` is off)."""
    from gan_zoo.metrics.curves import curve_probe

    # a plumbing run with a small evaluation bank gets curves no larger than it
    return curve_probe(
        config.dataset,
        config.budget.steps,
        data_root,
        num_samples=num_samples,
        dataset=dataset,
        setting=setting,
    )


def _evaluate(
    record: dict[str, Any], claimed: Claimed, run: RunSettings, model: Any, dataset: ImageDataset
) -> None:
    """A complete run's evaluation and floors into ``record``, kept in its folder at once."""
    spec, run_dir, options = claimed.spec, claimed.run_dir, run.evaluation
    t0 = SERVICES.clock()
    data = DataSplits(spec.dataset, run.data_root, train=dataset)  # each split loaded once
    try:
        record["metrics"], record["details"] = SERVICES.evaluate(
            model,
            dataset,
            run_dir,
            seed=spec.seed,
            root=run.data_root,
            **options.evaluate_kwargs(),
            data=data,
        )
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM as Terminated
        record.update(
            status="interrupted",
            error="interrupted during the evaluation; the rerun evaluates again",
            signal=exit_code(stop) - 128,
        )
        return
    record["eval_seconds"] = round(SERVICES.clock() - t0, 2)
    record.update(
        eval_samples=options.num_samples,
        eval_draw=options.draw,
        eval_threads=torch.get_num_threads(),
    )
    stage(f"  evaluation: {record['eval_seconds']:.1f} s in all")
    # what the evaluation is of: the kept result proves it before it is ever reused
    checkpoint = CheckpointFiles(run_dir).current
    record["config_digest"] = config_digest(claimed.config)
    record["checkpoint_digest"] = file_sha256(checkpoint) if checkpoint.is_file() else None
    keep_evaluation(run_dir, record, options)  # before anything that can still fail
    # what real data scores on this dataset at this sample count (cached per judge), in
    # Inception's units too for a run with --inception (a pass over real images, cached)
    with timed_stage("  floors: real data at this count (cached per judge, weights and count)"):
        context = EvalContext(
            dataset.name,
            root=run.data_root,
            inception=options.inception,
            inception_weights=options.inception_weights,
        )  # the registered splits, not ``data``: a run may train on part of one (tests do)
        reference = floors(options.num_samples, context)
    if reference:
        record["floors"] = reference


def finish_record(
    record: dict[str, Any],
    claimed: Claimed,
    run: RunSettings,
    model: Any,
    result: Any,
    probe: Any,
    dataset: ImageDataset,
) -> None:
    """The training result into ``record``, then (for a complete run) its evaluation."""
    spec, run_dir, options = claimed.spec, claimed.run_dir, run.evaluation
    record.update(
        status=result.status,
        steps=result.step,
        train_seconds=round(result.seconds, 2),
        images_per_second=round(result.images_per_second, 1),
        error=result.error,
        history=result.history,
        shown_logs=list(result.shown),
        curve_setting=run.curve,
    )
    stage(f"  training: {result.step} steps, {result.seconds:.1f} s ({result.status})")
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
    if result.status != "complete":
        return
    with torch_threads(options.threads):  # the evaluation's own count, training's restored
        _evaluate(record, claimed, run, model, dataset)
    if record["status"] != "complete":  # interrupted during the evaluation
        return
    prev = read_record(run.out, spec.run_id)
    # a checkpoint written before the training time was stored says 0 s: keep the time
    # the earlier record measured (a real run is never timed at exactly 0 s)
    if prev is not None and prev.get("train_seconds") and result.seconds == 0.0:
        record["train_seconds"] = prev["train_seconds"]
    keep_evaluation(run_dir, record, options)
