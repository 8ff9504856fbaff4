"""``--force`` without losing the last good result: it is kept aside until the rerun has one.

A forced rerun of a complete run moves the run folder's files (checkpoints, history, samples,
figures) into ``<run folder>/previous/`` and leaves the complete record where it is. Only a
rerun that completes replaces them; one that fails, diverges or crashes puts the previous files
back and its record is not written, so the last good result always survives.

An interrupted rerun (Ctrl-C, SIGTERM, a SIGKILL after its last checkpoint) is not undone: the
same ``--force`` command resumes it from that checkpoint, as the runner says, while the
previous result stays set aside. The rerun's folder holds a stamp (``forced_rerun.json``) of
what it trains (config digest and device): a later ``--force`` for other settings starts the
rerun over instead. A plain run (no ``--force``) puts the previous result back. A forced
rerun of a run with no complete result starts it over, stamped the same way, so it too resumes
under the same ``--force`` after an interruption.

``previous/`` is also the journal of a rerun that may have died where no ``finally`` runs (a
SIGKILL, a power cut): while it exists the rerun is unsettled, and the next plain runner to lock
the run (:meth:`ForcedRerun.recover`) puts the previous files back before it decides anything,
unless the record on disk is the rerun's own (it names the digest of the checkpoint in the
folder), in which case only the set-aside files are removed. Files are set aside through
``previous.partial/``, renamed to ``previous/`` once all are there, so a death while setting
aside leaves nothing mixed: the partial folder's files simply go back.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from benchmarks.records import read_record, record_path
from gan_zoo.digest_cache import file_sha256
from gan_zoo.io import atomic_write_json, writing
from gan_zoo.train.checkpoints import CheckpointFiles

log = logging.getLogger(__name__)

PREVIOUS = "previous"
#: where files are set aside before ``previous/`` exists: a death here undoes nothing yet
PARTIAL = "previous.partial"
#: the files a rerun without a previous complete result starts without
RUN_STATE = ("history.csv", "result.json")
#: in the run folder while a forced rerun is unsettled: what it trains, so --force resumes it
STAMP = "forced_rerun.json"


class ForcedRerun:
    """What ``--force`` does to one run folder before the rerun, and after it."""

    def __init__(self, out: Path, run_dir: Path, run_id: str, identity: str = "") -> None:
        """``identity``: what the rerun trains (its config's digest and device); a rerun
        interrupted under the same identity is resumed by the next ``--force``."""
        self.out, self.run_dir, self.run_id = Path(out), Path(run_dir), run_id
        self.identity = identity
        self.kept = self.run_dir / PREVIOUS
        record = read_record(self.out, run_id)
        self.keeps = self.kept.is_dir() or (
            record is not None and record.get("status") == "complete"
        )

    @staticmethod
    def unsettled(run_dir: Path) -> bool:
        """True if a forced rerun of this run folder started and never settled."""
        return (Path(run_dir) / PREVIOUS).is_dir() or (Path(run_dir) / PARTIAL).is_dir()

    @classmethod
    def recover(cls, out: Path, run_dir: Path, run_id: str, resume: bool = False) -> None:
        """Undo a forced rerun that died before it settled (call with the run's lock held);
        with ``resume`` (this invocation is ``--force`` too) its files stay for it to resume."""
        run_dir = Path(run_dir)
        partial, kept = run_dir / PARTIAL, run_dir / PREVIOUS
        if partial.is_dir():  # died while setting aside: the rerun never started training
            with writing(partial):
                _move_all(partial, run_dir)
                partial.rmdir()
        if not kept.is_dir():
            if not resume:  # a plain run takes over a rerun that had nothing to keep
                (run_dir / STAMP).unlink(missing_ok=True)
            return
        record = read_record(Path(out), run_id) or {}
        checkpoint = CheckpointFiles(run_dir).current
        if (
            record.get("status") == "complete"
            and record.get("checkpoint_digest")
            and checkpoint.is_file()
            and record["checkpoint_digest"] == file_sha256(checkpoint)
        ):  # the rerun's record was written; it died while discarding the old files
            shutil.rmtree(kept, ignore_errors=True)
            (run_dir / STAMP).unlink(missing_ok=True)
            return
        if resume:  # ForcedRerun.start decides: resume the rerun or start it over
            return
        log.warning(
            "%s: a forced rerun did not finish; its files are removed and the previous result "
            "in %s is put back",
            run_id,
            kept,
        )
        rerun = cls(out, run_dir, run_id)
        with writing(run_dir):
            rerun._restore()

    def start(self) -> None:
        """Set the previous result aside (or, with none complete, forget the old run), unless
        this same rerun was interrupted: then it resumes."""
        if not self.keeps:
            if self._resumable():
                log.warning(
                    "--force: %s resumes the forced rerun that was interrupted", self.run_id
                )
                return
            CheckpointFiles(self.run_dir).clear()
            for name in RUN_STATE:
                (self.run_dir / name).unlink(missing_ok=True)
            if self.identity:  # so the same --force resumes this rerun if it is interrupted
                atomic_write_json(self.run_dir / STAMP, {"identity": self.identity})
            return
        with writing(self.kept):
            if self.kept.is_dir():  # a forced rerun was interrupted or killed
                if self._resumable():
                    log.warning(
                        "--force: %s resumes the forced rerun that was interrupted; the previous "
                        "complete result stays in %s and %s until it completes",
                        self.run_id,
                        record_path(self.out, self.run_id),
                        self.kept,
                    )
                    return
                self._clear_current()  # another rerun's files: what is kept is the good result
            else:
                partial = self.run_dir / PARTIAL
                partial.mkdir(parents=True, exist_ok=True)
                for path in self._current():
                    os.replace(path, partial / path.name)
                os.replace(partial, self.kept)  # from here on the rerun is journalled
            atomic_write_json(self.run_dir / STAMP, {"identity": self.identity})
        log.warning(
            "--force: the previous complete result of %s stays in %s and %s until the rerun "
            "completes",
            self.run_id,
            record_path(self.out, self.run_id),
            self.kept,
        )

    def finish(self, record: dict[str, Any] | None) -> bool:
        """After the rerun: True if its record may be written (it completed, or nothing was
        kept; then :meth:`discard` once it is written); otherwise the kept files go back and
        the previous record stands."""
        if not self.keeps:
            return True
        if record is not None and record.get("status") == "complete":
            return True
        if record is None or record.get("status") != "interrupted":
            self._restore()  # failed or diverged: nothing worth resuming
        return False

    def discard(self, record: dict[str, Any]) -> None:
        """The rerun's record is written: the previous result's files go, and its stamp unless
        the rerun was interrupted with nothing kept (the same --force resumes it)."""
        if not self.keeps and record.get("status") == "interrupted":
            return
        shutil.rmtree(self.kept, ignore_errors=True)
        (self.run_dir / STAMP).unlink(missing_ok=True)

    def _resumable(self) -> bool:
        """True if the run folder holds this rerun's own interrupted files (its stamp)."""
        try:
            stamp = json.loads((self.run_dir / STAMP).read_text())
        except (OSError, ValueError):
            return False
        return bool(self.identity) and stamp == {"identity": self.identity}

    def _restore(self) -> None:
        self._clear_current()
        _move_all(self.kept, self.run_dir)
        self.kept.rmdir()

    def _current(self) -> list[Path]:
        if not self.run_dir.is_dir():
            return []
        return [p for p in self.run_dir.iterdir() if p.is_file()]

    def _clear_current(self) -> None:
        for path in self._current():
            path.unlink(missing_ok=True)


def _move_all(source: Path, target: Path) -> None:
    for path in sorted(source.iterdir()):
        os.replace(path, target / path.name)
