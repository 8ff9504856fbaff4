"""Build the report's pages from the records (and run folders, where they are here).

Numbers come from the suite's one implementation of each idea: ``aggregate`` for mean, std and
95% intervals, ``difference_interval`` for pairwise comparisons, ``reference_rows`` for the
chance, floor and untrained (step 0) rows, ``anchors_for`` for published figures,
``headline_budget`` and ``run_label`` for which rows a headline shows and how they are named,
``convergence`` for the "not converged" mark. This module only arranges them into pages.
"""

from __future__ import annotations

import itertools
import json
import math
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from benchmarks.records import device_label, is_external, load_records
from benchmarks.reporting.aggregate import ID_COLUMNS, aggregate, difference_interval, format_cell
from benchmarks.reporting.anchors import Anchor, anchors_for
from benchmarks.reporting.convergence import METRIC as CONVERGENCE_METRIC
from benchmarks.reporting.convergence import NOT_CONVERGED, STEEP_GAIN_PER_DECADE, is_not_converged
from benchmarks.reporting.plots import curve_frame, watched_logs
from benchmarks.reporting.report.charts import Series, line_chart
from benchmarks.reporting.tables import (
    CHANCE_ROW,
    FLOOR_ROW,
    dataset_title,
    headline_budget,
    label_rank,
    model_rank,
    reference_rows,
    run_label,
)
from benchmarks.reporting.untrained_records import load_untrained
from benchmarks.runner.execute import runs_root
from gan_zoo.config import BUDGETS
from gan_zoo.io import atomic_write
from gan_zoo.metrics.registry import declaration, display_name, feature_notes, headline

#: per-dataset figures ``benchmarks.reporting.plots`` writes under ``<out>/figures``, with their captions
FIGURES = (
    ("curves_images", "Learning curves against images seen (line: mean, band: sd over seeds)"),
    ("curves_seconds", "Learning curves against training seconds"),
    ("metrics", "Every run's headline metrics: bars are means, points are seeds"),
    ("training", "Losses and the information bound over steps, one line per seed"),
    ("gallery", "Gallery: each model's sample grid and first traversals (lowest seed)"),
)
RUN_IMAGES = ("samples.png", "traversal_*.png")


@dataclass
class Cell:
    mean: float
    std: float
    ci95: float
    n: int

    @property
    def text(self) -> str:
        return format_cell(self.mean, self.std)

    @property
    def interval(self) -> str:
        if math.isnan(self.ci95):
            return f"one seed: no interval (n = {self.n})"
        return (
            f"95% interval [{self.mean - self.ci95:.3g}, {self.mean + self.ci95:.3g}], n = {self.n}"
        )


@dataclass
class Row:
    label: str
    model: str
    budget: str
    overrides: str
    device: str
    cells: dict[str, Cell]
    records: list[dict[str, Any]]
    anchors: list[Anchor]
    not_converged: bool

    @property
    def seeds(self) -> int:
        return max((c.n for c in self.cells.values()), default=0)


@dataclass
class Table:
    metrics: list[str]
    rows: list[Row]
    references: list[tuple[str, dict[str, str]]] = field(default_factory=list)


def page_name(*parts: str) -> str:
    """A file name from a dataset, model or run id (ids are already file-safe)."""
    return "__".join(parts) + ".html"


def group_key(record: dict[str, Any]) -> tuple[str, str, str, str, str]:
    """The identity of a table row, as ``aggregate`` groups it (ID_COLUMNS)."""
    values = {
        "model": record.get("model"),
        "dataset": record.get("dataset"),
        "budget": record.get("budget"),
        "overrides": json.dumps(record.get("overrides") or {}, sort_keys=True),
        "device": device_label(record),
    }
    return tuple(str(values[c]) for c in ID_COLUMNS)  # type: ignore[return-value]


def build_table(
    records: list[dict[str, Any]],
    dataset: str,
    metrics: list[str] | None,
    untrained: Iterable[dict[str, Any]] = (),
) -> Table:
    """Rows (model, budget, overrides, device) of one dataset's complete runs, with the chance,
    floor and (from ``untrained`` records, where there are any) untrained (step 0) rows;
    ``metrics`` picks columns (None: every metric, in registry order)."""
    mine = [r for r in records if r.get("dataset") == dataset]
    agg = aggregate(mine)
    if agg.empty:
        return Table([], [])
    columns = metrics if metrics is not None else list(dict.fromkeys(agg["metric"]))
    columns = [m for m in columns if m in set(agg["metric"])]
    complete = [r for r in mine if r.get("status") == "complete"]
    by_key: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for rec in complete:
        by_key.setdefault(group_key(rec), []).append(rec)
    rows = []
    for key, group in agg.groupby(list(ID_COLUMNS), sort=False):
        ident = dict(zip(ID_COLUMNS, key, strict=True))
        cells = {
            r["metric"]: Cell(r["mean"], r["std"], r["ci95"], int(r["n"]))
            for _, r in group.iterrows()
            if r["metric"] in columns
        }
        runs = sorted(by_key.get(tuple(str(v) for v in key), []), key=lambda r: r["seed"])
        rows.append(
            Row(
                run_label(ident["model"], ident["budget"], ident["overrides"], ident["device"]),
                ident["model"],
                ident["budget"],
                ident["overrides"],
                ident["device"],
                cells,
                runs,
                anchors_for(dataset, ident["model"]),
                is_not_converged(runs),
            )
        )
    rows.sort(key=lambda row: label_rank(row.label))
    refs = reference_rows(complete, set(columns), untrained)
    names = {
        CHANCE_ROW: "chance: code carries nothing",
        FLOOR_ROW: "judge floor: real train vs test",
    }
    references = [(names.get(k, k.strip("*")), v) for k, v in refs.items()]
    return Table(columns, rows, references)


def headline_records(records: list[dict[str, Any]], dataset: str) -> tuple[str, list[dict]]:
    """The README's choice: the suite's own settings at the dataset's headline budget."""
    plain = [r for r in records if r.get("dataset") == dataset and not r.get("overrides")]
    budget = headline_budget(plain)
    return budget, [r for r in plain if r.get("budget") == budget]


@dataclass
class Comparison:
    a: str
    b: str
    cells: dict[str, tuple[str, str, str]]  # metric -> (text, tooltip, verdict css class)


def compare_rows(table: Table) -> list[Comparison]:
    """Each pair of rows (same device), each metric: mean A - mean B, 95% Welch interval over
    seeds; the verdict says which is better where the interval excludes 0."""
    out = []
    for ra, rb in itertools.combinations(table.rows, 2):
        if ra.device != rb.device:
            continue  # never across devices, as the tables never average across them
        cells = {}
        for metric in table.metrics:
            a = [float(r["metrics"][metric]) for r in ra.records if metric in r["metrics"]]
            b = [float(r["metrics"][metric]) for r in rb.records if metric in r["metrics"]]
            if not a or not b:
                continue
            diff, lo, hi = difference_interval(a, b)
            key = declaration(metric)
            direction = key.direction if key is not None else "none"
            if math.isnan(lo):
                verdict, why = "unknown", "too few seeds for an interval"
            elif lo > 0 or hi < 0:
                a_better = (lo > 0) == (direction == "higher")
                if direction == "none":
                    verdict, why = "differ", "the interval excludes 0"
                else:
                    winner = ra.label if a_better else rb.label
                    verdict, why = ("a" if a_better else "b"), f"{winner} is better (95%)"
            else:
                verdict, why = "tie", "the interval includes 0: no difference shown"
            text = f"{diff:+.3g}" + ("" if math.isnan(lo) else f" [{lo:.3g}, {hi:.3g}]")
            tip = (
                f"{display_name(metric)}: {ra.label} − {rb.label} over {len(a)} and {len(b)} "
                f"seeds; {why}"
            )
            cells[metric] = (text, tip, verdict)
        out.append(Comparison(ra.label, rb.label, cells))
    return out


def curve_charts(records: list[dict[str, Any]], dataset: str, by_seed: bool) -> list[Any]:
    """One SVG chart per curve metric: a line per row (mean over seeds) or per run."""
    frame = curve_frame(records, dataset)
    if frame.empty:
        return []
    keys = ["model", "seed"] if by_seed else ["model"]
    charts = []
    wanted = headline(dataset) or list(dict.fromkeys(frame["metric"]))
    for metric in [m for m in wanted if m in set(frame["metric"])]:
        sub = frame[frame.metric == metric].groupby([*keys, "step"], sort=False)["value"].mean()
        series = []
        for key, part in sub.groupby(level=list(range(len(keys))), sort=False):
            key = key if isinstance(key, tuple) else (key,)
            label = key[0] + (f" seed {key[1]}" if by_seed else "")
            steps = part.index.get_level_values("step")
            series.append(Series(label, tuple(map(float, steps)), tuple(map(float, part.values))))
        series.sort(key=lambda s: label_rank(s.label))
        charts.append(line_chart(series, display_name(metric), logx=True))
    return charts


def budget_charts(records: list[dict[str, Any]], dataset: str) -> list[Any]:
    """Each headline metric against the budget's steps: a line per model (suite's settings)."""
    plain = [
        r
        for r in records
        if r.get("dataset") == dataset and not r.get("overrides") and r.get("budget") in BUDGETS
    ]
    agg = aggregate(plain)
    if agg.empty or agg["budget"].nunique() < 2:
        return []
    charts = []
    for metric in [m for m in headline(dataset) if m in set(agg["metric"])]:
        sub = agg[agg.metric == metric]
        series = []
        for (model, device), part in sub.groupby(["model", "device"], sort=False):
            part = part.assign(steps=[BUDGETS[b].steps for b in part["budget"]]).sort_values(
                "steps"
            )
            name = model if device == "cpu" else f"{model} @ {device}"
            series.append(Series(name, tuple(map(float, part["steps"])), tuple(part["mean"])))
        series.sort(key=lambda s: model_rank(s.label.split()[0]))
        charts.append(line_chart(series, display_name(metric), logx=True, x_label="budget steps"))
    return charts


def history_charts(record: dict[str, Any]) -> list[Any]:
    """The run's loss history, one small chart per logged quantity (the figures' first)."""
    rows = record.get("history") or []
    keys = list(dict.fromkeys(k for row in rows for k in row if k != "step"))
    first = watched_logs(record)  # the losses, then what the model shows
    keys = [k for k in first if k in keys] + [k for k in keys if k not in first]
    charts = []
    for key in keys:
        pts = [(float(r["step"]), float(r[key])) for r in rows if key in r and r[key] is not None]
        xs, ys = zip(*pts, strict=True) if pts else ((), ())
        charts.append(line_chart([Series(key, tuple(xs), tuple(ys))], key))
    return charts


def copy_run_images(out: Path, site: Path, run_id: str) -> list[str] | None:
    """Copy the run folder's sample grid and traversals into the site (which then stands
    alone); None when the run folder is not here (a fresh clone has only records)."""
    folder = runs_root(out) / run_id
    if not folder.is_dir():
        return None
    found = [p for pattern in RUN_IMAGES for p in sorted(folder.glob(pattern))]
    target = site / "img" / run_id
    names = []
    for src in found:
        target.mkdir(parents=True, exist_ok=True)
        copy_file(src, target / src.name)
        names.append(f"img/{run_id}/{src.name}")
    return names


def copy_file(src: Path, dst: Path) -> Path:
    """Copy through the one write place (a full disk is one line naming the file)."""
    data = src.read_bytes()
    return atomic_write(dst, lambda f: f.write(data))


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("benchmarks.reporting.report", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        page_name=page_name,
        title_of=dataset_title,
        NOT_CONVERGED=NOT_CONVERGED,
        STEEP=STEEP_GAIN_PER_DECADE,
        CONVERGENCE_METRIC=CONVERGENCE_METRIC,
        shown=display_name,
        notes=feature_notes,
        describe=describe,
        direction=lambda m: k.direction if (k := declaration(m)) is not None else "none",
    )
    return env


def describe(key: str) -> str:
    """A header's tooltip: the key's record name, its description and its features' note."""
    decl = declaration(key)
    if decl is None:
        return key
    return "; ".join([f"{key}: {decl.description}", *feature_notes([key])])


def _datasets(records: Iterable[dict[str, Any]]) -> list[str]:
    """The records' datasets in the registry's order (MNIST leads), then any others."""
    from gan_zoo.data import available

    order = available()
    found = {str(r["dataset"]) for r in records if r.get("dataset")}
    return sorted(found, key=lambda d: (order.index(d) if d in order else len(order), d))


def build_site(out: Path) -> list[Path]:
    """Write ``<out>/report/``; returns the pages written."""
    out = Path(out)
    records = load_records(out)
    untrained = load_untrained(out)  # reference rows only: no run page, never aggregated
    site = out / "report"
    if site.exists():
        shutil.rmtree(site)  # a page for a record deleted since must not linger
    (site / "img").mkdir(parents=True)
    env = environment()
    written: list[Path] = []

    def render(template: str, path: str, **context: Any) -> None:
        depth = path.count("/")
        html = env.get_template(template).render(root="../" * depth, **context)
        written.append(atomic_write(site / path, lambda f: f.write(html), "w"))

    copy_file(Path(__file__).with_name("static") / "report.css", site / "report.css")
    images = {r["run_id"]: copy_run_images(out, site, r["run_id"]) for r in records}
    runs_here = any(v is not None for v in images.values())
    datasets = _datasets(records)
    overview = []
    for dataset in datasets:
        budget, chosen = headline_records(records, dataset)
        head = build_table(chosen, dataset, headline(dataset) or None, untrained)
        full = build_table(records, dataset, None, untrained)
        figures = [
            (f"figures/{dataset}_{name}.png", caption)
            for name, caption in FIGURES
            if (out / "figures" / f"{dataset}_{name}.png").exists()
        ]
        models = sorted(  # external samples (benchmarks.evaluate) are no model: run pages only
            {r["model"] for r in records if r.get("dataset") == dataset and not is_external(r)},
            key=model_rank,
        )
        gallery = []
        for model in models:
            done = sorted(
                (r for r in records if r.get("dataset") == dataset and r["model"] == model),
                key=lambda r: (r.get("budget") != budget, bool(r.get("overrides")), r["seed"]),
            )
            shots = next(((r, images[r["run_id"]]) for r in done if images[r["run_id"]]), None)
            gallery.append((model, shots))
        context = dict(
            dataset=dataset,
            budget=budget,
            steps=BUDGETS[budget].steps if budget in BUDGETS else None,
            head=head,
            full=full,
            figures=figures,
            models=models,
            gallery=gallery,
            runs_here=runs_here,
        )
        overview.append(context)
        render(
            "dataset.html",
            f"datasets/{page_name(dataset)}",
            curves=curve_charts(records, dataset, by_seed=False),
            budgets=budget_charts(records, dataset),
            **context,
        )
        render(
            "compare.html",
            f"compare/{page_name(dataset)}",
            comparisons=compare_rows(head),
            **context,
        )
        for model in models:
            mine = [r for r in records if r.get("dataset") == dataset and r["model"] == model]
            table = build_table(mine, dataset, headline(dataset) or None, untrained)
            render(
                "model.html",
                f"models/{page_name(dataset, model)}",
                dataset=dataset,
                model=model,
                table=table,
                runs=sorted(mine, key=lambda r: (label_rank(run_label_of(r)), r["seed"])),
                images=images,
                curves=curve_charts(mine, dataset, by_seed=True),
                anchors=anchors_for(dataset, model),
                run_label_of=run_label_of,
            )
    for rec in records:
        metrics = rec.get("metrics") or {}
        render(
            "run.html",
            f"runs/{page_name(rec['run_id'])}",
            rec=rec,
            label=run_label_of(rec),
            metrics=metrics,
            history=history_charts(rec),
            curve=rec.get("curve") or [],
            curve_keys=curve_columns(rec.get("curve") or []),
            images=images[rec["run_id"]],
            record_link=f"records/{rec['run_id']}.json",
        )
    render("index.html", "index.html", overview=overview, runs_here=runs_here, n=len(records))
    return written


def run_label_of(record: dict[str, Any]) -> str:
    return run_label(
        record.get("model", "?"),
        record.get("budget", "?"),
        record.get("overrides"),
        device_label(record),
    )


def curve_columns(curve: list[dict[str, Any]]) -> list[str]:
    """The curve table's columns: position first, then the declared metrics (no _std keys)."""
    keys = list(dict.fromkeys(k for row in curve for k in row))
    first = [k for k in ("step", "images_seen", "train_seconds") if k in keys]
    rest = [k for k in keys if k not in first and not k.endswith("_std") and declaration(k)]
    return first + rest
