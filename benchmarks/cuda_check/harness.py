"""Parts run one after another, each in its own process group under its own time limit, with one
report rewritten after each part.

A GPU window is short and starts cold, so one hang must not cost the other parts: each part is a
subprocess that is killed (with everything it started) when its limit passes, and the report on
disk (JSON, and Markdown beside it) is rewritten atomically after every part, so a command
killed from outside still leaves every finished part's verdict. No part gets more time than is
left of the whole check; a part that would get less than ``min_seconds`` is skipped and said so.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gan_zoo.io import atomic_write, atomic_write_json

PASS, FAIL, TIMEOUT, SKIPPED = "pass", "fail", "timeout", "skipped"
#: what the output tail in the report keeps of each part's log
TAIL_CHARS = 3000


@dataclass
class Outcome:
    """What one part's process did: its exit status, how long it ran, its log and its folder."""

    returncode: int | None  # None: killed at its time limit
    seconds: float
    log: str
    folder: Path


#: reads an outcome into (verdict, figures); the default passes exactly when the exit status is 0
Judge = Callable[[Outcome], tuple[str, dict[str, Any]]]


def exit_status(outcome: Outcome) -> tuple[str, dict[str, Any]]:
    return (PASS if outcome.returncode == 0 else FAIL), {}


@dataclass(frozen=True)
class Part:
    """One item of the check: ``command`` (an argv; ``{folder}`` is replaced by the part's own
    folder) run under ``timeout`` seconds, and ``judge`` that reads the outcome."""

    name: str
    what: str
    command: tuple[str, ...]
    timeout: float
    judge: Judge = exit_status
    env: dict[str, str] = field(default_factory=dict)


def run_part(part: Part, folder: Path, timeout: float) -> Outcome:
    """Run ``part`` in a new session; at its limit the whole process group is SIGKILLed."""
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / "log.txt"
    argv = [arg.replace("{folder}", str(folder)) for arg in part.command]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **part.env}
    start = time.perf_counter()
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env
        )
        try:
            code: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        finally:  # the part's children too (a test's subprocess, a runner's workers)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return Outcome(code, time.perf_counter() - start, log_path.read_text(errors="replace"), folder)


class Report:
    """The check's report: ``<path>.json`` and ``<path>.md``, rewritten after every part."""

    def __init__(
        self, path: Path, environment: dict[str, Any], parts_dir: Path | None = None
    ) -> None:
        self.json_path = path.with_suffix(".json")
        self.md_path = path.with_suffix(".md")
        #: each part's folder (its log and output files) goes under this
        self.parts_dir = parts_dir or path.with_suffix(".parts")
        self.data: dict[str, Any] = {**environment, "parts": [], "finished": False}

    def add(self, row: dict[str, Any]) -> None:
        self.data["parts"].append(row)
        self.write()

    def finish(self, seconds: float) -> None:
        self.data.update(finished=True, seconds=round(seconds, 1))
        self.write()

    def write(self) -> None:
        atomic_write_json(self.json_path, self.data)
        text = markdown(self.data)
        atomic_write(self.md_path, lambda f: f.write(text), "w")


def markdown(data: dict[str, Any]) -> str:
    """The report as a table a person reads (the JSON keeps the logs' tails too)."""
    env = ", ".join(
        f"{k} {data[k]}" for k in ("gpu", "torch", "cuda", "commit") if data.get(k) is not None
    )
    lines = [
        "# CUDA check",
        "",
        env + ".",
        "",
        "| part | verdict | seconds | figures |",
        "|---|---|---|---|",
    ]
    for row in data["parts"]:
        figures = "; ".join(f"{k} {_fmt(v)}" for k, v in row.get("figures", {}).items())
        lines.append(f"| {row['name']} | {row['verdict']} | {row['seconds']:.0f} | {figures} |")
    state = (
        f"Finished in {data['seconds']:.0f} s."
        if data.get("finished")
        else "Not finished: the parts above are those done so far."
    )
    return "\n".join([*lines, "", state, ""])


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def run_check(
    parts: list[Part],
    report: Report,
    total_seconds: float,
    min_seconds: float = 15.0,
    say: Callable[[str], None] = print,
) -> bool:
    """Run ``parts`` in order within ``total_seconds`` in all; True if every part passed."""
    start = time.perf_counter()
    ok = True
    for i, part in enumerate(parts, 1):
        left = total_seconds - (time.perf_counter() - start)
        limit = min(part.timeout, left)
        row: dict[str, Any] = {"name": part.name, "what": part.what, "limit_seconds": limit}
        if limit < min_seconds:
            row.update(verdict=SKIPPED, seconds=0.0, figures={}, note="no time left in the check")
        else:
            outcome = run_part(part, report.parts_dir / part.name, limit)
            if outcome.returncode is None:
                verdict, figures = TIMEOUT, {}
            else:
                try:
                    verdict, figures = part.judge(outcome)
                except Exception as exc:  # a judge that cannot read the output is a failure
                    verdict, figures = FAIL, {"judge_error": f"{type(exc).__name__}: {exc}"}
            row.update(
                verdict=verdict,
                seconds=round(outcome.seconds, 1),
                returncode=outcome.returncode,
                figures=figures,
                log_tail=outcome.log[-TAIL_CHARS:],
            )
        ok &= row["verdict"] == PASS
        report.add(row)
        figures = ", ".join(f"{k}={_fmt(v)}" for k, v in row["figures"].items())
        say(
            f"[{i}/{len(parts)}] {part.name}: {row['verdict']} ({row['seconds']:.0f} s)"
            + (f" {figures}" if figures else "")
        )
        sys.stdout.flush()
    report.finish(time.perf_counter() - start)
    return ok
