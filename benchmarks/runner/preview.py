"""What ``python -m benchmarks.run --dry-run`` says of each run of a plan, and what it may cost.

Each run's fate is read the way the runner decides it (``execute._claim``): its record, the lock
beside its run folder, an evaluation kept in the folder, and the folder's checkpoint. Nothing is
written, locked or moved: a dry run may look at folders a training process is using.

The cost of a run is estimated from complete records of the same family, dataset and budget
(the ``--out`` folder's and the checkout's committed ``results/``): the median of their
``train_seconds`` plus the median of their ``eval_seconds``, a resumed run paying only its
remaining share of the training. Records from another device are never mixed in: the estimate
uses one device's records and names it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.runner.plan import RunSpec

#: the checkout's committed results, whose records estimate runs of any ``--out``
COMMITTED = Path(__file__).resolve().parents[2] / "results"


@dataclass(frozen=True)
class RunState:
    """What the runner would do with one run now.

    ``kind``: complete (skipped), held (another process runs it now: skipped), recorded (an
    evaluation kept in its folder: only its record is written), evaluates (trained: evaluated
    only), diverged (its record is written again, nothing trains), resumes (at ``step``), new
    (trains from step 0), forced (``--force``: trains from step 0).
    """

    kind: str
    step: int = 0
    steps: int = 0
    note: str = ""

    def describe(self) -> str:
        text = {
            "complete": "complete (skipped)",
            "held": "skipped: being run now",
            "refused": "fails",
            "recorded": "evaluated already; only its record is written",
            "evaluates": f"trained ({self.step:,} steps); evaluates only",
            "diverged": f"diverged at step {self.step:,}; recorded again, not retrained "
            "(--force retrains it)",
            "resumes": f"resumes at step {self.step:,} of {self.steps:,}",
            "new": "new",
            "forced": "--force: trains again from step 0",
        }[self.kind]
        return f"{text} ({self.note})" if self.note else text

    @property
    def to_do(self) -> bool:
        """Whether this run costs any time (trains or evaluates)."""
        return self.kind in ("evaluates", "resumes", "new", "forced")

    def train_share(self) -> float:
        """The share of the budget's training still to do."""
        if self.kind in ("new", "forced"):
            return 1.0
        if self.kind == "resumes" and self.steps:
            return max(0.0, 1.0 - self.step / self.steps)
        return 0.0


#: how the plan's total counts the runs of each kind
TALLY = {
    "complete": "complete",
    "held": "held by another process",
    "refused": "refused",
    "recorded": "only to record",
    "evaluates": "to evaluate",
    "diverged": "diverged",
    "resumes": "to resume",
    "new": "new",
    "forced": "forced",
}


def tally(states: list[RunState]) -> str:
    """``2 complete, 1 to resume, 3 new``: the runs of each kind, in the order of ``TALLY``."""
    counts = Counter(state.kind for state in states)
    return ", ".join(f"{counts[kind]} {word}" for kind, word in TALLY.items() if counts[kind])


def run_state(spec: RunSpec, out: Path, force: bool = False, evaluation: Any = None) -> RunState:
    """Read ``spec``'s record and run folder as the runner would, changing nothing."""
    from benchmarks.records import read_record
    from benchmarks.runner.execute import runs_root
    from gan_zoo.config import budget

    run_dir = runs_root(out) / spec.run_id
    record = read_record(out, spec.run_id)
    complete = record is not None and record.get("status") == "complete"
    steps = budget(spec.budget, spec.dataset_name).steps
    state = checkpoint_state(run_dir)
    # the runner takes the lock before anything else, --force included: a held run is skipped
    holder = lock_holder(run_dir.parent / f"{spec.run_id}.lock")
    if holder is not None:
        where = f", at step {state[0]:,} of {steps:,}" if isinstance(state, tuple) else ""
        return RunState("held", note=f"by {holder}{where}")
    if force:
        kept = "the complete record stays until the rerun completes" if complete else ""
        return RunState("forced", steps=steps, note=kept)
    if complete:  # an unfinished --force is undone first, and leaves it complete too
        return RunState("complete")
    if evaluation is not None and _kept_evaluation(spec, run_dir, evaluation):
        return RunState("recorded")
    if isinstance(state, str):
        return RunState("refused", note=state)
    if state is None:
        return RunState("new", steps=steps)
    step, status = state
    kind = {"complete": "evaluates", "diverged": "diverged"}.get(status, "resumes")
    return RunState(kind, step=step, steps=steps)


def checkpoint_state(run_dir: Path) -> tuple[int, str] | str | None:
    """(step, status) of the run folder's newest readable checkpoint, None without one, or
    why the runner will refuse it (a file it will not load)."""
    from gan_zoo.errors import GanZooError
    from gan_zoo.train.checkpoints import CheckpointFiles

    files = CheckpointFiles(run_dir)
    if not files.exists():
        return None
    try:
        saved = files.load(set_aside=False)  # a reader: nothing is renamed
    except GanZooError as exc:
        return str(exc)
    return None if saved is None else (int(saved["step"]), str(saved["status"]))


def _kept_evaluation(spec: RunSpec, run_dir: Path, evaluation: Any) -> bool:
    """Whether the runner would write the record of an evaluation kept in ``run_dir``."""
    from benchmarks.runner.execute import PENDING, kept_evaluation
    from gan_zoo.errors import GanZooError

    if not (run_dir / PENDING).is_file():
        return False
    try:
        config = spec.config()  # the plan's resolution, on the plan's device
    except GanZooError:
        return False
    with _quiet("benchmarks.runner.execute"):  # its lines speak of writing the record now
        return kept_evaluation(run_dir, evaluation, config) is not None


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    logger = logging.getLogger(name)
    was, logger.disabled = logger.disabled, True
    try:
        yield
    finally:
        logger.disabled = was


def lock_holder(lock: Path) -> str | None:
    """Who holds the run's lock now ("pid 6392 on vm"), read from the kernel's lock table
    without taking the lock (a dry run must never turn a runner away); None when it is free,
    has no file, or the system keeps no table to read (then the run is described by its files).
    """
    try:
        st = os.stat(lock)
        table = Path("/proc/locks").read_text()
    except OSError:
        return None
    device = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    pids = [
        fields[4]
        for fields in (line.split() for line in table.splitlines())
        if len(fields) > 5 and fields[1] == "FLOCK" and fields[5] == device
    ]
    if not pids:
        return None
    try:
        owner = json.loads(lock.read_text())
    except (OSError, ValueError):
        owner = {}
    if not isinstance(owner, dict) or "pid" not in owner:
        return f"pid {pids[0]}"
    return f"pid {owner['pid']} on {owner.get('host', '?')}"


@dataclass(frozen=True)
class Estimate:
    """The medians of the records a run's cost is estimated from, and where they were made."""

    train_seconds: float
    eval_seconds: float
    count: int
    device: str
    other_overrides: bool = False

    def cost(self, state: RunState) -> float:
        share = state.train_share()
        return share * self.train_seconds + (self.eval_seconds if state.to_do else 0.0)

    def source(self) -> str:
        runs = "record" if self.count == 1 else "records"
        other = ", run with other --set," if self.other_overrides else ""
        return f"median of {self.count} {runs}{other} on {self.device}"


def timing_records(out: Path) -> list[dict[str, Any]]:
    """The complete, timed records under ``out`` and the committed ``results/``, each run once
    (``out``'s own where both hold it); unreadable files are left out."""
    found: dict[str, dict[str, Any]] = {}
    folders = [Path(out) / "records", COMMITTED / "records"]
    for folder in dict.fromkeys(f.resolve() for f in folders if f.is_dir()):
        for path in sorted(folder.glob("*.json")):
            try:
                record = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if (
                isinstance(record, dict)
                and record.get("status") == "complete"
                and not record.get("external")
                and _seconds(record.get("train_seconds")) is not None
                and _seconds(record.get("eval_seconds")) is not None
            ):
                found.setdefault(str(record.get("run_id")), record)
    return list(found.values())


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return float(value)


def estimate(spec: RunSpec, records: list[dict[str, Any]], device_kind: str) -> Estimate | None:
    """The estimate for ``spec`` from ``records`` of its family, dataset and budget (those with
    its overrides where there are any), from one device: the plan's kind (``cpu``, ``cuda``)
    where records of it exist, else the device with the most records."""
    from benchmarks.records import device_label

    alike = [
        r
        for r in records
        if (r.get("model"), r.get("dataset"), r.get("budget"))
        == (spec.model, spec.dataset_name, spec.budget)
    ]
    if not alike:
        return None
    same = [r for r in alike if (r.get("overrides") or {}) == dict(spec.overrides)]
    chosen = same or alike
    groups: dict[str, list[dict[str, Any]]] = {}
    for record in chosen:
        groups.setdefault(device_label(record), []).append(record)

    def rank(label: str) -> tuple[bool, int]:
        kind = "cpu" if label == "cpu" else "cuda"
        return kind == device_kind, len(groups[label])

    label = max(groups, key=rank)
    group = groups[label]
    return Estimate(
        statistics.median(float(r["train_seconds"]) for r in group),
        statistics.median(float(r["eval_seconds"]) for r in group),
        len(group),
        _device_name(label, group),
        other_overrides=not same,
    )


def _device_name(label: str, group: list[dict[str, Any]]) -> str:
    """``cpu (Intel(R) Xeon(R) Processor, 2 threads)``, or the GPU's name."""
    if label != "cpu":
        return label
    cpu, _ = Counter(str(r.get("cpu") or "unknown CPU") for r in group).most_common(1)[0]
    threads, _ = Counter(r.get("threads") for r in group).most_common(1)[0]
    return f"cpu ({cpu}, {threads} threads)" if threads else f"cpu ({cpu})"


def seconds_text(seconds: float) -> str:
    """``1,446 s`` and, from an hour on, its hours (``7,300 s, 2.0 h``)."""
    text = f"{seconds:,.0f} s"
    return text if seconds < 3600 else f"{text}, {seconds / 3600:.1f} h"
