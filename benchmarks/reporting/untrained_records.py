"""The records of untrained models (step 0) and the reference rows the tables make of them.

``python -m benchmarks.untrained`` writes one record per family, dataset and seed under
``<out>/records/untrained/``, a folder :func:`benchmarks.records.load_records` never reads, and
with status ``untrained``, which ``aggregate`` never averages: a model that learnt nothing is a
level to read the runs against, like chance and the real-data floor, never a run itself.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

from benchmarks.records import check_tabulable, device_label
from benchmarks.reporting.aggregate import format_cell
from gan_zoo.errors import DataError
from gan_zoo.metrics.registry import order_keys

#: the status of an untrained record: never ``complete``, so no aggregate counts it
STATUS = "untrained"
#: how tables name the reference (one row per family)
ROW_PREFIX = "untrained (step 0)"


def folder(out: Path) -> Path:
    """Where the untrained records live: beside the run records, never among them."""
    return Path(out) / "records" / "untrained"


def record_id(dataset: str, model: str, seed: int, overrides: dict[str, Any]) -> str:
    """``<dataset>__<model>__seed<seed>`` (plus a digest of any overrides, as a run id has)."""
    rid = f"{dataset}__{model}__seed{seed}"
    if overrides:
        frozen = sorted((k, str(v)) for k, v in overrides.items())
        rid += "__" + hashlib.sha256(json.dumps(frozen).encode()).hexdigest()[:8]
    return rid


def is_untrained(record: dict[str, Any]) -> bool:
    return record.get("status") == STATUS


def load_untrained(out: Path) -> list[dict[str, Any]]:
    """Every untrained record under ``out``; a damaged one is a DataError naming its file."""
    found = []
    for path in sorted(folder(out).glob("*.json")):
        try:
            record = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise DataError(f"malformed untrained record {path} ({exc.msg}); delete it") from None
        if not isinstance(record, dict) or not is_untrained(record):
            raise DataError(f"{path} is not an untrained record; delete it")
        check_tabulable(record, path)  # every metric a finite number
        found.append(record)
    return found


def _identity(record: dict[str, Any]) -> tuple[str, str, str]:
    """What untrained seeds are averaged under: model, overrides, device (as runs are)."""
    overrides = json.dumps(record.get("overrides") or {}, sort_keys=True)
    return str(record.get("model")), overrides, device_label(record)


def row_label(model: str, overrides: str, device: str) -> str:
    """``*untrained (step 0): infogan*``, with the overrides and a GPU as run labels have them."""
    name = model if device == "cpu" else f"{model} @ {device}"
    given = json.loads(overrides)
    if given:
        name += " [" + ", ".join(f"{k}={v}" for k, v in sorted(given.items())) + "]"
    return f"*{ROW_PREFIX}: {name}*"


def untrained_rows(
    untrained: list[dict[str, Any]],
    runs: list[dict[str, Any]],
    metrics: set[str],
    rank: Any = None,
) -> dict[str, dict[str, str]]:
    """One reference row per family of ``runs`` that has untrained records of the same dataset
    and overrides: the mean (± std over seeds) of each of ``metrics``. Nothing without them."""
    shown = {_identity(r)[:2] for r in runs}
    datasets = {r.get("dataset") for r in runs}
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for rec in untrained:
        if rec.get("dataset") in datasets and _identity(rec)[:2] in shown:
            groups.setdefault(_identity(rec), []).append(rec)
    order = sorted(groups, key=lambda k: (rank(k[0]) if rank else 0, k))
    rows: dict[str, dict[str, str]] = {}
    for key in order:
        members = groups[key]
        row = {"seeds": str(len({r.get("seed") for r in members}))}
        for metric in sorted(metrics):
            values = [float(r["metrics"][metric]) for r in members if metric in r["metrics"]]
            if values:
                row[metric] = format_cell(*mean_std(values))
        rows[row_label(*key)] = {**row, "published": ""}
    return rows


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample std (NaN for one value, so the cell shows no ±)."""
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, math.nan
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def long_rows(untrained: list[dict[str, Any]], dataset: str) -> list[dict[str, Any]]:
    """The untrained references of ``dataset`` in the long csv's shape (one row per metric)."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for rec in untrained:
        if rec.get("dataset") == dataset:
            groups.setdefault(_identity(rec), []).append(rec)
    out = []
    for (model, overrides, device), members in sorted(groups.items()):
        keys = order_keys({k for r in members for k in r["metrics"]})
        for metric in keys:
            values = [float(r["metrics"][metric]) for r in members if metric in r["metrics"]]
            mean, std = mean_std(values)
            out.append(
                dict(
                    reference=ROW_PREFIX,
                    model=model,
                    dataset=dataset,
                    overrides=overrides,
                    device=device,
                    metric=metric,
                    mean=mean,
                    std=std,
                    n=len(values),
                )
            )
    return out
