"""Where runs execute: in this process, in a pool of local processes, or as Ray tasks.

None of these schedule anything themselves: the local pool is the standard library's, and
scale-out goes to Ray (a local ``ray.init()`` or an existing cluster via ``--ray-address``).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from benchmarks.records import write_record
from benchmarks.runner.execute import execute_group, execute_run
from benchmarks.runner.plan import RunSpec, fuse_groups
from gan_zoo.errors import ConfigError
from gan_zoo.progress import said_notes

Record = dict[str, Any]


def run_local(specs: list[RunSpec], out: Path, fuse: int = 1, **kwargs: Any) -> Iterator[Record]:
    """Each run in turn; with ``fuse`` > 1, up to that many alike runs at once as one."""
    for group in fuse_groups(specs, fuse):
        yield from execute_group(group, out, **kwargs)


def _init_worker(threads: int, said: tuple[str, ...] = ()) -> None:
    """Each worker gets its share of the cores, and its own process group, so a Ctrl-C in the
    terminal reaches the parent alone, which then asks each worker exactly once to stop; the
    notes the parent said for the plan (``progress.note_once``) are not said again."""
    import torch

    from gan_zoo.progress import mark_said

    torch.set_num_threads(threads)
    os.setpgrp()
    for note in said:
        mark_said(note)


def run_pool(
    specs: list[RunSpec], out: Path, jobs: int, fuse: int = 1, **kwargs: Any
) -> Iterator[Record]:
    """``jobs`` runs at a time, each with its share of the cores.

    Workers are spawned, not forked: a fork after the parent has run OpenMP or CUDA work (it
    loads the dataset to fail fast) can leave the child waiting forever on a thread pool that
    did not survive the fork. On Ctrl-C, SIGTERM or an early stop, queued runs are cancelled and
    running ones are sent the same signal, so they save a checkpoint and record ``interrupted``.
    """
    threads = max(1, (os.cpu_count() or 1) // jobs)
    kwargs = {**kwargs, "progress": False}
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(threads, said_notes()),
    )
    groups = fuse_groups(specs, fuse)
    futures = [pool.submit(execute_group, group, out, **kwargs) for group in groups]
    try:
        for fut in as_completed(futures):
            yield from fut.result()
    except BaseException as exc:  # KeyboardInterrupt, Terminated, GeneratorExit (early stop)
        for fut in futures:
            fut.cancel()
        signum = signal.SIGINT if type(exc) is KeyboardInterrupt else signal.SIGTERM
        for process in list(getattr(pool, "_processes", {}).values()):
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signum)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_ray(
    specs: list[RunSpec],
    out: Path,
    address: str | None = None,
    num_cpus: float = 1,
    num_gpus: float = 0,
    **kwargs: Any,
) -> Iterator[Record]:
    """Each run is one Ray task; records come back to this driver, which writes them."""
    try:
        import ray
    except ImportError:
        raise ConfigError("--executor ray needs Ray: pip install 'gan-zoo[ray]'") from None
    if not ray.is_initialized():
        ray.init(
            address=address, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True
        )
    remote: Callable = ray.remote(num_cpus=num_cpus, num_gpus=num_gpus)(_ray_task)
    kwargs = {**kwargs, "progress": False, "write": False}
    pending = {remote.remote(spec, str(out), kwargs): spec for spec in specs}
    try:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                pending.pop(ref)
                record = ray.get(ref)
                if not record.get("skipped") and not record.get("unwritten"):
                    write_record(out, record)
                yield record
    except BaseException:
        for ref in pending:  # a running task gets KeyboardInterrupt: its trainer saves and stops
            ray.cancel(ref)
        raise


def _ray_task(spec: RunSpec, out: str, kwargs: dict[str, Any]) -> Record:
    import torch

    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1"))))
    return execute_run(spec, Path(out), **kwargs)
