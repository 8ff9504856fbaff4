"""Result records: one JSON file per run, the single source of truth for tables and plots."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from gan_zoo.errors import DataError
from gan_zoo.io import atomic_write_json

log = logging.getLogger(__name__)


def record_path(out: Path, run_id: str) -> Path:
    return Path(out) / "records" / f"{run_id}.json"


def read_record(out: Path, run_id: str) -> dict[str, Any] | None:
    path = record_path(out, run_id)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        log.warning("record %s is unreadable (%s); the run will be done again", path, exc)
        return None


def write_record(out: Path, record: dict[str, Any]) -> Path:
    clean = {k: v for k, v in record.items() if k != "skipped"}
    return atomic_write_json(record_path(out, record["run_id"]), clean)


def has_records(out: Path) -> bool:
    """True if ``out`` holds records; otherwise print the one-line error the CLIs show."""
    if (Path(out) / "records").exists():
        return True
    print(
        f"error: no records under {Path(out) / 'records'}; run python -m benchmarks.run first",
        file=sys.stderr,
    )
    return False


def load_records(out: Path) -> list[dict[str, Any]]:
    folder = Path(out) / "records"
    if not folder.exists():
        return []
    return [_parse_record(p) for p in sorted(folder.glob("*.json"))]


def _parse_record(path: Path) -> dict[str, Any]:
    """One record; a malformed one is a DataError naming the file (the CLIs exit 2 on it)."""
    try:
        record = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DataError(
            f"malformed record {path} (line {exc.lineno}: {exc.msg}); fix or delete it"
        ) from None
    if not isinstance(record, dict) or "run_id" not in record:
        raise DataError(f"malformed record {path} (not a run record); fix or delete it")
    return record


def device_label(record: dict[str, Any]) -> str:
    """The device a record was made on, as tables group by it: ``cpu`` or the GPU's name.

    Records from different devices are never averaged together (kernels, precision and
    nondeterminism differ), so the device is part of a row's identity.
    """
    if record.get("gpu"):
        return str(record["gpu"])
    return str(record.get("device") or "cpu").split(":")[0]


def is_external(record: dict[str, Any]) -> bool:
    """Whether a record scores samples from a file (``benchmarks.evaluate``), not a zoo run."""
    return bool(record.get("external"))


def records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per zoo run: identity columns, status, timings, and every metric as a column.

    Records of external samples are left out: they are tabulated apart and never averaged,
    plotted or compared with the zoo's runs.
    """
    rows = []
    for rec in records:
        if is_external(rec):
            continue
        row = {k: rec.get(k) for k in ("run_id", "model", "dataset", "budget", "seed", "status")}
        row["overrides"] = json.dumps(rec.get("overrides") or {}, sort_keys=True)
        row["device"] = device_label(rec)
        for k in ("train_seconds", "eval_seconds", "images_per_second", "steps"):
            row[k] = rec.get(k)
        row.update(rec.get("metrics") or {})
        rows.append(row)
    return pd.DataFrame(rows)
