"""Does one model separate from another? Two models' seeds compared metric by metric, per budget.

The question InfoGAN asks of its no-information baseline (``infogan_noinfo``: the same nets and
losses without the information term): does the term buy disentanglement? Each cell is a mean
with its 95% t-interval over seeds; the difference carries a 95% Welch interval and Welch's p
(two models' seeds need not spread alike). The provenance (seeds, threads, training seconds,
CPU, commits) is read from the records, never typed, so the README's text cannot drift from
them. ``python -m benchmarks.finding`` prints the table and rewrites the README block
``<!-- finding-<dataset>:start -->`` ... ``<!-- finding-<dataset>:end -->``.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pandas as pd
from scipy import stats

from benchmarks.records import is_external, load_records
from benchmarks.reporting.aggregate import difference_interval
from benchmarks.reporting.tables import default_readme, replace_section, to_markdown
from gan_zoo.metrics.registry import display_name

#: the disentanglement scores of the anchor papers (InfoGAN-CR's Table 3), in their order
DISENTANGLEMENT = ("mig", "sap", "dci_disentanglement", "factorvae")


def seeds_of(records: list[dict], model: str, budget: str, dataset: str) -> list[dict]:
    """The complete runs of one model at one budget on one dataset, run alone, defaults only."""
    return [
        r
        for r in records
        if r.get("status") == "complete"
        and not is_external(r)
        and (r.get("model"), r.get("budget"), r.get("dataset")) == (model, budget, dataset)
        and not r.get("overrides")
        and r.get("fused", 1) == 1
    ]


def mean_interval(values: list[float]) -> str:
    """``mean [low, high] (n)``: the 95% t-interval over seeds, or the mean alone for one."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return f"{mean:.3f} (n=1)"
    half = stats.t.ppf(0.975, n - 1) * pd.Series(values).std(ddof=1) / math.sqrt(n)
    return f"{mean:.3f} [{mean - half:.3f}, {mean + half:.3f}] (n={n})"


def welch_p(a: list[float], b: list[float]) -> float:
    """Welch's two-sided p, NaN where a side has under two seeds or neither spreads."""
    if len(a) < 2 or len(b) < 2 or (pd.Series(a).std() == 0 and pd.Series(b).std() == 0):
        return math.nan
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def comparison(
    records: list[dict],
    dataset: str,
    budget: str,
    first: str,
    second: str,
    metrics: tuple[str, ...] = DISENTANGLEMENT,
) -> pd.DataFrame:
    """One row per metric: each model's mean and interval, the difference's Welch interval, p."""
    a_runs, b_runs = (seeds_of(records, m, budget, dataset) for m in (first, second))
    rows = []
    for metric in metrics:
        a = [float(r["metrics"][metric]) for r in a_runs if metric in r.get("metrics", {})]
        b = [float(r["metrics"][metric]) for r in b_runs if metric in r.get("metrics", {})]
        if not a or not b:
            continue
        diff, low, high = difference_interval(a, b)
        p = welch_p(a, b)
        rows.append(
            {
                "metric": display_name(metric),
                first: mean_interval(a),
                second: mean_interval(b),
                f"{first} - {second}": f"{diff:+.3f}"
                + ("" if math.isnan(low) else f" [{low:+.3f}, {high:+.3f}]"),
                "Welch p": "" if math.isnan(p) else f"{p:.2f}",
            }
        )
    return pd.DataFrame(rows)


def provenance(records: list[dict], dataset: str, budget: str, models: list[str]) -> str:
    """Seeds, threads, training seconds, CPU and commits of the runs compared, from the records."""
    parts = []
    for model in models:
        runs = seeds_of(records, model, budget, dataset)
        if not runs:
            parts.append(f"{model}: no complete run")
            continue
        seeds = ", ".join(str(r["seed"]) for r in sorted(runs, key=lambda r: r["seed"]))
        threads = sorted({str(r.get("threads", "?")) for r in runs})
        seconds = [float(r["train_seconds"]) for r in runs if r.get("train_seconds")]
        low, high = (f"{min(seconds):,.0f}", f"{max(seconds):,.0f}") if seconds else ("?", "?")
        span = f"{low} s" if low == high else f"{low}-{high} s"
        parts.append(
            f"{model}: seeds {seeds} ({'/'.join(threads)} threads, {span} of training each)"
        )
    runs = [r for m in models for r in seeds_of(records, m, budget, dataset)]
    cpus = sorted({r.get("cpu") or r.get("device", "?") for r in runs})
    commits = sorted({str(r.get("commit", "?"))[:7] for r in runs})
    where = f" on {', '.join(cpus)} at commit {', '.join(commits)}" if runs else ""
    return "; ".join(parts) + where + "."


def finding_markdown(
    records: list[dict], dataset: str, budgets: list[str], first: str, second: str
) -> str:
    """The README block: per budget, the provenance line and the comparison table."""
    blocks = []
    for budget in budgets:
        table = comparison(records, dataset, budget, first, second)
        head = f"**{dataset}, budget `{budget}`.** " + provenance(
            records, dataset, budget, [first, second]
        )
        body = (
            to_markdown(table.set_index("metric"), "metric")
            if not table.empty
            else "(no complete runs of both)"
        )
        blocks.append(f"{head}\n\n{body}")
    note = (
        "Means with 95% t-intervals over seeds; the difference with a 95% Welch interval and "
        "Welch's two-sided p (`python -m benchmarks.finding`)."
    )
    return "\n\n".join([*blocks, note])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.finding",
        description="Compare two models' seeds metric by metric (means, Welch intervals, p).",
    )
    p.add_argument("--dataset", default="dsprites")
    p.add_argument("--budgets", default="dsprites,dsprites_long")
    p.add_argument("--models", default="infogan,infogan_noinfo", help="two models: A,B")
    p.add_argument("--out", type=Path, default=Path("results"), help="the records' folder")
    p.add_argument("--no-readme", action="store_true", help="print only")
    args = p.parse_args(argv)
    models = [m for m in args.models.split(",") if m]
    if len(models) != 2:
        print(f"error: --models takes two models, got {args.models!r}", file=sys.stderr)
        return 2
    records = load_records(args.out)
    text = finding_markdown(
        records, args.dataset, [b for b in args.budgets.split(",") if b], *models
    )
    print(text)
    readme = None if args.no_readme else default_readme(args.out)
    if readme is not None and replace_section(readme, f"finding-{args.dataset}", text):
        print(f"wrote the finding-{args.dataset} block of {readme}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
