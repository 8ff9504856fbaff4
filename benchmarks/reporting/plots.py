"""``python -m benchmarks.plots``: figures from the records (and run folders, for galleries).

- ``<dataset>_metrics.png``: one panel per metric, a bar per run group (mean) with every seed
  as a point;
- ``<dataset>_training.png``: losses and the information bound over steps, one line per seed;
- ``<dataset>_gallery.png``: per run group (lowest seed with a run folder), its sample grid and
  first traversals; the PNG states which rows hold which run (``GALLERY_KEY``), so the report of
  a fresh clone, which has the figure but no run folders, can show each model its own rows;
- ``<dataset>_curves_images.png`` and ``<dataset>_curves_seconds.png``: each learning-curve
  metric (``record["curve"]``) against images seen and against training seconds, each seed's
  own line thin and the mean over seeds thick (only for records that have curves); a point that
  is a vote accuracy (FactorVAE) carries its probe's own noise, a bar of one binomial standard
  error over the votes its record's protocol states, and a note under the panels says so and
  names the metrics whose points are single probe draws; on dSprites the images panel also marks
  InfoGAN-CR's published rows (stars) at the images their schedule saw, so the distance in
  training and in score reads at a glance.

Every figure, and the report's charts, give a model one colour (``model_colour``: the model
registry's order) and a run group's budget or overrides a line style (``line_styles``), so the
same model reads the same everywhere.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import textwrap
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D

from benchmarks.cli import print_written
from benchmarks.records import (
    device_label,
    has_records,
    is_external,
    load_records,
    records_frame,
)
from benchmarks.reporting.anchors import published_rows
from benchmarks.reporting.tables import headline_budget, label_rank, run_label
from benchmarks.runner.execute import runs_root
from gan_zoo.config import BUDGETS
from gan_zoo.io import atomic_write
from gan_zoo.metrics.registry import declaration, display_name, headline_any, order_keys
from gan_zoo.models.registry import shown_logs
from gan_zoo.train.trainer import LOSSES


@contextmanager
def fixed_jitter(seed: int = 0) -> Iterator[None]:
    """seaborn jitters strip points with NumPy's global RNG: fix it so a figure regenerated
    from the same records is the same file (no spurious diffs in ``results/``)."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


#: colour-blind-safe qualitative colours (Okabe & Ito, then Tol's), one per model in the model
#: registry's order: gan blue, cgan orange, acgan green, infogan vermilion, infogan_noinfo pink,
#: sgan sky blue; plugins take the rest
MODEL_PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#000000",
    "#882255",
    "#999933",
    "#44AA99",
)
#: dash patterns (SVG ``stroke-dasharray``; "" is solid) a model's run groups take in turn
DASHES = ("", "6,3", "2,2", "8,3,2,3", "1,3", "12,4")


def model_colour(model: str) -> str:
    """The one colour ``model`` has in every figure and chart, whichever models share them:
    its place in the model registry; a model no longer registered gets one from its name."""
    from gan_zoo.models import available

    order = available()
    if model in order:
        return MODEL_PALETTE[order.index(model) % len(MODEL_PALETTE)]
    return MODEL_PALETTE[zlib.crc32(model.encode()) % len(MODEL_PALETTE)]


def row_label(
    model: str, budget: str, overrides: str | dict | None = None, device: str = "cpu"
) -> str:
    """A run group's name in the figures and the report: ``run_label`` with the budget always
    said (``gan (quick)`` beside ``gan (paper)``; the README's tables leave ``quick`` unsaid)."""
    label = run_label(model, budget, overrides, device)
    return f"{model} (quick){label[len(model) :]}" if budget == "quick" else label


def record_label(record: dict) -> str:
    """``row_label`` of a record's run group."""
    return row_label(
        record.get("model", "?"),
        record.get("budget", "?"),
        record.get("overrides"),
        device_label(record),
    )


def line_styles(records: Iterable[dict], dataset: str) -> dict[str, str]:
    """Each run group of ``dataset`` (``record_label``) to a ``DASHES`` entry, the same in every
    chart of the dataset: within a model the headline budget with the suite's settings is solid,
    the other groups dashed in budget order."""
    mine = [r for r in records if r.get("dataset") == dataset and not is_external(r)]
    head = headline_budget([r for r in mine if not r.get("overrides")])
    order = list(BUDGETS)

    def rank(rec: dict) -> tuple:
        budget = rec.get("budget")
        plain = budget == head and not rec.get("overrides") and device_label(rec) == "cpu"
        return (
            not plain,
            order.index(budget) if budget in order else len(order),
            record_label(rec),
        )

    groups: dict[str, list[str]] = {}
    for rec in sorted(mine, key=rank):
        labels = groups.setdefault(rec.get("model", "?"), [])
        if record_label(rec) not in labels:
            labels.append(record_label(rec))
    return {
        label: DASHES[i % len(DASHES)]
        for labels in groups.values()
        for i, label in enumerate(labels)
    }


def mpl_dashes(dash: str) -> tuple[float, ...]:
    """A ``DASHES`` entry as matplotlib's ``dashes`` (empty: solid)."""
    return tuple(float(v) for v in dash.split(",")) if dash else ()


def count_text(value: float) -> str:
    """A number as a person reads it on an axis or in a table: 5,000 and 2.5M, never 5e+03."""
    if value == 0:
        return "0"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.3g}M"
    if abs(value) >= 1 and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.3g}"


def grid(ax, log_x: bool = False) -> None:
    """Gridlines under a panel's data; a log axis labelled with plain counts."""
    ax.grid(True, which="major", color="#d9dde3", lw=0.7)
    ax.set_axisbelow(True)
    if log_x:
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: count_text(v)))


def metric_bars(records: list[dict], dataset: str, path: Path) -> Path | None:
    """One panel per headline metric, a horizontal bar per run group (mean, in its model's
    colour) with each seed a point; every panel lists the groups in one order, so the labels
    are written once per row of panels and stay readable however long an override is."""
    frame = records_frame(
        [r for r in records if r.get("dataset") == dataset and r.get("status") == "complete"]
    )
    if frame.empty:
        return None
    frame["run"] = [
        row_label(m, b, o, d)
        for m, b, o, d in zip(
            frame["model"], frame["budget"], frame["overrides"], frame["device"], strict=True
        )
    ]
    colours = dict(zip(frame["run"], map(model_colour, frame["model"]), strict=True))
    metrics = [m for m in headline_any() if m in frame.columns and frame[m].notna().any()]
    order = sorted(frame["run"].unique(), key=label_rank)
    cols = min(4, len(metrics))
    rows = -(-len(metrics) // cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(2.6 + 2.8 * cols, max(2.4, 0.8 + 0.2 * len(order)) * rows),
        sharey=True,
        squeeze=False,
    )
    for ax, metric in zip(axes.flat, metrics, strict=False):
        sub = frame[["run", metric]].dropna()
        sns.barplot(
            data=sub,
            x=metric,
            y="run",
            order=order,
            hue="run",
            hue_order=order,
            palette=colours,
            alpha=0.6,
            legend=False,
            errorbar=None,
            ax=ax,
        )
        with fixed_jitter():
            sns.stripplot(data=sub, x=metric, y="run", order=order, color="#1b1f24", size=3, ax=ax)
        ax.set_title(display_name(metric), fontsize=10)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="y", labelsize=8)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(True, axis="x", color="#d9dde3", lw=0.7)
        ax.set_axisbelow(True)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    fig.suptitle(f"{dataset}: bars are means, points are seeds (colour: model)", fontsize=12)
    return save_figure(fig, path, dpi=100)


def watched_logs(record: dict) -> tuple[str, ...]:
    """The history columns a person watches for ``record``: those it stored, or, for a record
    written before it stored them, the losses and what its model's family marks as shown."""
    if "shown_logs" in record:
        return tuple(record["shown_logs"])
    return (*LOSSES, *shown_logs(record.get("model", "")))


def training_curves(records: list[dict], dataset: str, path: Path) -> Path | None:
    frame = training_frame(records, dataset)
    if frame is None:
        return None
    return _draw_training_curves(frame, dataset, path, line_styles(records, dataset))


def training_frame(records: list[dict], dataset: str) -> pd.DataFrame | None:
    """One row per (run, step, watched quantity) of ``dataset``'s histories; None if none."""
    rows = []
    for rec in records:
        if rec.get("dataset") != dataset or not rec.get("history"):
            continue
        shown = watched_logs(rec)
        for h in rec["history"]:
            for key in shown:
                if key in h:
                    rows.append(
                        {
                            "model": record_label(rec),
                            "family": rec["model"],
                            "seed": rec["seed"],
                            "step": h["step"],
                            "quantity": key,
                            "value": h[key],
                        }
                    )
    return pd.DataFrame(rows) if rows else None


def _draw_training_curves(
    frame: pd.DataFrame, dataset: str, path: Path, styles: dict[str, str] | None = None
) -> Path:
    quantities = list(dict.fromkeys(frame["quantity"]))
    labels = sorted(frame["model"].unique(), key=label_rank)
    families = dict(zip(frame["model"], frame["family"], strict=True))
    fig, axes = plt.subplots(
        1, len(quantities), figsize=(4.6 * len(quantities), 3.6), squeeze=False
    )
    handles = {}
    for ax, q in zip(axes.flat, quantities, strict=True):
        sub = frame[frame.quantity == q]
        for label in labels:
            style = line_style(model_colour(families[label]), (styles or {}).get(label, ""))
            for _, run in sub[sub.model == label].groupby("seed", sort=True):
                (line,) = ax.plot(run["step"], run["value"], lw=0.9, label=label, **style)
                handles.setdefault(label, line)
        ax.set_title(q)
        ax.set_xlabel("step")
        grid(ax)
    fig.suptitle(f"{dataset}: losses over steps, one line per seed (colour: model)", fontsize=11)
    return save_figure(fig, path, dpi=110, rect=legend_right(fig, handles))


#: inches at the right of a figure for its one legend
LEGEND_WIDTH = 2.6


def line_style(colour: str, dash: str) -> dict:
    """matplotlib's keywords for a model's colour and a run group's ``DASHES`` entry."""
    return {"color": colour, "dashes": mpl_dashes(dash)} if dash else {"color": colour}


def legend_right(fig, handles: dict, top: float = 0.9) -> tuple[float, float, float, float]:
    """Widen ``fig`` by ``LEGEND_WIDTH`` and put one legend for every panel there (a legend
    inside a panel hides its lines); returns the rect the panels keep."""
    width, height = fig.get_size_inches()
    fig.set_size_inches(width + LEGEND_WIDTH, height)
    right = width / (width + LEGEND_WIDTH)
    labels = [textwrap.fill(k, 34, subsequent_indent="  ") for k in handles]
    fig.legend(
        list(handles.values()),
        labels,
        loc="upper left",
        bbox_to_anchor=(right, top),
        fontsize=7.5,
        frameon=False,
    )
    return (0, 0, right, 1)


CURVE_AXES = {"images_seen": "images seen", "train_seconds": "training seconds (mean over seeds)"}
#: curve metrics whose point is an accuracy over votes the record's protocol counts
#: (``curve_protocol.draw.<metric>.num_eval``): their probe noise is binomial
VOTE_METRICS = ("factorvae", "betavae")


def votes(record: dict, metric: str) -> int | None:
    """How many votes one curve point of ``metric`` counts in ``record`` (None: not a vote
    accuracy, or a record that does not say)."""
    if metric not in VOTE_METRICS:
        return None
    draw = (record.get("curve_protocol") or {}).get("draw") or {}
    n = (draw.get(metric) or {}).get("num_eval")
    return int(n) if n else None


def binomial_se(p: float, n: int) -> float:
    """One binomial standard error of an accuracy ``p`` over ``n`` votes, sqrt(p(1-p)/n)."""
    p = min(max(float(p), 0.0), 1.0)
    return math.sqrt(p * (1 - p) / n)


def curve_frame(records: list[dict], dataset: str) -> pd.DataFrame:
    """Long format of every curve row: run label, model, seed, step, images seen, seconds,
    metric, value, and ``error``: the point's probe noise where the record carries it (one
    binomial standard error of a vote accuracy, ``votes``), else NaN."""
    rows = []
    for rec in records:
        if rec.get("dataset") != dataset or not rec.get("curve"):
            continue
        label = record_label(rec)
        for point in rec["curve"]:
            for metric, value in point.items():
                if (decl := declaration(metric)) is not None and decl.direction != "none":
                    n = votes(rec, metric)
                    rows.append(
                        {
                            "model": label,
                            "family": rec["model"],
                            "seed": rec["seed"],
                            "step": point["step"],
                            "images_seen": point["images_seen"],
                            "train_seconds": point["train_seconds"],
                            "metric": metric,
                            "value": value,
                            "error": binomial_se(value, n) if n else math.nan,
                            "votes": n or 0,
                        }
                    )
    frame = pd.DataFrame(rows)
    if not frame.empty:
        # seeds reach a step at slightly different times: put each step at its mean time, so
        # the mean over seeds is taken at one x per step
        frame["train_seconds"] = frame.groupby(["model", "step"])["train_seconds"].transform("mean")
    return frame


def probe_note(records: list[dict], dataset: str) -> str:
    """What a curve point's spread is, as ``dataset``'s records tell it: the vote counts behind
    the bars, and which metrics' points are single probe draws with no spread recorded (those
    the protocol draws, ``curve_protocol.draw``); "" where the records say neither."""
    frame = curve_frame(records, dataset)
    if frame.empty:
        return ""
    present = order_keys(set(frame["metric"]))
    drawn = {
        m
        for rec in records
        if rec.get("dataset") == dataset and rec.get("curve")
        for m in ((rec.get("curve_protocol") or {}).get("draw") or {})
    }
    parts = []
    for metric in present:
        counts = sorted({int(n) for n in frame[frame.metric == metric]["votes"] if n})
        if counts:
            parts.append(
                f"{display_name(metric)} bars: ±1 binomial standard error √(p(1-p)/n) "
                f"of each seed's point, n = {' or '.join(map(str, counts))} votes (the probe's own "
                "noise)"
            )
    single = [display_name(m) for m in present if m in drawn and m not in VOTE_METRICS]
    # drawn by the protocol but no vote count: one draw of the probe, spread unknown
    if single:
        parts.append(
            f"{', '.join(single)} points are single probe draws (the records carry no "
            "per-point spread)"
        )
    return "; ".join(parts) + ("." if parts else "")


def learning_curves(records: list[dict], dataset: str, x: str, path: Path) -> Path | None:
    """One panel per curve metric against ``x``: each seed's own line thin, the mean over
    seeds thick, a bar of probe noise on each point that carries one (``curve_frame``'s
    ``error``), and a note under the panels saying what the bars are; None when no record has
    a curve."""
    frame = curve_frame(records, dataset)
    if frame.empty:
        return None
    metrics = order_keys(set(frame["metric"]))
    labels = sorted(frame["model"].unique(), key=label_rank)
    families = dict(zip(frame["model"], frame["family"], strict=True))
    styles = line_styles(records, dataset)
    fig, axes = metric_grid(len(metrics), panel_width=4.4)
    handles = {}
    for ax, metric in zip(axes.flat, metrics, strict=False):
        sub = frame[frame.metric == metric]
        for label in labels:
            if not (mine := sub[sub.model == label]).empty:
                style = line_style(model_colour(families[label]), styles.get(label, ""))
                handles.setdefault(label, draw_group(ax, mine, x, label, style))
        if x == "images_seen":
            mark_published(ax, dataset, metric)
        ax.set_xscale("log")
        grid(ax, log_x=True)
        ax.set_title(display_name(metric), fontsize=10)
        ax.set_xlabel(CURVE_AXES[x], fontsize=8)
        ax.set_ylabel("")
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    fig.suptitle(
        f"{dataset}: learning curves (thin lines: each seed; thick: mean over seeds)", fontsize=12
    )
    rect = legend_right(fig, handles)
    bottom = caption(fig, probe_note(records, dataset))
    return save_figure(fig, path, dpi=100, rect=(rect[0], bottom, rect[2], rect[3]))


def draw_group(ax, group: pd.DataFrame, x: str, label: str, style: dict) -> Line2D:
    """One run group in one panel: a thin line per seed with its points' error bars, then the
    thick mean over seeds (returned, for the legend)."""
    for _, run in group.groupby("seed", sort=True):
        run = run.sort_values("step")
        ax.plot(run[x], run["value"], lw=0.6, alpha=0.45, **style)
        if run["error"].notna().any():
            ax.errorbar(
                run[x],
                run["value"],
                yerr=run["error"],
                fmt="none",
                ecolor=style["color"],
                elinewidth=0.6,
                alpha=0.45,
            )
    mean = group.groupby("step", sort=True)[[x, "value"]].mean()
    (line,) = ax.plot(mean[x], mean["value"], lw=1.7, marker="o", ms=3, label=label, **style)
    return line


def caption(fig, note: str) -> float:
    """Write ``note`` under the panels, grown by its lines; returns the share of the figure's
    height it takes (0 for no note)."""
    if not note:
        return 0.0
    width, height = fig.get_size_inches()
    lines = textwrap.wrap(note, int(width * 14))
    grown = height + 0.17 * len(lines) + 0.1
    fig.set_size_inches(width, grown)
    fig.text(0.01, 0.01, "\n".join(lines), fontsize=8, va="bottom")
    return (0.17 * len(lines) + 0.15) / grown


def mark_published(ax, dataset: str, metric: str) -> None:
    """The published rows' ``metric`` at the images their schedule saw (``benchmarks.reporting.anchors``),
    so a curve's distance from them, in training and in score, reads off the panel."""
    for name, anchors in published_rows(dataset).items():
        for anchor in anchors:
            if anchor.metric == metric and anchor.images_seen is not None:
                ax.scatter(
                    [anchor.images_seen], [anchor.value], marker="*", s=70, color="black", zorder=3
                )
                ax.annotate(
                    name,
                    (anchor.images_seen, anchor.value),
                    fontsize=6,
                    xytext=(-4, 4),
                    textcoords="offset points",
                    ha="right",
                )


#: the PNG text key under which a gallery figure states its rows (``gallery_rows`` reads it)
GALLERY_KEY = "gan-zoo gallery"


def gallery(
    records: list[dict], dataset: str, out: Path, path: Path, max_traversals: int = 2
) -> Path | None:
    """Sample grid and first traversals per run group (lowest seed with a run folder). The PNG
    states which band of pixel rows holds which group (``GALLERY_KEY``), so the report of a
    fresh clone, which has this figure but no run folders, can show each model its own rows."""
    chosen: dict[str, dict] = {}
    for rec in sorted(records, key=lambda r: r.get("seed", 0)):
        if (
            rec.get("dataset") == dataset
            and rec.get("status") == "complete"
            and (runs_root(out) / rec["run_id"] / "samples.png").exists()
        ):
            chosen.setdefault(record_label(rec), rec)
    if not chosen:
        return None
    names = sorted(chosen, key=label_rank)
    cols = 1 + max_traversals
    fig, axes = plt.subplots(
        len(names), cols, figsize=(3.6 * cols, 3.6 * len(names)), squeeze=False
    )
    for row, name in zip(axes, names, strict=True):
        folder = runs_root(out) / chosen[name]["run_id"]
        pngs = [folder / "samples.png", *sorted(folder.glob("traversal_*.png"))[:max_traversals]]
        for ax, png in zip(row, pngs + [None] * (cols - len(pngs)), strict=False):
            ax.axis("off")
            if png is not None:
                ax.imshow(mpimg.imread(png), cmap="gray")
                ax.set_title(f"{name}: {png.stem}", fontsize=9)
    fig.tight_layout()
    bands = gallery_bands(fig, axes, dpi=100)
    rows = [
        {"label": n, "model": chosen[n]["model"], "run_id": chosen[n]["run_id"], "rows": band}
        for n, band in zip(names, bands, strict=True)
    ]
    meta = {"height": round(fig.get_size_inches()[1] * 100), "rows": rows}
    return save_figure(fig, path, dpi=100, metadata={GALLERY_KEY: json.dumps(meta)})


def gallery_bands(fig, axes, dpi: int) -> list[list[int]]:
    """Each row of panels' band of pixel rows in the saved PNG, [top, bottom): from the bottom
    of the row above (a row's titles sit over its images) to the bottom of its own images."""
    height = round(fig.get_size_inches()[1] * dpi)
    bottoms = [min(round((1 - row[0].get_position().y0) * height) + 4, height) for row in axes]
    bottoms[-1] = height
    return [[0 if i == 0 else bottoms[i - 1], b] for i, b in enumerate(bottoms)]


def gallery_rows(png: Path) -> list[dict] | None:
    """The rows a gallery figure states (``GALLERY_KEY``): label, model, run id and band of
    pixel rows of each; None for a figure made before figures said so, or resized since."""
    from PIL import Image

    try:
        with Image.open(png) as image:
            text, height = getattr(image, "text", {}).get(GALLERY_KEY), image.height
        meta = json.loads(text) if text else None
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("height") != height:
        return None
    keys = {"label", "model", "run_id", "rows"}
    return [r for r in meta.get("rows") or [] if isinstance(r, dict) and keys <= r.keys()]


def metric_grid(panels: int, panel_width: float):
    """A figure with one panel per metric, four to a row."""
    cols = min(4, panels)
    rows = -(-panels // cols)
    return plt.subplots(rows, cols, figsize=(panel_width * cols, 3.4 * rows), squeeze=False)


def save_figure(
    fig,
    path: Path,
    dpi: int,
    rect: tuple[float, float, float, float] | None = None,
    metadata: dict[str, str] | None = None,
) -> Path:
    """Lay out (within ``rect`` of the figure, where given), write and close a figure (closing
    keeps long plotting sessions lean); ``metadata`` goes into the PNG's text chunks."""
    if rect is not None:
        fig.tight_layout(rect=rect)
    else:
        fig.tight_layout()
    kind = path.suffix.lstrip(".")
    extra = {"metadata": metadata} if metadata else {}
    try:
        atomic_write(path, lambda f: fig.savefig(f, dpi=dpi, format=kind, **extra))
    finally:
        plt.close(fig)
    return path


def write_plots(out: Path) -> list[Path]:
    records = load_records(out)
    figures = out / "figures"
    written = []
    for dataset in sorted({r["dataset"] for r in records if r.get("dataset")}):
        for fn, name in ((metric_bars, "metrics"), (training_curves, "training")):
            p = fn(records, dataset, figures / f"{dataset}_{name}.png")
            if p:
                written.append(p)
        p = gallery(records, dataset, out, figures / f"{dataset}_gallery.png")
        if p:
            written.append(p)
        for x, name in (("images_seen", "images"), ("train_seconds", "seconds")):
            p = learning_curves(records, dataset, x, figures / f"{dataset}_curves_{name}.png")
            if p:
                written.append(p)
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.plots", description=__doc__.splitlines()[0]
    )
    p.add_argument("--out", type=Path, default=Path("results"))
    args = p.parse_args(argv)
    if not has_records(args.out):
        return 2
    return print_written(lambda: write_plots(args.out))


if __name__ == "__main__":
    sys.exit(main())
