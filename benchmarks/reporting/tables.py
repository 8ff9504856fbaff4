"""``python -m benchmarks.tables``: regenerate result tables from the records alone.

Writes ``<out>/tables/<dataset>.md`` and ``.csv`` (one row per model and budget: mean ± std and
a 95% t-interval over seeds for each metric, the number of seeds, and published anchors with their
source), and rewrites the README's results sections between their markers: the MNIST table and,
where the README has its markers, the dSprites one.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.cli import print_written
from benchmarks.records import device_label, has_records, is_external, load_records
from benchmarks.reporting.aggregate import aggregate, format_cell
from benchmarks.reporting.anchors import anchors_for, published_rows
from benchmarks.reporting.untrained_records import load_untrained, long_rows, untrained_rows
from benchmarks.runner.availability import quality_note
from gan_zoo.config import BUDGETS
from gan_zoo.io import atomic_write
from gan_zoo.metrics.registry import (
    UNTRAINED_CLOSE_NOTE,
    chance_level,
    declaration,
    display_name,
    feature_notes,
    headline,
    order_keys,
    undeclared,
    untrained_close,
)

README_START, README_END = "<!-- results:start -->", "<!-- results:end -->"


def model_rank(model: str) -> int:
    """Rows follow the model registry's order (built-in families, then plugins); a model no
    longer registered (a record from an uninstalled plugin) goes last."""
    from gan_zoo.models import available

    order = available()
    return order.index(model) if model in order else len(order)


def label_rank(label: str) -> tuple[int, str]:
    """Sort key for a run label (``infogan (paper) [...]``): by model, then by label."""
    return model_rank(label.split()[0]), label


def readme_section(dataset: str) -> str:
    """The README section (between ``<!-- name:start -->`` and ``<!-- name:end -->``) of a
    dataset: ``results`` for MNIST, ``results-<dataset>`` for every other; written only where
    the README has its markers. Its columns are the registry's headline metrics; every metric is
    in results/tables/<dataset>.md."""
    return "results" if dataset == "mnist" else f"results-{dataset}"


def dataset_title(dataset: str) -> str:
    """The title the dataset's registration gives (its name for one no longer registered)."""
    from gan_zoo.data.registry import find

    entry = find(dataset)
    return dataset if entry is None else entry.title


def run_label(
    model: str, budget: str, overrides: str | dict | None = None, device: str = "cpu"
) -> str:
    """How tables and plots name a group of runs: ``infogan (paper) [lr_g=1e-4]``, with
    ``@ <GPU name>`` for runs not made on the CPU (devices are never averaged together)."""
    name = model if budget == "quick" else f"{model} ({budget})"
    if device != "cpu":
        name += f" @ {device}"
    given = json.loads(overrides) if isinstance(overrides, str) else (overrides or {})
    if not given:
        return name
    return f"{name} [" + ", ".join(f"{k}={v}" for k, v in sorted(given.items())) + "]"


def dataset_tables(
    records: list[dict], dataset: str, intervals: bool = True, untrained: Iterable[dict] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(markdown-ready frame, long csv frame) for one dataset; ``intervals`` adds 95% CIs.

    ``untrained``: records of ``benchmarks.untrained``, shown as reference rows only (never
    aggregated: the long frame is the runs' alone)."""
    agg = aggregate([r for r in records if r.get("dataset") == dataset])
    if agg.empty:
        return pd.DataFrame(), agg
    agg = agg.sort_values(
        by="model",
        key=lambda s: s.map(model_rank),
        kind="stable",
    )
    rows: dict[str, dict[str, str]] = {}
    complete = [
        r
        for r in records
        if r.get("dataset") == dataset and r.get("status") == "complete" and not is_external(r)
    ]
    published = published_rows(dataset)
    for (model, budget, overrides, device), group in agg.groupby(
        ["model", "budget", "overrides", "device"], sort=False
    ):
        seeds = int(group["n"].max())
        row = {"seeds": str(seeds)}
        members = [r for r in complete if _identity(r) == (model, budget, overrides, device)]
        row.update(row_facts(members, steps=bool(published)))
        for _, r in group.iterrows():
            cell = format_cell(r["mean"], r["std"])
            if intervals and not math.isnan(r["ci95"]):
                cell += f" [{r['mean'] - r['ci95']:.3g}, {r['mean'] + r['ci95']:.3g}]"
            if int(r["n"]) < seeds:  # a metric only some seeds have (Inception's: --inception)
                cell += f" (n={int(r['n'])})"
            row[r["metric"]] = cell
        anchors = anchors_for(dataset, model)
        row["published"] = "; ".join(
            f"{display_name(a.metric)} {a.value:g} ({a.source})" for a in anchors
        )
        rows[run_label(model, budget, overrides, device)] = row
    rows.update(reference_rows(complete, set(agg["metric"]), untrained))
    for name, anchors in published.items():
        rows[f"*published: {name}*"] = {
            "seeds": "",
            "steps": "not stated" if anchors[0].steps is None else f"{anchors[0].steps:,}",
            **{a.metric: f"{a.value:g}" for a in anchors},
            "published": anchors[0].source,
        }
    table = pd.DataFrame.from_dict(rows, orient="index").fillna("")
    facts = [c for c in FACT_COLUMNS if c in table.columns]
    metrics = [c for c in agg["metric"].unique() if c in table.columns]
    return table[["seeds", *facts, *metrics, "published"]], agg


#: what a row says besides its scores: the steps it trained, and on dSprites which
#: representation was scored and which factors the model was given as labels
FACT_COLUMNS = ("steps", "scored", "given")


def _identity(record: dict) -> tuple[str, str, str, str]:
    """The (model, budget, overrides, device) a record is aggregated under (see aggregate)."""
    overrides = json.dumps(record.get("overrides") or {}, sort_keys=True)
    return record.get("model"), record.get("budget"), overrides, device_label(record)


def row_facts(records: list[dict], steps: bool) -> dict[str, str]:
    """The fact columns of one row of runs (empty where its records do not say).

    ``given`` marks a model conditioned on a factor: its disentanglement scores leave that
    factor out (``gan_zoo.metrics.dsprites_scoring``), so they are read against fewer factors.
    """
    facts: dict[str, str] = {}
    if steps and records:
        budget = records[0].get("budget")
        count = records[0].get("budget_steps") or (
            BUDGETS[budget].steps if budget in BUDGETS else None
        )
        facts["steps"] = f"{count:,}" if count else ""
    scoring = [(r.get("details") or {}).get("disentanglement") for r in records]
    if scoring and all(scoring):
        facts["scored"] = " / ".join(sorted({s["representation"] for s in scoring}))
        given = sorted({f for s in scoring for f in s.get("given_factors", [])})
        facts["given"] = f"{', '.join(given)} (not scored)" if given else "none"
    return facts


EXTERNAL_TITLE = "External samples"


def external_table(records: list[dict], dataset: str) -> pd.DataFrame:
    """One row per file of external samples (``benchmarks.evaluate``), never averaged: its
    metrics in registry order, its sample count and hash, and the metrics it could not get."""
    rows: dict[str, dict[str, str]] = {}
    chosen = [r for r in records if is_external(r) and r.get("dataset") == dataset]
    for rec in sorted(chosen, key=lambda r: str(r.get("model"))):
        ext = rec["external"]
        row = {"samples": str(ext.get("samples", "")), "sha256": str(ext.get("sha256", ""))[:12]}
        row.update({k: format_cell(v, math.nan) for k, v in (rec.get("metrics") or {}).items()})
        reasons: dict[str, list[str]] = {}
        for metric, why in (rec.get("skipped_metrics") or {}).items():
            reasons.setdefault(why, []).append(metric)
        row["skipped"] = "; ".join(f"{why}: {', '.join(m)}" for why, m in reasons.items())
        rows[str(rec.get("model"))] = row
    if not rows:
        return pd.DataFrame()
    table = pd.DataFrame.from_dict(rows, orient="index").fillna("")
    metrics = order_keys({k for r in chosen for k in (r.get("metrics") or {})})
    return table[["samples", *metrics, "skipped", "sha256"]]


CHANCE_ROW = "*chance: code carries nothing*"
FLOOR_ROW = "*real-data floor: train vs test*"


def reference_rows(
    records: list[dict], metrics: set[str], untrained: Iterable[dict] = ()
) -> dict[str, dict[str, str]]:
    """The levels the metrics are read against, as extra table rows under the models.

    Chance: each metric's own chance level (``Metric.chance``) for the records that have the
    key, the most common value over them. Floor: the real-data scores stored in the records
    (``Metric.floor``, and Inception's for runs made with it; each key the mean over the
    records that store it; records made before floors were stored have none, and with no
    such record the row is left out; one row per judge's machine where the records come from
    several, :func:`judge_machine`). Untrained: what each family of ``records`` scores at step 0
    (``benchmarks.untrained``; mean ± std over its seeds), one row per family that has such
    records, none otherwise.
    """
    out: dict[str, dict[str, str]] = {}
    chance: dict[str, str] = {}
    for key in sorted(metrics):
        levels = [
            level
            for r in records
            if key in (r.get("metrics") or {}) and (level := chance_level(key, r)) is not None
        ]
        if levels:
            chance[key] = f"{_mode(levels):.3g}"
    if chance:
        out[CHANCE_ROW] = {"seeds": "", **chance, "published": ""}
    by_machine: dict[str, list[dict]] = {}
    for r in records:
        if r.get("floors"):
            by_machine.setdefault(judge_machine(r), []).append(r)
    for machine, held in sorted(by_machine.items()):
        floors = [r["floors"] for r in held]
        row = {  # a key over the records that have it (Inception's: runs made with --inception)
            m: f"{sum(vals) / len(vals):.3g}"
            for m in sorted(metrics)
            if (vals := [f[m] for f in floors if m in f])
        }
        label = FLOOR_ROW if len(by_machine) == 1 else floor_row_label(machine, held)
        out[label] = {"seeds": "", **row, "published": ""}
    out.update(untrained_rows(list(untrained), records, metrics, model_rank))
    return out


def judge_machine(record: dict) -> str:
    """The machine whose judge made a record's floors: its CPU model (each CPU trains its own
    judge from one recipe, to other weights), or its GPU. Floors of two judges differ, so they
    are never averaged together."""
    if record.get("gpu") or not record.get("cpu"):
        return device_label(record)
    return str(record["cpu"])


def floor_row_label(machine: str, records: list[dict]) -> str:
    """``*real-data floor: train vs test, on AMD EPYC (gan, cgan)*``: one floor row per
    machine where a table's rows come from several, naming the rows it belongs to."""
    models = sorted({str(r.get("model")) for r in records}, key=lambda m: (model_rank(m), m))
    return f"*{FLOOR_ROW.strip('*')}, on {machine} ({', '.join(models)})*"


def _mode(values: Iterable[Any]) -> Any:
    """The most common value (ties: the smallest), or None for no values."""
    counts: dict[Any, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return min(counts, key=lambda v: (-counts[v], v)) if counts else None


def shown(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its metric columns under the names a reader sees (the registry's
    :func:`display_name`); frames and csv files keep the record keys."""
    return table.rename(columns=display_name)


def names_note(keys: Iterable[str]) -> str:
    """What the names of ``keys`` say about their features, one paragraph (empty for none)."""
    notes = feature_notes(keys)
    return "Names: " + "; ".join(notes) + "." if notes else ""


def untrained_note(keys: Iterable[str]) -> str:
    """Which of ``keys`` an untrained model scores near a trained one (registry flag), one
    paragraph (empty for none)."""
    close = untrained_close(keys)
    if not close:
        return ""
    reasons = "; ".join(f"{display_name(k)}: {declaration(k).untrained_close}" for k in close)
    return f"Untrained ~ trained: {reasons}. {UNTRAINED_CLOSE_NOTE[0].upper()}{UNTRAINED_CLOSE_NOTE[1:]}."


def to_markdown(table: pd.DataFrame, index_name: str = "model") -> str:
    """A GitHub table without needing the tabulate package; the index is the first column."""
    cols = [index_name, *table.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for name, row in table.iterrows():
        lines.append("| " + " | ".join([str(name), *(str(row[c]) for c in table.columns)]) + " |")
    return "\n".join(lines)


def undeclared_keys(records: list[dict]) -> dict[str, list[str]]:
    """Each record key no registered metric declares, with the runs that carry it.

    Such keys still reach the tables (after the declared ones); this is how they are reported.
    """
    found: dict[str, list[str]] = {}
    keys = {k for r in records for k in (r.get("metrics") or {})}
    for key in undeclared(keys):
        found[key] = sorted(
            str(r.get("run_id")) for r in records if key in (r.get("metrics") or {})
        )
    return found


def report_undeclared(records: list[dict]) -> list[str]:
    """One warning line per undeclared key on stderr; returns the lines."""
    lines = []
    for key, runs in undeclared_keys(records).items():
        shown = ", ".join(runs[:3]) + (f" and {len(runs) - 3} more" if len(runs) > 3 else "")
        lines.append(
            f"warning: metric key {key!r} is declared by no registered metric "
            f"(tabulated without a description) in {len(runs)} record(s): {shown}"
        )
    for line in lines:
        print(line, file=sys.stderr)
    return lines


def write_tables(out: Path, readme: Path | None) -> list[Path]:
    records = load_records(out)
    untrained = load_untrained(out)  # reference rows only, never among the records
    report_undeclared(records)
    written = []
    for dataset in sorted({r.get("dataset") for r in records if r.get("dataset")}):
        table, long = dataset_tables(records, dataset, untrained=untrained)
        outside = external_table(records, dataset)
        if table.empty and outside.empty:
            continue
        note = quality_note(dataset) or next(
            (
                r["quality_note"]
                for r in records
                if r.get("dataset") == dataset and "quality_note" in r
            ),
            None,
        )
        md = f"# {dataset}: mean ± std [95% interval] over seeds\n\n" + (
            f"{note}.\n\n" if note else ""
        )
        names = names_note([*table.columns, *outside.columns])
        md += f"{names}\n\n" if names else ""
        close = untrained_note(table.columns)
        md += f"{close}\n\n" if close else ""
        md += (to_markdown(shown(table)) + "\n") if not table.empty else "(no complete runs)\n"
        if not outside.empty:
            md += (
                f"\n## {EXTERNAL_TITLE}\n\nScored by `python -m benchmarks.evaluate` on the same "
                "judge, one row per file, never averaged with the models above.\n\n"
                + to_markdown(shown(outside), "samples of")
                + "\n"
            )
        written.append(
            atomic_write(out / "tables" / f"{dataset}.md", lambda f, t=md: f.write(t), "w")
        )
        written.append(
            atomic_write(
                out / "tables" / f"{dataset}.csv", lambda f, d=long: d.to_csv(f, index=False), "w"
            )
        )
        if not table.empty and (step0 := long_rows(untrained, dataset)):
            written.append(
                atomic_write(
                    out / "tables" / f"{dataset}_untrained.csv",
                    lambda f, d=step0: pd.DataFrame(d).to_csv(f, index=False),
                    "w",
                )
            )
        if not outside.empty:
            written.append(
                atomic_write(
                    out / "tables" / f"{dataset}_external.csv",
                    lambda f, d=outside: d.to_csv(f, index_label="samples of"),
                    "w",
                )
            )
        if not table.empty and readme is not None and readme.exists():
            # the README shows the suite's own settings at one budget; runs with overrides and
            # the other budgets stay in the full table (external samples only there too)
            plain = [
                r
                for r in records
                if not r.get("overrides") and r.get("dataset") == dataset and not is_external(r)
            ]
            budget = headline_budget(plain)
            beside = longer_budgets(plain, budget)  # longer looks beside the headline's rows
            compact, _ = dataset_tables(
                [r for r in plain if r.get("budget") in (budget, *beside)],
                dataset,
                intervals=False,
                untrained=untrained,
            )
            section = readme_section(dataset)
            columns = ["seeds", *FACT_COLUMNS, *headline(dataset), "published"]
            update_readme(
                readme,
                compact[[c for c in columns if c in compact.columns]],
                dataset,
                section,
                budget,
                beside,
            )
    return written


def longer_budgets(records: list[dict], budget: str) -> list[str]:
    """The longer looks at a dataset that complete runs of ``records`` reached, shortest first:
    budgets made for named datasets only (``dsprites_long``, ``anchor``) and longer than
    ``budget`` stand beside the headline even before every model has one, so a reader sees
    where the comparison is heading. A general budget (``paper``) is not a longer look: one
    model there is no comparison, and it stays in the full table."""
    if budget not in BUDGETS:
        return []
    done = {r.get("budget") for r in records if r.get("status") == "complete"}
    return sorted(
        (
            b
            for b in done
            if b in BUDGETS and BUDGETS[b].datasets and BUDGETS[b].steps > BUDGETS[budget].steps
        ),
        key=lambda b: BUDGETS[b].steps,
    )


def headline_budget(records: list[dict]) -> str:
    """The budget a dataset's README table shows: the longest at which every model of the
    records has a complete run, so the headline compares models, not budgets; without one such
    budget, the one most models share (the longer on a tie)."""
    order = list(BUDGETS)
    done = [r for r in records if r.get("status") == "complete" and r.get("budget") in order]
    models = {r["model"] for r in done}
    covered = {b: {r["model"] for r in done if r["budget"] == b} for b in order}
    full = [b for b in order if models and covered[b] == models]
    if full:
        return full[-1]
    return max(reversed(order), key=lambda b: (len(covered[b]), order.index(b)))


def replace_section(readme: Path, name: str, body: str) -> bool:
    """Rewrite the README text between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = readme.read_text()
    if start not in text or end not in text:
        return False
    text = re.sub(
        re.escape(start) + ".*?" + re.escape(end),
        lambda _: f"{start}\n{body}\n{end}",
        text,
        flags=re.S,
    )
    atomic_write(readme, lambda f: f.write(text), "w")
    return True


def update_readme(
    readme: Path,
    table: pd.DataFrame,
    dataset: str,
    section: str,
    budget: str,
    beside: Iterable[str] = (),
) -> bool:
    """Write ``table`` (runs at ``budget``, and at the longer budgets ``beside`` it) into the
    README section ``section``; False if the README lacks it."""
    steps = BUDGETS[budget].steps if budget in BUDGETS else None
    updates = f", {steps:,} updates" if steps else ""
    longer = [f"`{b}` ({BUDGETS[b].steps:,} updates)" for b in beside if b in BUDGETS]
    if longer:
        updates += ", beside the runs at " + ", ".join(longer) + " made so far"
    return replace_section(
        readme,
        section,
        f"{dataset_title(dataset)}, generated by `python -m benchmarks.tables` from "
        "`results/records/` (mean ± std over seeds; every metric with 95% intervals in "
        f"`results/tables/{dataset}.md`, figures in `results/figures/`). Rows were made on the "
        "CPU unless they name a GPU (`@ ...`); seeds from different devices are never "
        f"averaged together. Every model at the `{budget}` budget{updates} (the other budgets "
        "and the runs with `--set` overrides are in the full table):\n\n"
        + to_markdown(shown(table))
        + (f"\n\n{names}" if (names := names_note(table.columns)) else "")
        + (f"\n\n{close}" if (close := untrained_note(table.columns)) else ""),
    )


CHECKOUT = Path(__file__).resolve().parents[2]


def default_readme(out: Path) -> Path | None:
    """The checkout's README when ``out`` is the checkout's own ``results/``, else None: tables
    regenerated for a scratch folder must never edit the README of the code that made them."""
    if Path(out).resolve() == (CHECKOUT / "results").resolve():
        return CHECKOUT / "README.md"
    return None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.tables", description=__doc__.splitlines()[0]
    )
    p.add_argument("--out", type=Path, default=Path("results"))
    p.add_argument(
        "--readme",
        default=None,
        help="README whose results sections to rewrite (default: the checkout's README.md, "
        "and only when --out is the checkout's own results/; '' never)",
    )
    args = p.parse_args(argv)
    if not has_records(args.out):
        return 2
    readme = default_readme(args.out) if args.readme is None else args.readme or None
    return print_written(lambda: write_tables(args.out, Path(readme) if readme else None))


if __name__ == "__main__":
    sys.exit(main())
