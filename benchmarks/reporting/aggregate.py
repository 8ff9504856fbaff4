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
    last (``benchmarks.reporting.tables`` reports those).
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


def difference_interval(a: list[float], b: list[float]) -> tuple[float, float, float]:
    """Mean of ``a`` minus mean of ``b`` with a 95% Welch t-interval over their seeds.

    Welch, not a pooled t: two models' seeds need not spread alike. The interval is NaN when
    either side has fewer than two seeds or both have no spread (nothing to read it from).
    """
    na, nb = len(a), len(b)
    if not na or not nb:
        raise ValueError("both sides need at least one seed")
    diff = sum(a) / na - sum(b) / nb
    if na < 2 or nb < 2:
        return diff, float("nan"), float("nan")
    va = float(pd.Series(a, dtype=float).var(ddof=1)) / na
    vb = float(pd.Series(b, dtype=float).var(ddof=1)) / nb
    if va + vb == 0:
        return diff, float("nan"), float("nan")
    df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    half = float(stats.t.ppf(0.975, df) * math.sqrt(va + vb))
    return diff, diff - half, diff + half
