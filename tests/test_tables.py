"""Tables and plots are regenerated from records alone, with the right statistics."""

from __future__ import annotations

import json
import math

from benchmarks.aggregate import aggregate
from benchmarks.plots import write_plots
from benchmarks.tables import README_END, README_START, write_tables


def _record(out, model, seed, acc, fid, status="complete"):
    rec = {
        "run_id": f"mnist__{model}__quick__seed{seed}",
        "model": model,
        "dataset": "mnist",
        "budget": "quick",
        "seed": seed,
        "overrides": {},
        "status": status,
        "metrics": {"code_acc_c1": acc, "fid": fid},
        "history": [
            {"step": 50.0, "loss_d": 1.2, "loss_g": 0.9},
            {"step": 100.0, "loss_d": 1.1, "loss_g": 1.0},
        ],
    }
    (out / "records").mkdir(parents=True, exist_ok=True)
    (out / "records" / f"{rec['run_id']}.json").write_text(json.dumps(rec))


def test_mean_std_and_t_interval_over_seeds(tmp_path):
    for seed, acc in enumerate([0.8, 0.9, 1.0]):
        _record(tmp_path, "infogan", seed, acc, 10.0 + seed)
    _record(tmp_path, "infogan", 3, 0.0, 0.0, status="diverged")  # not averaged in
    agg = aggregate([json.loads(p.read_text()) for p in (tmp_path / "records").glob("*.json")])
    row = agg[agg.metric == "code_acc_c1"].iloc[0]
    assert row["n"] == 3 and math.isclose(row["mean"], 0.9) and math.isclose(row["std"], 0.1)
    assert math.isclose(row["ci95"], 4.302653 * 0.1 / math.sqrt(3), rel_tol=1e-5)  # t(0.975, 2)


def test_tables_readme_and_figures_from_records(tmp_path):
    for seed, acc in enumerate([0.8, 0.9, 1.0]):
        _record(tmp_path, "infogan", seed, acc, 10.0 + seed)
        _record(tmp_path, "gan", seed, 0.1, 30.0 + seed)
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{README_START}\nold\n{README_END}\nafter\n")
    written = write_tables(tmp_path, readme)
    md = (tmp_path / "tables" / "mnist.md").read_text()
    assert "| infogan | 3 |" in md and "0.9 ± 0.1" in md and "Chen et al. 2016" in md
    assert md.index("| gan |") < md.index("| infogan |")
    text = readme.read_text()
    assert "old" not in text and "0.9 ± 0.1" in text and text.endswith("after\n")
    assert (tmp_path / "tables" / "mnist.csv").exists() and len(written) == 2
    figures = write_plots(tmp_path)
    assert {p.name for p in figures} >= {"mnist_metrics.png", "mnist_training.png"}
