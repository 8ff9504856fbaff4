"""A run's checkpoint on disk: written atomically, the previous one kept, bad files survived.

``checkpoint.pt`` is replaced atomically at every save, and the one it replaces is kept as
``checkpoint.prev.pt``. A checkpoint that cannot be read (a disk fault, a copy cut short) is set
aside as ``*.corrupt`` with a one-line warning and the previous one is used; if none can be
read the run starts again, with a warning, instead of failing on every rerun.

Checkpoints are read onto the CPU: RNG states must stay CPU byte tensors whatever device the run
uses, and the model and optimisers move their tensors to their own devices when loading.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from gan_zoo.io import UnsafeFileError, atomic_torch_save, load_tensors, writing

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint.pt"
PREVIOUS = "checkpoint.prev.pt"
#: the keys a checkpoint must have to be resumed from
REQUIRED = ("step", "status", "model", "optimizers", "generator", "sampler", "history", "rng")


class CheckpointFiles:
    """The checkpoint files of one run folder."""

    def __init__(self, run_dir: str | os.PathLike[str]) -> None:
        self.run_dir = Path(run_dir)

    @property
    def current(self) -> Path:
        return self.run_dir / CHECKPOINT

    @property
    def previous(self) -> Path:
        return self.run_dir / PREVIOUS

    @staticmethod
    def aside(path: Path) -> Path:
        """Where an unreadable checkpoint file is moved, beside it, for a person to look at."""
        return path.with_name(path.name + ".corrupt")

    def exists(self) -> bool:
        return self.current.exists() or self.previous.exists()

    def save(self, state: dict[str, Any]) -> None:
        """Keep the last checkpoint as the previous one, then write ``state`` atomically.

        The previous name is a second link to the last checkpoint, made before the new one is
        written, so a crash or a full disk at any point leaves ``checkpoint.pt`` whole (the new
        state, or the last one) and ``load`` can always resume.
        """
        if self.current.exists():
            with writing(self.previous):
                _link_or_move(self.current, self.previous)
        atomic_torch_save(self.current, state)

    def load(self, set_aside: bool = True) -> dict[str, Any] | None:
        """The newest readable checkpoint (on the CPU), or None if there is none.

        ``set_aside=False`` is for readers that must leave a run folder as they found it
        (``benchmarks.sample``): an unreadable file is skipped with the same warning, not moved.
        """
        tried = []
        for path in (self.current, self.previous):
            if not path.exists():
                continue
            try:
                state = load_tensors(path)
                missing = [k for k in REQUIRED if k not in state]
                if missing:
                    raise ValueError(f"missing {', '.join(missing)}")
            except UnsafeFileError:
                raise  # not damage: a file someone else made, left where it is for them to see
            except Exception as exc:  # torch raises several types for a damaged zip
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                if set_aside:
                    aside = self.aside(path)
                    os.replace(path, aside)
                    log.warning(
                        "checkpoint %s is unreadable (%s); moved to %s", path, reason, aside.name
                    )
                else:
                    log.warning("checkpoint %s is unreadable (%s); left as it is", path, reason)
                tried.append(path)
                continue
            if tried:
                log.warning("resuming %s from the previous checkpoint %s", self.run_dir, path.name)
            return state
        if tried:
            log.warning("no readable checkpoint in %s; starting the run again", self.run_dir)
        return None

    def clear(self) -> None:
        """Forget every checkpoint (``--force``)."""
        for path in (self.current, self.previous):
            path.unlink(missing_ok=True)


def _link_or_move(source: Path, target: Path) -> None:
    """Make ``target`` name ``source``'s file, atomically; where the file system has no hard
    links, move it instead (then only ``target`` exists until the next write)."""
    temp = target.with_name(f".{target.name}.link")
    temp.unlink(missing_ok=True)  # a stale one, from a crash between the link and the replace
    try:
        os.link(source, temp)
    except OSError:
        os.replace(source, target)
        return
    try:
        os.replace(temp, target)
    except BaseException:  # a full disk, an interrupt: the link must not outlive the attempt
        temp.unlink(missing_ok=True)
        raise
