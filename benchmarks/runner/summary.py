"""The table the runner prints when it finishes: models as rows, key metrics as columns."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from benchmarks.reporting.aggregate import aggregate, format_cell
from benchmarks.reporting.convergence import (
    METRIC,
    NOT_CONVERGED,
    STEEP_GAIN_PER_DECADE,
    is_not_converged,
)
from gan_zoo.metrics.registry import display_name, feature_notes, headline_any

#: the records folder every command reads when it is given no ``--out``
DEFAULT_OUT = Path("results")


def report_hint(out: Path = DEFAULT_OUT) -> str:
    """The command that builds the report of ``out``'s records, and the page to open: with
    ``--out`` where it is not the default, and the run folders' ``GAN_ZOO_RUNS`` where it is
    set (the report's samples and curves are read from there)."""
    out = Path(out)
    command = "python -m benchmarks.report"
    if out != DEFAULT_OUT:
        command += f" --out {shlex.quote(str(out))}"
    runs = os.environ.get("GAN_ZOO_RUNS")
    if runs:
        command = f"GAN_ZOO_RUNS={shlex.quote(runs)} {command}"
    return (
        f"Every run's samples, curves and pairwise comparisons: {command} "
        f"(then open {out / 'report' / 'index.html'})"
    )


def summary_table(records: list[dict], out: Path = DEFAULT_OUT) -> str:
    """The headline metrics of the records' datasets (the registry's), one row per model; a row
    whose learning curves still rise steeply at their end is marked "not converged". Its last
    line says how to see the report of ``out``, the folder the records are in."""
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
    notes = feature_notes(table.columns)
    table = table.rename(columns=display_name)
    table.insert(0, "seeds", seeds.reindex(table.index))
    complete = [r for r in records if r.get("status") == "complete"]
    rising = [m for m in table.index if is_not_converged(r for r in complete if r["model"] == m)]
    lines = [table.fillna("").to_string()]
    if rising:
        table.insert(0, "", ["" for _ in table.index])
        table.loc[rising, ""] = NOT_CONVERGED
        lines = [
            table.fillna("").to_string(),
            f"\n{NOT_CONVERGED}: {', '.join(rising)}: its {display_name(METRIC)} still rises "
            f"more than {STEEP_GAIN_PER_DECADE} per decade of steps at the curve's last point "
            "(mean over seeds), so the row is the model part way, not its standing.",
        ]
    lines += [f"names: {note}" for note in notes]
    lines.append(report_hint(out))
    return "\n".join(lines)
