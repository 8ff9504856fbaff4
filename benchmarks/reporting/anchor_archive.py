"""The anchor's archive: what one training window sends back, and where the next one starts.

A long schedule (the ``anchor`` budget) outlasts any one session on a GPU machine, whose disk
is gone afterwards. The archive carries everything a run needs to continue and everything it
has measured: ``records/`` (each run's record: status, steps, history, learning curve),
``runs/<run_id>/`` (checkpoints, ``history.csv``, kept evaluations) and the window's
``anchor-log.txt`` and ``anchor.json``. Left out: lock files (a lock belongs to a process, not
to a run) and each run's previous checkpoint (the fallback for a damaged current one, which is
whole when packed: it is written atomically and the runner has exited), which halves the size.

Unpacking goes into the results folder and its runs folder, after which the runner's ordinary
resume takes over. It refuses, in one line, a file that is not such an archive, a member that
would land outside the folder (``tarfile``'s data filter), and a run whose checkpoint here is
further on than the archive's (unpacking it would throw those steps away).
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from pathlib import Path

from gan_zoo.errors import ConfigError
from gan_zoo.io import atomic_write
from gan_zoo.train.checkpoints import PREVIOUS, CheckpointFiles

RECORDS, RUNS = "records", "runs"
LOG, SUMMARY = "anchor-log.txt", "anchor.json"


def pack(out: Path, runs: Path, archive: Path) -> list[str]:
    """Write ``archive`` (atomically) from ``out`` and its runs folder ``runs``; returns the
    run ids it holds. Level-1 gzip: checkpoints are floats, which compress little anyway."""
    run_dirs = sorted(p for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else []

    def write(handle) -> None:
        with tarfile.open(fileobj=handle, mode="w:gz", compresslevel=1) as tar:
            for name in (LOG, SUMMARY):
                if (out / name).is_file():
                    tar.add(out / name, arcname=name)
            if (out / RECORDS).is_dir():
                tar.add(out / RECORDS, arcname=RECORDS)
            for run_dir in run_dirs:
                tar.add(run_dir, arcname=f"{RUNS}/{run_dir.name}", filter=_kept)

    atomic_write(archive, write)
    return [p.name for p in run_dirs]


def _kept(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    name = info.name.rsplit("/", 1)[-1]
    return None if name.endswith(".lock") or name == PREVIOUS else info


def unpack(archive: Path, out: Path, runs: Path) -> list[str]:
    """Put ``archive``'s records and run folders into ``out`` and ``runs``; returns the run
    ids it held. Files the archive does not hold are left as they are."""
    if not archive.is_file():
        raise ConfigError(f"--resume-from {archive}: no such file")
    if not hasattr(tarfile, "data_filter"):  # added in 3.10.12 and 3.11.4
        raise ConfigError("--resume-from needs a Python whose tarfile has the data filter")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=".unpack-") as tmp:
        staged = Path(tmp)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(staged, filter="data")
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise ConfigError(f"--resume-from {archive}: not a readable archive ({exc})") from None
        held = staged / RUNS
        run_ids = sorted(p.name for p in held.iterdir() if p.is_dir()) if held.is_dir() else []
        for run_id in run_ids:
            _check_not_behind(runs / run_id, held / run_id, archive)
        if held.is_dir():
            shutil.copytree(held, runs, dirs_exist_ok=True)
        if (staged / RECORDS).is_dir():
            shutil.copytree(staged / RECORDS, out / RECORDS, dirs_exist_ok=True)
        for name in (LOG, SUMMARY):
            if (staged / name).is_file():
                shutil.copy2(staged / name, out / name)
    return run_ids


def checkpoint_step(run_dir: Path) -> int | None:
    """The step of the run folder's newest readable checkpoint (None without one)."""
    state = CheckpointFiles(run_dir).load(set_aside=False)
    return None if state is None else int(state["step"])


def _check_not_behind(here: Path, archived: Path, archive: Path) -> None:
    if not CheckpointFiles(here).exists():
        return
    mine, theirs = checkpoint_step(here), checkpoint_step(archived)
    if mine is not None and (theirs is None or mine > theirs):
        raise ConfigError(
            f"--resume-from {archive}: {here} is at step {mine}, past the archive's "
            f"{theirs}; resume into an empty --out, or go on from here without --resume-from"
        )
