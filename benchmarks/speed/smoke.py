"""``python -m benchmarks.speed.smoke``: how long a smoke run takes, phase by phase.

A smoke run is a plumbing check and should feel like one (issue 34: an MNIST family's
training and evaluation under a minute on an idle 2-core CPU, dSprites under three with the
full metric set). This runs ``benchmarks.run --budget smoke`` for each model in a fresh
output folder and reads the phases from its record and its stage lines: training, the
learning curve, the evaluation, the judge's training (once per machine; ``--fresh-cache``
trains it here, in a temporary cache, so the first-run cost is measured too) and the wall
time of the whole command. A measurement, never a timed assert: the numbers depend on the
machine and its load, so say which when quoting them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: the judge's own line when it trains (``gan_zoo.metrics.judge``)
JUDGE_TRAINED = re.compile(r"judge\[\w+\] \w+: test accuracy .* trained in (\d+) s")


def time_smoke(model: str, dataset: str, extra: list[str], cache: Path | None) -> dict[str, object]:
    """One smoke run of ``model`` on ``dataset`` in a fresh output folder: its phases, in s."""
    env = dict(os.environ)
    if cache is not None:
        env["GAN_ZOO_CACHE"] = str(cache)
    with tempfile.TemporaryDirectory(prefix="gan-zoo-smoke-") as out:
        cmd = [
            *(sys.executable, "-m", "benchmarks.run", "--models", model, "--dataset", dataset),
            *("--budget", "smoke", "--no-progress", "--out", out, *extra),
        ]
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"{model} on {dataset} exited {done.returncode}:\n{done.stderr}")
        (path,) = Path(out, "records").glob("*.json")
        record = json.loads(path.read_text())
    judge = JUDGE_TRAINED.search(done.stderr)
    return {
        "model": model,
        "dataset": dataset,
        "train_s": record.get("train_seconds"),
        "curve_s": record.get("curve_seconds", 0.0),
        "curve": record.get("curve_setting"),
        "eval_s": record.get("eval_seconds"),
        "eval_samples": record.get("eval_samples"),
        "eval_draw": record.get("eval_draw"),
        "judge_trained_s": float(judge.group(1)) if judge else None,
        "wall_s": round(wall, 1),
        "stages": [line for line in done.stderr.splitlines() if line.startswith("  ")],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.speed.smoke", description=__doc__)
    p.add_argument("--models", default="infogan", help="comma list")
    p.add_argument("--dataset", default="mnist")
    p.add_argument("--fresh-cache", action="store_true", help="train the judge here (first run)")
    p.add_argument("--save", type=Path, default=None, help="also write the rows as JSON here")
    p.add_argument("extra", nargs="*", help="more benchmarks.run options (after --)")
    args = p.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="gan-zoo-cache-") as fresh:
        cache = Path(fresh) if args.fresh_cache else None
        for model in args.models.split(","):
            row = time_smoke(model, args.dataset, args.extra, cache)
            rows.append(row)
            shown = {k: v for k, v in row.items() if k != "stages"}
            print(json.dumps(shown), flush=True)
    if args.save is not None:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
