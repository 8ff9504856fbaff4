"""``--force`` without losing the last good result: it is kept aside until the rerun has one.

A forced rerun of a complete run moves the run folder's files (checkpoints, history, samples,
figures) into ``<run folder>/previous/`` and leaves the complete record where it is. Only a
rerun that completes replaces them; one that fails, diverges, is interrupted or crashes puts the
previous files back and its record is not written, so the last good result always survives.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

from benchmarks.records import read_record, record_path
from gan_zoo.io import writing
from gan_zoo.train.checkpoints import CheckpointFiles

log = logging.getLogger(__name__)

PREVIOUS = "previous"
#: the files a rerun without a previous complete result starts without
RUN_STATE = ("history.csv", "result.json")


class ForcedRerun:
    """What ``--force`` does to one run folder before the rerun, and after it."""

    def __init__(self, out: Path, run_dir: Path, run_id: str) -> None:
        self.out, self.run_dir, self.run_id = Path(out), Path(run_dir), run_id
        self.kept = self.run_dir / PREVIOUS
        record = read_record(self.out, run_id)
        self.keeps = self.kept.is_dir() or (
            record is not None and record.get("status") == "complete"
        )

    def start(self) -> None:
        """Set the previous result aside (or, with none complete, forget the old run)."""
        if not self.keeps:
            CheckpointFiles(self.run_dir).clear()
            for name in RUN_STATE:
                (self.run_dir / name).unlink(missing_ok=True)
            return
        with writing(self.kept):
            if self.kept.is_dir():  # a forced rerun was killed: what is kept is the good result
                self._clear_current()
            else:
                self.kept.mkdir(parents=True, exist_ok=True)
                for path in self._current():
                    os.replace(path, self.kept / path.name)
        log.warning(
            "--force: the previous complete result of %s stays in %s and %s until the rerun "
            "completes",
            self.run_id,
            record_path(self.out, self.run_id),
            self.kept,
        )

    def finish(self, record: dict[str, Any] | None) -> bool:
        """After the rerun: True if its record may be written (it completed, or nothing was
        kept); otherwise the kept files go back and the previous record stands."""
        if not self.keeps:
            return True
        if record is not None and record.get("status") == "complete":
            shutil.rmtree(self.kept, ignore_errors=True)
            return True
        self._clear_current()
        for path in sorted(self.kept.iterdir()):
            os.replace(path, self.run_dir / path.name)
        self.kept.rmdir()
        return False

    def _current(self) -> list[Path]:
        if not self.run_dir.is_dir():
            return []
        return [p for p in self.run_dir.iterdir() if p.is_file()]

    def _clear_current(self) -> None:
        for path in self._current():
            path.unlink(missing_ok=True)
