"""Build the report's pages from the records (and run folders, where they are here).

Numbers come from the suite's one implementation of each idea: ``aggregate`` for mean, std and
95% intervals, ``difference_interval`` for pairwise comparisons, ``reference_rows`` for the
chance, floor and untrained (step 0) rows, ``anchors_for`` for published figures,
``headline_budget`` and ``row_label`` for which rows a headline shows and how they are named,
``convergence`` for the "not converged" mark, ``model_colour`` and ``line_styles`` for a line's
look (the figures' own, so a model has one colour everywhere), ``gallery_rows`` for the rows of
a committed gallery figure a model's pages show where its run folders are absent. This module
only arranges them into pages.
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
from benchmarks.reporting.plots import (
    curve_frame,
    gallery_rows,
    line_styles,
    model_colour,
    record_label,
    row_label,
    watched_logs,
)
from benchmarks.reporting.report.charts import Series, line_chart
from benchmarks.reporting.tables import (
    CHANCE_ROW,
    FLOOR_ROW,
    dataset_title,
    headline_budget,
    label_rank,
    model_rank,
    reference_rows,
)
from benchmarks.reporting.untrained_records import load_untrained
from benchmarks.runner.execute import runs_root
from gan_zoo.config import BUDGETS
from gan_zoo.data.registry import find
from gan_zoo.io import atomic_write
from gan_zoo.metrics.registry import (
    declaration,
    display_name,
    feature_notes,
    headline,
    headline_any,
)

#: per-dataset figures ``benchmarks.reporting.plots`` writes under ``<out>/figures``, with their
#: captions (its gallery figure shows under Galleries, where run folders are absent)
FIGURES = (
    (
        "curves_images",
        "Learning curves against images seen (thin lines: each seed; thick: mean over seeds)",
    ),
    ("curves_seconds", "Learning curves against training seconds"),
    ("metrics", "Every run's headline metrics: bars are means, points are seeds"),
    ("training", "Losses and the information bound over steps, one line per seed"),
)
RUN_IMAGES = ("samples.png", "traversal_*.png")
#: learning-curve charts on the index, per dataset (its page has them all)
INDEX_CURVES = 4


@dataclass
class Cell:
    mean: float
    std: float
    ci95: float
    n: int

    @property
    def text(self) -> str:
        if is_count(self.mean):  # samples, steps: 10,000, never 1e+04
            spread = "" if not self.std > 1e-9 else f" ± {number(self.std)}"
            return number(self.mean) + spread
        return format_cell(self.mean, self.std)

    @property
    def bounds(self) -> str:
        """The 95% interval under the cell ("" for one seed, or no spread at all)."""
        if not self.ci95 > 0:
            return ""
        return f"[{number(self.mean - self.ci95, 3)}, {number(self.mean + self.ci95, 3)}]"

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


def is_count(value: float) -> bool:
    """Whether ``value`` reads as a count (an integer of 1,000 or more: samples, steps)."""
    return abs(value) >= 1000 and float(value).is_integer()


def number(value: Any, digits: int = 4) -> str:
    """A record's number on a page: counts as integers (1,920,000), others to ``digits``
    significant digits; anything not a number as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{int(value):,}" if is_count(value) else f"{value:.{digits}g}"


def shown_metrics(dataset: str) -> list[str] | None:
    """A dataset's headline columns: the registry's (None: every metric); a dataset the
    registry does not know here (the user's folder is registered only in the process that
    trained on it) gets every dataset's headline keys, so its FID, precision and recall show."""
    if find(dataset) is None:
        return headline_any()
    return headline(dataset) or None


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
                row_label(ident["model"], ident["budget"], ident["overrides"], ident["device"]),
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
        FLOOR_ROW: "real-data floor: train vs test",
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


def curve_charts(
    records: list[dict[str, Any]],
    dataset: str,
    by_seed: bool,
    limit: int | None = None,
    model: str | None = None,
) -> list[Any]:
    """One SVG chart per curve metric (the headline ones, at most ``limit``): a line per run
    group (mean over seeds) or per run (of ``model`` only, where given), in its model's colour
    and its group's dash, as the dataset's other charts draw them."""
    frame = curve_frame(records, dataset)
    if model is not None and not frame.empty:
        frame = frame[frame.family == model]
    if frame.empty:
        return []
    styles = line_styles(records, dataset)
    families = dict(zip(frame["model"], frame["family"], strict=True))
    keys = ["model", "seed"] if by_seed else ["model"]
    present = list(dict.fromkeys(frame["metric"]))
    wanted = [m for m in shown_metrics(dataset) or present if m in present] or present
    charts = []
    for metric in wanted[:limit]:
        sub = frame[frame.metric == metric].groupby([*keys, "step"], sort=False)["value"].mean()
        series = []
        for key, part in sub.groupby(level=list(range(len(keys))), sort=False):
            label, *seed = key if isinstance(key, tuple) else (key,)
            steps = part.index.get_level_values("step")
            series.append(
                Series(
                    label,
                    tuple(map(float, steps)),
                    tuple(map(float, part.values)),
                    colour=model_colour(families[label]),
                    dash=styles.get(label, ""),
                    model=families[label],
                    detail=f"seed {seed[0]}" if seed else "",
                )
            )
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
    for metric in [m for m in shown_metrics(dataset) or [] if m in set(agg["metric"])]:
        sub = agg[agg.metric == metric]
        series = []
        for (model, device), part in sub.groupby(["model", "device"], sort=False):
            part = part.assign(steps=[BUDGETS[b].steps for b in part["budget"]]).sort_values(
                "steps"
            )
            name = model if device == "cpu" else f"{model} @ {device}"
            series.append(
                Series(
                    name,
                    tuple(map(float, part["steps"])),
                    tuple(part["mean"]),
                    colour=model_colour(model),
                    dash="" if device == "cpu" else "6,3",
                    model=model,
                )
            )
        series.sort(key=lambda s: model_rank(s.model))
        charts.append(line_chart(series, display_name(metric), logx=True, x_label="budget steps"))
    return charts


def history_charts(record: dict[str, Any]) -> list[Any]:
    """The run's loss history, one small chart per logged quantity (the figures' first)."""
    rows = record.get("history") or []
    keys = list(dict.fromkeys(k for row in rows for k in row if k != "step"))
    first = watched_logs(record)  # the losses, then what the model shows
    keys = [k for k in first if k in keys] + [k for k in keys if k not in first]
    model = str(record.get("model", ""))
    charts = []
    for key in keys:
        pts = [(float(r["step"]), float(r[key])) for r in rows if key in r and r[key] is not None]
        xs, ys = zip(*pts, strict=True) if pts else ((), ())
        series = Series(key, tuple(xs), tuple(ys), colour=model_colour(model), model=model)
        charts.append(line_chart([series], key))
    return charts


@dataclass(frozen=True)
class Shot:
    """One image on a page: its path from the site's root, its caption, the run it shows."""

    src: str
    caption: str
    run_id: str
    wide: bool = False  # a cut of a gallery figure (three panels), not one run image


@dataclass
class Gallery:
    """A dataset's committed gallery figure, for the pages whose run folders are absent (a
    fresh clone): each model's own rows cut out where the figure states them (``gallery_rows``),
    else the whole figure, shown once."""

    figure: str  # from the site's root
    crops: dict[str, list[Shot]]

    @property
    def whole(self) -> str | None:
        """The whole figure, where it states no rows to cut."""
        return None if self.crops else self.figure


def committed_gallery(out: Path, site: Path, dataset: str, run_ids: set[str]) -> Gallery | None:
    """The dataset's ``figures/<dataset>_gallery.png`` with a copy of each run group's rows
    under ``img/gallery/`` (rows of runs no record here names are left out); None without one."""
    png = out / "figures" / f"{dataset}_gallery.png"
    if not png.is_file():
        return None
    crops: dict[str, list[Shot]] = {}
    for row in gallery_rows(png) or []:
        if row["run_id"] in run_ids:
            src = f"img/gallery/{row['run_id']}.png"
            cut_rows(png, row["rows"], site / src)
            caption = f"{row['label']}, from figures/{png.name}"
            crops.setdefault(row["model"], []).append(Shot(src, caption, row["run_id"], True))
    return Gallery(f"../figures/{png.name}", crops)


def cut_rows(png: Path, band: list[int], dst: Path) -> Path:
    """Write the band [top, bottom) of pixel rows of ``png`` to ``dst``."""
    import io

    from PIL import Image

    with Image.open(png) as image:
        part = image.crop((0, band[0], image.width, band[1]))
        buffer = io.BytesIO()
        part.save(buffer, format="PNG")
    return atomic_write(dst, lambda f: f.write(buffer.getvalue()))


def run_shots(images: dict[str, list[str] | None], runs: list[dict[str, Any]]) -> list[Shot]:
    """The images of the first of ``runs`` whose run folder has any."""
    for rec in runs:
        if found := images.get(rec["run_id"]):
            return [Shot(src, src.split("/")[-1], rec["run_id"]) for src in found]
    return []


def model_shots(
    records: list[dict[str, Any]],
    dataset: str,
    model: str,
    budget: str,
    images: dict[str, list[str] | None],
    gallery: Gallery | None,
) -> list[Shot]:
    """What the dataset page shows of ``model``: the images of its first run with a run folder
    (headline budget and settings first, then the lowest seed), else its rows of the committed
    gallery figure."""
    runs = sorted(
        (r for r in records if r.get("dataset") == dataset and r["model"] == model),
        key=lambda r: (r.get("budget") != budget, bool(r.get("overrides")), r["seed"]),
    )
    return run_shots(images, runs) or (gallery.crops.get(model, []) if gallery else [])


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
        number=number,
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
    run_ids = set(images)
    crops: dict[str, list[Shot]] = {}  # run id -> its rows cut from a committed gallery
    wholes: dict[str, str | None] = {}  # dataset -> its committed gallery, shown whole
    overview = []
    for dataset in _datasets(records):
        budget, chosen = headline_records(records, dataset)
        gallery = committed_gallery(out, site, dataset, run_ids)
        models = sorted(  # external samples (benchmarks.evaluate) are no model: run pages only
            {r["model"] for r in records if r.get("dataset") == dataset and not is_external(r)},
            key=model_rank,
        )
        shots = {m: model_shots(records, dataset, m, budget, images, gallery) for m in models}
        context = dict(
            dataset=dataset,
            budget=budget,
            steps=BUDGETS[budget].steps if budget in BUDGETS else None,
            head=build_table(chosen, dataset, shown_metrics(dataset), untrained),
            models=models,
            whole=gallery.whole if gallery else None,
            has_gallery=gallery is not None,
            runs_here=runs_here,
        )
        wholes[dataset] = context["whole"]
        if gallery is not None:
            crops.update({shot.run_id: [shot] for cut in gallery.crops.values() for shot in cut})
        overview.append({**context, "curves": curve_charts(chosen, dataset, False, INDEX_CURVES)})
        render(
            "dataset.html",
            f"datasets/{page_name(dataset)}",
            full=build_table(records, dataset, None, untrained),
            figures=[
                (f"figures/{dataset}_{name}.png", caption)
                for name, caption in FIGURES
                if (out / "figures" / f"{dataset}_{name}.png").exists()
            ],
            gallery=[(model, shots[model]) for model in models],
            curves=curve_charts(records, dataset, by_seed=False),
            budgets=budget_charts(records, dataset),
            **context,
        )
        render(
            "compare.html",
            f"compare/{page_name(dataset)}",
            comparisons=compare_rows(context["head"]),
            **context,
        )
        for model in models:
            mine = sorted(
                (r for r in records if r.get("dataset") == dataset and r["model"] == model),
                key=lambda r: (label_rank(record_label(r)), r["seed"]),
            )
            shown = bool(run_shots(images, mine))
            render(
                "model.html",
                f"models/{page_name(dataset, model)}",
                dataset=dataset,
                model=model,
                table=build_table(mine, dataset, shown_metrics(dataset), untrained),
                runs=mine,
                images=images,
                shown=shown,
                committed=[] if shown else shots[model],
                absent=[r for r in mine if images[r["run_id"]] is None],
                whole=context["whole"],
                curves=curve_charts(records, dataset, by_seed=True, model=model),
                anchors=anchors_for(dataset, model),
                run_label_of=record_label,
            )
    for rec in records:
        metrics = rec.get("metrics") or {}
        render(
            "run.html",
            f"runs/{page_name(rec['run_id'])}",
            rec=rec,
            label=record_label(rec),
            metrics=metrics,
            history=history_charts(rec),
            curve=rec.get("curve") or [],
            curve_keys=curve_columns(rec.get("curve") or []),
            images=images[rec["run_id"]],
            committed=crops.get(rec["run_id"], []),
            whole=wholes.get(rec.get("dataset")),
            record_link=f"records/{rec['run_id']}.json",
        )
    render("index.html", "index.html", overview=overview, runs_here=runs_here, n=len(records))
    return written


def curve_columns(curve: list[dict[str, Any]]) -> list[str]:
    """The curve table's columns: position first, then the declared metrics (no _std keys)."""
    keys = list(dict.fromkeys(k for row in curve for k in row))
    first = [k for k in ("step", "images_seen", "train_seconds") if k in keys]
    rest = [k for k in keys if k not in first and not k.endswith("_std") and declaration(k)]
    return first + rest
