"""The table the runner prints when it finishes: models as rows, key metrics as columns."""

from __future__ import annotations

from benchmarks.aggregate import aggregate, format_cell
from gan_zoo.metrics.registry import headline_any


def summary_table(records: list[dict]) -> str:
    """The headline metrics of the records' datasets (the registry's), one row per model."""
    agg = aggregate(records)
    if agg.empty:
        return "(no complete runs to summarise)"
    key_metrics = headline_any({r.get("dataset") for r in records})
    agg = agg[agg.metric.isin(key_metrics)]
    seeds = agg.groupby("model", sort=False)["n"].max()
    wide = agg.assign(
        cell=[format_cell(m, s) for m, s in zip(agg["mean"], agg["std"], strict=True)]
    )
    table = wide.pivot_table(
        index="model", columns="metric", values="cell", aggfunc="first", sort=False
    )
    table = table[[m for m in key_metrics if m in table.columns]]
    table.insert(0, "seeds", seeds.reindex(table.index))
    return table.fillna("").to_string()
