"""Mean, std and a 95% t-interval over seeds, per model and metric: the one aggregation."""

from __future__ import annotations

import math

import pandas as pd
from scipy import stats

from benchmarks.records import records_frame
from gan_zoo.metrics.registry import order_keys

#: what makes runs the same experiment; seeds are averaged within it, never across it
ID_COLUMNS = ("model", "dataset", "budget", "overrides", "device")


def aggregate(records: list[dict]) -> pd.DataFrame:
    """Long format: one row per (model, dataset, budget, overrides, device, metric) over
    complete runs.

    Every key of the records is aggregated, declared ones in registry order, undeclared ones
    last (``benchmarks.tables`` reports those).
    """
    frame = records_frame([r for r in records if r.get("status") == "complete"])
    if frame.empty:
        return pd.DataFrame(columns=[*ID_COLUMNS, "metric", "mean", "std", "ci95", "n"])
    metrics = order_keys({k for r in records for k in (r.get("metrics") or {})})
    metrics = [m for m in metrics if m in frame.columns]
    rows = []
    for key, group in frame.groupby(list(ID_COLUMNS), sort=False):
        for metric in metrics:
            values = group[metric].dropna().astype(float)
            n = len(values)
            if not n:
                continue
            std = float(values.std(ddof=1)) if n > 1 else float("nan")
            ci = float(stats.t.ppf(0.975, n - 1) * std / math.sqrt(n)) if n > 1 else float("nan")
            rows.append(
                dict(
                    zip(ID_COLUMNS, key, strict=True),
                    metric=metric,
                    mean=float(values.mean()),
                    std=std,
                    ci95=ci,
                    n=n,
                )
            )
    return pd.DataFrame(rows)


def format_cell(mean: float, std: float, digits: int = 3) -> str:
    if math.isnan(std):
        return f"{mean:.{digits}g}"
    return f"{mean:.{digits}g} ± {0.0 if std < 1e-9 else std:.2g}"
