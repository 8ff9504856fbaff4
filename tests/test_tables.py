"""Tables and plots are regenerated from records alone, with the right statistics."""

from __future__ import annotations

import json
import math

from benchmarks.aggregate import aggregate
from benchmarks.plots import write_plots
from benchmarks.tables import README_END, README_START, write_tables


def _record(out, model, seed, acc, fid, status="complete", overrides=None):
    suffix = "__off" if overrides else ""
    rec = {
        "run_id": f"mnist__{model}__quick__seed{seed}{suffix}",
        "model": model,
        "dataset": "mnist",
        "budget": "quick",
        "seed": seed,
        "overrides": overrides or {},
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
    assert "0.9 ± 0.1 [" in md and "0.9 ± 0.1 [" not in text  # intervals only in the full table
    _record(tmp_path, "gan", 0, 0.5, 99.0, overrides={"lr_g": "1e-4"})
    write_tables(tmp_path, readme)
    assert "lr_g" in (tmp_path / "tables" / "mnist.md").read_text()
    assert "lr_g" not in readme.read_text()  # the README keeps the default settings only
    assert (tmp_path / "tables" / "mnist.csv").exists() and len(written) == 2
    figures = write_plots(tmp_path)
    assert {p.name for p in figures} >= {"mnist_metrics.png", "mnist_training.png"}


def test_equivalence_compares_options_on_with_options_off(tmp_path, capsys):
    from benchmarks.speed.equivalence import main

    off = {"amp": "0", "channels_last": "0", "freeze_d_in_g": "0", "fused_adam": "0"}
    for seed, (acc_on, acc_off) in enumerate([(0.80, 0.82), (0.90, 0.88), (1.00, 0.95)]):
        _record(tmp_path, "infogan", seed, acc_on, 10.0, overrides=None)
        _record(tmp_path, "infogan", seed, acc_off, 30.0 + seed, overrides=off)
    assert main(["--out", str(tmp_path)]) == 0
    md = (tmp_path / "speed" / "equivalence_mnist_infogan.md").read_text()
    acc_row = next(line for line in md.splitlines() if line.startswith("| code_acc_c1"))
    fid_row = next(line for line in md.splitlines() if line.startswith("| fid"))
    assert "+0.0167" in acc_row and "| yes |" in acc_row  # 0.9 - 0.8833, spread 0.1
    assert "| no |" in fid_row  # 10 vs 31: far outside a spread of 1
    assert main(["--out", str(tmp_path), "--model", "gan"]) == 2


def test_speed_summary_states_the_ratios_and_the_peak(tmp_path):
    from benchmarks.speed.compare import summary_markdown
    from benchmarks.tables import replace_section

    result = {
        "fast_options": {"amp": True, "compile": False},
        "baseline_ips": 300.0,
        "harness_off_ips": 310.0,
        "harness_fast_ips": 660.0,
        "gflop_per_image": 0.3,
        "ratio_fast_vs_off": 660.0 / 310.0,
        "matmul_fp32_gflops": 220.0,
        "matmul_bf16_gflops": 1100.0,
        "achieved_gflops_fast": 198.0,
        "rounds": 5,
        "steps": 20,
        "cpu": "test cpu",
        "threads": 2,
        "versions": {"torch": "2.x"},
        "commit": "abcdef0123",
    }
    md = summary_markdown(result)
    assert "| harness, amp | 660 | 198 | 2.20x |" in md and "2.13x" in md and "90%" in md
    readme = tmp_path / "README.md"
    readme.write_text("a\n<!-- speed:start -->\nold\n<!-- speed:end -->\nb\n")
    assert replace_section(readme, "speed", md)
    assert "old" not in readme.read_text() and "| plain PyTorch loop" in readme.read_text()
