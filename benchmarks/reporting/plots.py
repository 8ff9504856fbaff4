"""``python -m benchmarks.plots``: figures from the records (and run folders, for galleries).

- ``<dataset>_metrics.png``: one panel per metric, a bar per model (mean) with every seed as a point;
- ``<dataset>_training.png``: losses and the information bound over steps, one line per seed;
- ``<dataset>_gallery.png``: per model (seed 0), its sample grid and its first traversals;
- ``<dataset>_curves_images.png`` and ``<dataset>_curves_seconds.png``: each learning-curve
  metric (``record["curve"]``) against images seen and against training seconds, one line per
  model, the band one standard deviation over seeds (only for records that have curves); on
  dSprites the images panel also marks InfoGAN-CR's published rows (stars) at the images their
  schedule saw, so the distance in training and in score reads at a glance.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from benchmarks.cli import refused
from benchmarks.records import device_label, has_records, load_records, records_frame
from benchmarks.reporting.anchors import published_rows
from benchmarks.reporting.tables import label_rank, run_label
from benchmarks.runner.execute import runs_root
from gan_zoo.errors import GanZooError
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


def metric_bars(records: list[dict], dataset: str, path: Path) -> Path | None:
    frame = records_frame(
        [r for r in records if r.get("dataset") == dataset and r.get("status") == "complete"]
    )
    if frame.empty:
        return None
    frame["run"] = [
        run_label(m, b, o, d)
        for m, b, o, d in zip(
            frame["model"], frame["budget"], frame["overrides"], frame["device"], strict=True
        )
    ]
    metrics = [m for m in headline_any() if m in frame.columns and frame[m].notna().any()]
    order = sorted(frame["run"].unique(), key=label_rank)
    fig, axes = metric_grid(len(metrics), panel_width=4.2)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        sub = frame[["run", metric]].dropna()
        present = set(sub["run"])
        runs = [o for o in order if o in present]
        sns.barplot(
            data=sub,
            x="run",
            y=metric,
            order=runs,
            errorbar=None,
            color="#9ecae1",
            ax=ax,
        )
        with fixed_jitter():
            sns.stripplot(
                data=sub,
                x="run",
                y=metric,
                order=runs,
                color="#08306b",
                size=4,
                ax=ax,
            )
        ax.set_title(display_name(metric), fontsize=10)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="x", rotation=45, labelsize=8)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    fig.suptitle(f"{dataset}: bars are means, points are seeds", fontsize=12)
    return save_figure(fig, path, dpi=110)


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
    return _draw_training_curves(frame, dataset, path)


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
                            "model": run_label(
                                rec["model"], rec["budget"], rec.get("overrides"), device_label(rec)
                            ),
                            "seed": rec["seed"],
                            "step": h["step"],
                            "quantity": key,
                            "value": h[key],
                        }
                    )
    return pd.DataFrame(rows) if rows else None


def _draw_training_curves(frame: pd.DataFrame, dataset: str, path: Path) -> Path:
    quantities = list(dict.fromkeys(frame["quantity"]))
    fig, axes = plt.subplots(
        1, len(quantities), figsize=(5.2 * len(quantities), 3.8), squeeze=False
    )
    for ax, q in zip(axes.flat, quantities, strict=True):
        sub = frame[frame.quantity == q]
        sns.lineplot(
            data=sub, x="step", y="value", hue="model", units="seed", estimator=None, lw=0.9, ax=ax
        )
        ax.set_title(q)
        ax.legend(fontsize=7)
    return save_figure(fig, path, dpi=110)


CURVE_AXES = {"images_seen": "images seen", "train_seconds": "training seconds (mean over seeds)"}


def curve_frame(records: list[dict], dataset: str) -> pd.DataFrame:
    """Long format of every curve row: run label, seed, step, images seen, seconds, metric."""
    rows = []
    for rec in records:
        if rec.get("dataset") != dataset or not rec.get("curve"):
            continue
        label = run_label(rec["model"], rec["budget"], rec.get("overrides"), device_label(rec))
        for point in rec["curve"]:
            for metric, value in point.items():
                if (decl := declaration(metric)) is not None and decl.direction != "none":
                    rows.append(
                        {
                            "model": label,
                            "seed": rec["seed"],
                            "step": point["step"],
                            "images_seen": point["images_seen"],
                            "train_seconds": point["train_seconds"],
                            "metric": metric,
                            "value": value,
                        }
                    )
    frame = pd.DataFrame(rows)
    if not frame.empty:
        # seeds reach a step at slightly different times: put each step at its mean time, so
        # the band over seeds is taken at one x per step
        frame["train_seconds"] = frame.groupby(["model", "step"])["train_seconds"].transform("mean")
    return frame


def learning_curves(records: list[dict], dataset: str, x: str, path: Path) -> Path | None:
    """One panel per curve metric against ``x``; None when no record has a curve."""
    frame = curve_frame(records, dataset)
    if frame.empty:
        return None
    metrics = order_keys(set(frame["metric"]))
    order = sorted(frame["model"].unique(), key=label_rank)
    fig, axes = metric_grid(len(metrics), panel_width=4.4)
    for i, (ax, metric) in enumerate(zip(axes.flat, metrics, strict=False)):
        sns.lineplot(
            data=frame[frame.metric == metric],
            x=x,
            y="value",
            hue="model",
            hue_order=order,
            errorbar="sd",  # no bootstrap: the same records give the same figure
            marker="o",
            markersize=3,
            lw=1.0,
            legend=i == 0,
            ax=ax,
        )
        if x == "images_seen":
            mark_published(ax, dataset, metric)
        ax.set_xscale("log")
        ax.set_title(display_name(metric), fontsize=10)
        ax.set_xlabel(CURVE_AXES[x], fontsize=8)
        ax.set_ylabel("")
        if i == 0:
            ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    fig.suptitle(f"{dataset}: learning curves (line: mean, band: sd over seeds)", fontsize=12)
    return save_figure(fig, path, dpi=100)


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


def gallery(
    records: list[dict], dataset: str, out: Path, path: Path, max_traversals: int = 2
) -> Path | None:
    """Sample grid and first traversals per model (lowest seed with a run folder)."""
    chosen: dict[str, Path] = {}
    for rec in sorted(records, key=lambda r: r.get("seed", 0)):
        folder = runs_root(out) / rec["run_id"]
        name = run_label(rec["model"], rec["budget"], rec.get("overrides"), device_label(rec))
        if (
            rec.get("dataset") == dataset
            and rec.get("status") == "complete"
            and (folder / "samples.png").exists()
        ):
            chosen.setdefault(name, folder)
    if not chosen:
        return None
    names = sorted(chosen, key=label_rank)
    cols = 1 + max_traversals
    fig, axes = plt.subplots(
        len(names), cols, figsize=(3.6 * cols, 3.6 * len(names)), squeeze=False
    )
    for row, name in zip(axes, names, strict=True):
        folder = chosen[name]
        pngs = [folder / "samples.png", *sorted(folder.glob("traversal_*.png"))[:max_traversals]]
        for ax, png in zip(row, pngs + [None] * (cols - len(pngs)), strict=False):
            ax.axis("off")
            if png is not None:
                ax.imshow(mpimg.imread(png), cmap="gray")
                ax.set_title(f"{name}: {png.stem}", fontsize=9)
    return save_figure(fig, path, dpi=100)


def metric_grid(panels: int, panel_width: float):
    """A figure with one panel per metric, four to a row."""
    cols = min(4, panels)
    rows = -(-panels // cols)
    return plt.subplots(rows, cols, figsize=(panel_width * cols, 3.4 * rows), squeeze=False)


def save_figure(fig, path: Path, dpi: int) -> Path:
    """Lay out, write and close a figure (closing keeps long plotting sessions lean)."""
    fig.tight_layout()
    try:
        atomic_write(path, lambda f: fig.savefig(f, dpi=dpi, format=path.suffix.lstrip(".")))
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
    try:
        paths = write_plots(args.out)
    except GanZooError as exc:
        return refused(exc)
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
