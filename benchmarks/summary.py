"""The table the runner prints when it finishes: models as rows, key metrics as columns."""

from __future__ import annotations

from benchmarks.aggregate import aggregate, format_cell

KEY_METRICS = (
    "fid",
    "precision",
    "recall",
    "li_bound_c1",
    "code_acc_c1",
    "code_mi_c1",
    "label_acc",
    "posthoc_mi",
    "mig",
    "factorvae",
    "dci_disentanglement",
)


def summary_table(records: list[dict]) -> str:
    agg = aggregate(records)
    if agg.empty:
        return "(no complete runs to summarise)"
    agg = agg[agg.metric.isin(KEY_METRICS)]
    seeds = agg.groupby("model", sort=False)["n"].max()
    wide = agg.assign(
        cell=[format_cell(m, s) for m, s in zip(agg["mean"], agg["std"], strict=True)]
    )
    table = wide.pivot_table(
        index="model", columns="metric", values="cell", aggfunc="first", sort=False
    )
    table = table[[m for m in KEY_METRICS if m in table.columns]]
    table.insert(0, "seeds", seeds.reindex(table.index))
    return table.fillna("").to_string()
