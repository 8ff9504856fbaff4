"""``python -m benchmarks.probe_gap RUN_ID``: how far a dSprites curve's small draw sits from the
full evaluation at the same step.

A run's last curve row and its record's metrics measure the same final weights (the probe runs
at the budget's last step, the evaluation right after): the row on the probe's small fixed draw
(``gan_zoo.metrics.curves.DISENTANGLEMENT_CURVE_DRAW``), the metrics on the evaluation's full
protocol. The script prints both and their gap for every curve metric, and, with ``--draws K``,
the probe again on the final checkpoint with K other fixed draws (bank seeds 20,001..), so the
gap can be read against the probe's own draw-to-draw spread. It reads the record and the run's
final checkpoint (``$GAN_ZOO_RUNS`` or ``<out>/runs``) and never trains.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

from benchmarks.records import read_record
from benchmarks.runner.execute import cached_dataset, runs_root
from gan_zoo.errors import ConfigError, GanZooError


def final_model(record: dict[str, Any], out: Path, data_root: str | None):
    """The run's model with the weights of its complete final checkpoint (never trains)."""
    from gan_zoo.models import build
    from gan_zoo.train.checkpoints import CheckpointFiles

    run_dir = runs_root(out) / record["run_id"]
    state = CheckpointFiles(run_dir).load()
    if state is None or state.get("status") != "complete":
        raise ConfigError(f"no complete checkpoint in {run_dir}; --draws needs the run folder")
    dataset = cached_dataset(record["dataset"], data_root)
    model = build(record["model"], dataset, "cpu", **(record.get("overrides") or {}))
    model.load_state_dict(state["model"])
    return model.eval(), dataset


def gap_rows(record: dict[str, Any], spread: dict[str, list[float]]) -> list[dict[str, Any]]:
    """Per curve metric: the last row's score, the evaluation's, their gap, the probe's spread."""
    last = record["curve"][-1]
    rows = []
    for key in record.get("curve_protocol", {}).get("metrics", []):
        if key not in last or key not in record["metrics"]:
            continue
        values = [last[key], *spread.get(key, [])]
        rows.append(
            {
                "metric": key,
                "probe": last[key],
                "full": record["metrics"][key],
                "gap": last[key] - record["metrics"][key],
                "probe_sd": statistics.stdev(values) if len(values) > 1 else None,
                "draws": len(values),
            }
        )
    return rows


def other_draws(record: dict[str, Any], out: Path, data_root: str | None, count: int):
    """The probe on the final model with ``count`` other fixed draws, metric -> scores."""
    from gan_zoo.metrics.curves import BANK_SEED, DisentanglementProbe

    model, dataset = final_model(record, out, data_root)
    protocol = record["curve_protocol"]
    scores: dict[str, list[float]] = {}
    for k in range(1, count + 1):
        probe = DisentanglementProbe(
            int(record["steps"]), dataset, protocol["samples"], BANK_SEED + k
        )
        for key, value in probe(model).items():
            scores.setdefault(key, []).append(value)
    return scores


def render(record: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    step = int(record["curve"][-1]["step"])
    lines = [
        f"{record['run_id']}: the probe's last row (step {step:,}) against the full evaluation",
        "| metric | probe | full evaluation | probe - full | probe sd over draws |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        sd = "" if r["probe_sd"] is None else f"{r['probe_sd']:.3f} ({r['draws']} draws)"
        lines.append(
            f"| {r['metric']} | {r['probe']:.3f} | {r['full']:.3f} | {r['gap']:+.3f} | {sd} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.probe_gap", description=__doc__.splitlines()[0]
    )
    p.add_argument("run_id", help="e.g. dsprites__infogan__smoke__seed0")
    p.add_argument("--out", type=Path, default=Path("results"))
    p.add_argument("--data-root", default=None)
    p.add_argument("--draws", type=int, default=0, help="other fixed draws for the probe's spread")
    args = p.parse_args(argv)
    try:
        if args.draws < 0:
            raise ConfigError("--draws must be 0 or more")
        record = read_record(args.out, args.run_id)
        if record is None:
            raise ConfigError(f"no record {args.run_id} under {args.out / 'records'}")
        if record.get("status") != "complete" or not record.get("curve"):
            raise ConfigError(f"{args.run_id} is not a complete run with a learning curve")
        if not record.get("curve_protocol", {}).get("metrics"):
            raise ConfigError(f"{args.run_id} has no disentanglement curve (dSprites runs do)")
        spread = other_draws(record, args.out, args.data_root, args.draws) if args.draws else {}
        print(render(record, gap_rows(record, spread)))
    except GanZooError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
