"""Result records: one JSON file per run, the single source of truth for tables and plots."""

from __future__ import annotations

import json
import logging
import math
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
    clean = {k: v for k, v in record.items() if k not in ("skipped", "unwritten")}
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
    if record.get("status") == "complete":
        check_tabulable(record, path)
    return record


#: what a complete record must hold for the tables and plots to read it
TABLE_KEYS = ("model", "dataset", "budget", "seed", "metrics")


def check_tabulable(record: dict[str, Any], path: Path) -> None:
    """A complete record has every key a table reads and only finite numbers as metrics.

    Otherwise one ``DataError`` naming the file and the key: a missing key would fail far from
    its file, and a NaN would silently drop a seed from a mean the table still counts.
    """
    for key in TABLE_KEYS:
        if key not in record:
            raise DataError(f"record {path} lacks {key!r}, which the tables need; {_FIX}")
    if not isinstance(record["metrics"], dict):
        raise DataError(f"record {path}: 'metrics' is not a mapping; {_FIX}")
    numbers = {f"metrics.{k}": v for k, v in record["metrics"].items()}
    numbers.update({f"floors.{k}": v for k, v in (record.get("floors") or {}).items()})
    for key, value in numbers.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DataError(f"record {path}: {key} is {value!r}, not a number; {_FIX}")
        if not math.isfinite(value):
            raise DataError(f"record {path}: {key} is {value}, not a finite number; {_FIX}")


_FIX = "rerun that run with --force, or delete the record"


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
        row["fused"] = int(rec.get("fused") or 1)  # runs trained as one batched computation
        row.update(rec.get("metrics") or {})
        rows.append(row)
    return pd.DataFrame(rows)
