"""``python -m benchmarks.speed.equivalence``: do the speed options, or fusing, change what a model learns?

Compares, from the records alone, the quick-budget runs of one model with the harness defaults
(speed options on) against its runs with every speed option off (``--set amp=0 --set
channels_last=0 --set freeze_d_in_g=0 --set fused_adam=0``); with ``--fused DIR``, its runs
trained alone against the same seeds trained as one batched computation (``--fuse K``), whose
records are in ``DIR/records`` (they bear the same names as the separate ones, so they live in
a folder of their own). For each metric: mean ± std over seeds for both, the difference of the
means, and whether it lies within the seed-to-seed spread (the larger of the two standard
deviations), with Welch's t-test p-value beside it. Only records of one device are compared
(``--device``: ``cpu``, ``cuda`` when the records hold one kind of GPU, or the GPU's name), since
kernels and precision differ between devices. Writes ``results/speed/equivalence_<dataset>_<model>.md``
(``equivalence_fused_...`` with ``--fused``; ``..._<gpu>.md`` for a GPU).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

import pandas as pd
from scipy import stats

from benchmarks.cli import refused
from benchmarks.records import has_records, load_records, records_frame
from benchmarks.reporting.tables import to_markdown
from gan_zoo.errors import GanZooError
from gan_zoo.io import atomic_write
from gan_zoo.metrics.registry import display_name, headline
from gan_zoo.train.speed import SPEED_OPTIONS

#: the options a run sets off to be the "off" side (compile and cuda_graph are off in both)
OFF = {k: False for k in SPEED_OPTIONS if k not in ("compile", "cuda_graph")}


def _is_off(overrides: str) -> bool:
    """Exactly the speed options set, each to off (as ``--set amp=0`` ... stores them)."""
    given = json.loads(overrides)
    return set(given) == set(OFF) and all(str(v).lower() in ("0", "false") for v in given.values())


#: the two sides of each comparison: their column labels, and which rows of the frame each holds
SIDES = {
    "options": ("options on", "options off"),
    "fused": ("separate", "fused"),
}


def _sides(frame: pd.DataFrame, kind: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of each side: defaults vs speed options off, or alone vs fused (both defaults)."""
    defaults = frame[frame["overrides"] == "{}"]
    fused = frame["fused"] if "fused" in frame else pd.Series(1, index=frame.index)
    if kind == "fused":
        return defaults[fused[defaults.index] == 1], defaults[fused[defaults.index] > 1]
    alone = fused == 1
    return defaults[alone[defaults.index]], frame[frame["overrides"].map(_is_off) & alone]


def compare(frame: pd.DataFrame, dataset: str = "mnist", kind: str = "options") -> pd.DataFrame:
    """One row per headline metric of ``dataset``: each side's mean and std, difference, spread,
    within, p-value; ``kind`` is ``options`` (on vs off) or ``fused`` (separate vs fused)."""
    on, off = _sides(frame, kind)
    label_a, label_b = SIDES[kind]
    rows = []
    for metric in [*headline(dataset), "images_per_second"]:
        if metric not in frame.columns:
            continue
        a, b = on[metric].dropna().astype(float), off[metric].dropna().astype(float)
        if len(a) < 2 or len(b) < 2:
            continue
        std_a, std_b = a.std(ddof=1), b.std(ddof=1)
        spread, diff = max(std_a, std_b), a.mean() - b.mean()
        p = stats.ttest_ind(a, b, equal_var=False).pvalue if min(std_a, std_b) > 0 else math.nan
        rows.append(
            {
                "metric": metric,
                label_a: f"{a.mean():.4g} ± {std_a:.2g} (n={len(a)})",
                label_b: f"{b.mean():.4g} ± {std_b:.2g} (n={len(b)})",
                "difference": f"{diff:+.3g}",
                "seed spread": f"{spread:.3g}",
                "within spread": "yes" if abs(diff) <= spread else "no",
                "Welch p": "" if math.isnan(p) else f"{p:.2f}",
            }
        )
    return pd.DataFrame(rows)


def shown_metrics(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with each metric under the name a reader sees (``FD (judge)``, not ``fid``)."""
    return table.assign(metric=table["metric"].map(display_name)) if len(table) else table


def records_device(labels: list[str], wanted: str) -> str:
    """The one device label of ``labels`` that ``wanted`` names; ``cuda`` stands for the only GPU.

    Raises ValueError (the message is the CLI's one line) when none or several match.
    """
    present = sorted(set(labels))
    if wanted in present:
        return wanted
    gpus = [label for label in present if label != "cpu"]
    if wanted.split(":")[0] == "cuda" and gpus:
        if len(gpus) > 1:
            raise ValueError(
                f"records from several GPUs ({', '.join(gpus)}): name one with --device"
            )
        return gpus[0]
    raise ValueError(
        f"no records made on {wanted!r} (devices in the records: {', '.join(present) or 'none'})"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.speed.equivalence", description=__doc__.splitlines()[0]
    )
    p.add_argument("--out", type=Path, default=Path("results"))
    p.add_argument("--model", default="infogan")
    p.add_argument("--dataset", default="mnist")
    p.add_argument("--budget", default="quick")
    p.add_argument(
        "--device", default="cpu", help="cpu (default), cuda, or a GPU's name as records give it"
    )
    p.add_argument(
        "--fused",
        type=Path,
        default=None,
        metavar="DIR",
        help="compare the runs trained alone (in --out) with fused runs of the same seeds (in DIR)",
    )
    args = p.parse_args(argv)
    kind = "options" if args.fused is None else "fused"
    if not has_records(args.out) or (args.fused is not None and not has_records(args.fused)):
        return 2
    try:
        records = load_records(args.out)
        if args.fused is not None:
            records += [r for r in load_records(args.fused) if int(r.get("fused") or 1) > 1]
    except GanZooError as exc:
        return refused(exc)
    frame = records_frame(records)
    try:
        device = records_device(list(frame["device"]), args.device)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    frame = frame[
        (frame["device"] == device)
        & (frame["model"] == args.model)
        & (frame["dataset"] == args.dataset)
        & (frame["budget"] == args.budget)
        & (frame["status"] == "complete")
    ]
    table = compare(frame, args.dataset, kind) if not frame.empty else pd.DataFrame()
    label_a, label_b = SIDES[kind]
    if table.empty:
        print(
            f"error: need at least 2 complete {args.dataset} {args.model} {args.budget} runs on "
            f"{device} {label_a} and 2 {label_b}",
            file=sys.stderr,
        )
        return 2
    if kind == "fused":
        group = ", ".join(sorted({str(k) for k in frame.loc[frame["fused"] > 1, "fused"]}))
        title, source = (
            f"Trained alone vs fused (K = {group})",
            f"`{args.out}/records/` and `{args.fused}/records/`",
        )
        command = f"python -m benchmarks.speed.equivalence --fused {args.fused}"
    else:
        title, source = "Speed options on vs off", f"`{args.out}/records/`"
        command = "python -m benchmarks.speed.equivalence"
    md = (
        f"# {title}: {args.dataset} {args.model}, {args.budget} budget, {device}\n\n"
        f"Generated by `{command}` from {source}.\n\n"
        + to_markdown(shown_metrics(table).set_index("metric"), index_name="metric")
        + "\n"
    )
    suffix = "" if device == "cpu" else "_" + re.sub(r"[^A-Za-z0-9]+", "-", device).strip("-")
    stem = "equivalence_fused" if kind == "fused" else "equivalence"
    path = args.out / "speed" / f"{stem}_{args.dataset}_{args.model}{suffix}.md"
    atomic_write(path, lambda f: f.write(md), "w")
    print(md)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
