"""Tables and plots are regenerated from records alone, with the right statistics."""

from __future__ import annotations

import json
import math

import pytest
import torch

from benchmarks.reporting.aggregate import aggregate
from benchmarks.reporting.plots import write_plots
from benchmarks.reporting.tables import README_END, README_START, write_tables


def _record(
    out,
    model,
    seed,
    acc,
    fid,
    status="complete",
    overrides=None,
    dataset="mnist",
    budget="quick",
    gpu=None,
    fused=None,
):
    suffix = ("__off" if overrides else "") + ("__gpu" if gpu else "")
    metrics = {"code_acc_c1": acc, "fid": fid} if dataset == "mnist" else {"mig": acc, "sap": fid}
    rec = {
        "run_id": f"{dataset}__{model}__{budget}__seed{seed}{suffix}",
        "model": model,
        "dataset": dataset,
        "budget": budget,
        "seed": seed,
        "overrides": overrides or {},
        "status": status,
        "metrics": metrics,
        "history": [
            {"step": 50.0, "loss_d": 1.2, "loss_g": 0.9},
            {"step": 100.0, "loss_d": 1.1, "loss_g": 1.0},
        ],
    }
    if gpu:
        rec.update(device="cuda:0", gpu=gpu)
    if fused:
        rec["fused"] = fused
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
    bars = tmp_path / "figures" / "mnist_metrics.png"
    first = bars.read_bytes()
    write_plots(tmp_path)
    assert bars.read_bytes() == first  # same records, same file: no spurious diffs in results/


def test_the_readme_compares_models_at_the_longest_budget_every_model_has(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"{README_START}\n{README_END}\n")
    for seed in range(2):
        _record(tmp_path, "gan", seed, 0.1, 30.0)
        _record(tmp_path, "infogan", seed, 0.7, 20.0)
    _record(tmp_path, "infogan", 0, 0.9, 5.0, budget="paper")
    write_tables(tmp_path, readme)
    text = readme.read_text()
    # one model at paper is not a comparison: the headline stays at quick, where both are
    assert "| infogan | 2 |" in text and "infogan (paper)" not in text
    assert "`quick` budget, 1,000 updates" in text
    _record(tmp_path, "gan", 0, 0.2, 8.0, budget="paper")
    write_tables(tmp_path, readme)
    text = readme.read_text()
    assert "| infogan (paper) | 1 |" in text and "| gan (paper) | 1 |" in text
    assert "| infogan | 2 |" not in text and "`paper` budget, 5,000 updates" in text
    assert "| infogan | 2 |" in (tmp_path / "tables" / "mnist.md").read_text()  # kept in full


def test_readme_gets_a_dsprites_section_only_where_it_has_the_markers(tmp_path):
    for seed, mig in enumerate([0.1, 0.2, 0.3]):
        _record(tmp_path, "infogan", seed, 0.9, 10.0)
        _record(tmp_path, "infogan", seed, mig, 0.05, dataset="dsprites")
    readme = tmp_path / "README.md"
    readme.write_text(f"{README_START}\nold\n{README_END}\n")
    write_tables(tmp_path, readme)
    assert "mig" not in readme.read_text()  # no dSprites markers: only the MNIST table
    assert (
        "| infogan | 3 | 1,000 | 0.2 ± 0.1 [" in (tmp_path / "tables" / "dsprites.md").read_text()
    )
    readme.write_text(
        f"{README_START}\nold\n{README_END}\n<!-- results-dsprites:start -->\n"
        "<!-- results-dsprites:end -->\n"
    )
    write_tables(tmp_path, readme)
    text = readme.read_text()
    section = text[text.index("results-dsprites:start") :]
    assert "dSprites, generated by" in section and "| infogan | 3 | 1,000 | 0.2 ± 0.1 |" in section
    assert "| mig |" not in text[: text.index("results-dsprites:start")].replace(" ", "")


def test_the_dsprites_table_sets_the_published_rows_and_what_was_scored_beside_ours(tmp_path):
    """InfoGAN-CR's three Table 1 rows with their steps under ours with our steps; each of our
    rows says which representation was scored and which factor its model was given."""
    scoring = {
        "infogan": {"representation": "own Q", "given_factors": []},
        "cgan": {"representation": "post-hoc encoder", "given_factors": ["shape"]},
    }
    for model, details in scoring.items():
        for seed in range(2):
            _record(tmp_path, model, seed, 0.1 + seed / 10, 0.05, dataset="dsprites")
            path = tmp_path / "records" / f"dsprites__{model}__quick__seed{seed}.json"
            rec = json.loads(path.read_text())
            rec.update(budget_steps=1000, details={"disentanglement": details})
            path.write_text(json.dumps(rec))
    write_tables(tmp_path, None)
    text = (tmp_path / "tables" / "dsprites.md").read_text()
    assert "| model | seeds | steps | scored | given | mig | sap | published |" in text
    assert "| infogan | 2 | 1,000 | own Q | none | 0.15 ± 0.071 [" in text
    assert "| cgan | 2 | 1,000 | post-hoc encoder | shape (not scored) | 0.15 ± 0.071 [" in text
    assert "| *published: original InfoGAN* |  | not stated |  |  | 0.05 |  |" in text
    assert "| *published: modified InfoGAN* |  | 288,000 |  |  | 0.22 | 0.41 |" in text
    assert "| *published: InfoGAN-CR* |  | 322,560 |  |  | 0.37 | 0.58 |" in text


def test_dsprites_curves_mark_the_published_rows_at_the_images_their_schedule_saw():
    import matplotlib.pyplot as plt

    from benchmarks.reporting.plots import mark_published

    fig, ax = plt.subplots()
    mark_published(ax, "dsprites", "mig")
    points = sorted(tuple(c.get_offsets()[0]) for c in ax.collections)
    plt.close(fig)
    # modified InfoGAN at 288,000 and InfoGAN-CR at 322,560 steps of 64 images; the original
    # InfoGAN row states no schedule, so it has no place on the axis
    assert points == [(288_000 * 64, 0.22), (322_560 * 64, 0.37)]


def test_equivalence_compares_options_on_with_options_off(tmp_path, capsys):
    from benchmarks.speed.equivalence import main

    off = {"amp": "0", "channels_last": "0", "freeze_d_in_g": "0", "fused_adam": "0"}
    for seed, (acc_on, acc_off) in enumerate([(0.80, 0.82), (0.90, 0.88), (1.00, 0.95)]):
        _record(tmp_path, "infogan", seed, acc_on, 10.0, overrides=None)
        _record(tmp_path, "infogan", seed, acc_off, 30.0 + seed, overrides=off)
    assert main(["--out", str(tmp_path)]) == 0
    md = (tmp_path / "speed" / "equivalence_mnist_infogan.md").read_text()
    acc_row = next(line for line in md.splitlines() if line.startswith("| code_acc_c1"))
    # the judge's Frechet distance under its reader's name, never as a bare fid
    fid_row = next(line for line in md.splitlines() if line.startswith("| FD (judge) |"))
    assert not any(line.startswith("| fid") for line in md.splitlines())
    assert "+0.0167" in acc_row and "| yes |" in acc_row  # 0.9 - 0.8833, spread 0.1
    assert "| no |" in fid_row  # 10 vs 31: far outside a spread of 1
    assert main(["--out", str(tmp_path), "--model", "gan"]) == 2


def test_equivalence_compares_runs_trained_alone_with_the_same_seeds_fused(tmp_path, capsys):
    """Fused records bear the separate ones' names, so they come from a folder of their own; a
    run there that was not fused, and a fused one among the separate, sit on their own side."""
    from benchmarks.speed.equivalence import main

    alone, fused = tmp_path / "results", tmp_path / "fused"
    for seed, (acc_alone, acc_fused) in enumerate([(0.80, 0.82), (0.90, 0.88), (1.00, 0.95)]):
        _record(alone, "infogan", seed, acc_alone, 10.0)
        _record(fused, "infogan", seed, acc_fused, 30.0 + seed, fused=3)
    _record(fused, "infogan", 7, 0.0, 99.0)  # trained alone: not a fused run, left out
    assert main(["--out", str(alone)]) == 2  # no speed-options-off runs: nothing to compare
    assert main(["--out", str(alone), "--fused", str(fused)]) == 0
    md = (alone / "speed" / "equivalence_fused_mnist_infogan.md").read_text()
    assert "Trained alone vs fused (K = 3)" in md and "| separate | fused |" in md
    acc_row = next(line for line in md.splitlines() if line.startswith("| code_acc_c1"))
    assert "(n=3)" in acc_row and "+0.0167" in acc_row and "| yes |" in acc_row
    assert "| no |" in next(line for line in md.splitlines() if line.startswith("| FD (judge)"))
    assert main(["--out", str(alone), "--fused", str(tmp_path / "nowhere")]) == 2
    assert "no records under" in capsys.readouterr().err


def test_equivalence_never_mixes_devices(tmp_path, capsys):
    """GPU records beside the CPU ones change neither the CPU comparison nor its file; the GPU
    one is compared on its own, under the GPU's name."""
    from benchmarks.speed.equivalence import main

    off = {"amp": "0", "channels_last": "0", "freeze_d_in_g": "0", "fused_adam": "0"}
    for seed, (acc_on, acc_off) in enumerate([(0.80, 0.82), (0.90, 0.88), (1.00, 0.95)]):
        _record(tmp_path, "infogan", seed, acc_on, 10.0, overrides=None)
        _record(tmp_path, "infogan", seed, acc_off, 30.0 + seed, overrides=off)
    for seed in (0, 1):
        _record(tmp_path, "infogan", seed, 0.1 + seed / 10, 90.0 + seed, gpu="NVIDIA H100")
        _record(tmp_path, "infogan", seed, 0.3, 70.0 - seed, overrides=off, gpu="NVIDIA H100")
    assert main(["--out", str(tmp_path)]) == 0
    cpu_md = (tmp_path / "speed" / "equivalence_mnist_infogan.md").read_text()
    assert "+0.0167" in next(r for r in cpu_md.splitlines() if r.startswith("| code_acc_c1"))
    assert "(n=3)" in cpu_md and "budget, cpu" in cpu_md
    assert main(["--out", str(tmp_path), "--device", "cuda"]) == 0
    gpu_md = (tmp_path / "speed" / "equivalence_mnist_infogan_NVIDIA-H100.md").read_text()
    assert "budget, NVIDIA H100" in gpu_md and "(n=2)" in gpu_md
    assert "-0.15" in next(r for r in gpu_md.splitlines() if r.startswith("| code_acc_c1"))
    assert main(["--out", str(tmp_path), "--device", "mps"]) == 2
    assert "no records made on 'mps'" in capsys.readouterr().err


def test_speed_summary_states_the_ratios_and_the_peak(tmp_path):
    from benchmarks.reporting.tables import replace_section
    from benchmarks.speed.compare import summary_markdown

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


def test_speed_summary_on_cuda_names_the_gpu_and_its_busy_fraction():
    from benchmarks.speed.compare import summary_markdown

    result = {
        "fast_options": {"amp": False, "fused_adam": True},
        "baseline_ips": 5000.0,
        "harness_off_ips": 12000.0,
        "harness_fast_ips": 40000.0,
        "gflop_per_image": 0.3,
        "ratio_fast_vs_off": 40000.0 / 12000.0,
        "matmul_fp32_gflops": 50000.0,
        "matmul_bf16_gflops": 700000.0,
        "achieved_gflops_fast": 12000.0,
        "rounds": 5,
        "steps": 20,
        "cpu": "host cpu",
        "threads": 16,
        "device_type": "cuda",
        "device_name": "Test GPU 80GB",
        "gpu_busy_off": 0.19,
        "gpu_busy_fast": 0.85,
        "versions": {"torch": "2.x"},
        "commit": "abcdef0123",
    }
    md = summary_markdown(result)
    assert "| GPU busy |" in md.splitlines()[0]
    assert "| harness, fused_adam | 40000 | 12000 | 8.00x | 85% |" in md
    assert "| harness, every speed option off | 12000 | 3600 | 2.40x | 19% |" in md
    assert "Test GPU 80GB" in md and "host cpu" not in md and "--device cuda" in md


def test_the_gpu_busy_fraction_is_not_made_up_on_the_cpu():
    from benchmarks.speed.compare import gpu_busy_fraction, timed

    calls = []
    assert gpu_busy_fraction(lambda: calls.append(1), torch.device("cpu"), 3) is None
    assert calls == []
    assert timed(lambda: calls.append(1), 4, torch.device("cpu")) >= 0 and calls == [1] * 4


def _curve_record(out, model, seed, floors=None):
    """A complete record with hparams, a sample count, optional floors and a learning curve."""
    rec = {
        "run_id": f"mnist__{model}__quick__seed{seed}",
        "model": model,
        "dataset": "mnist",
        "budget": "quick",
        "seed": seed,
        "overrides": {},
        "status": "complete",
        "hparams": {"cat_size": 10},
        "metrics": {"code_acc_c1": 0.7, "fid": 2.0 + seed, "recall": 0.5, "quality_samples": 10000},
        "curve": [
            {"step": s, "images_seen": 128.0 * s, "train_seconds": 0.3 * s + seed, "fid": 50.0 / s}
            for s in (10.0, 100.0, 1000.0)
        ],
    }
    if floors is not None:
        rec["floors"] = floors
    (out / "records").mkdir(parents=True, exist_ok=True)
    (out / "records" / f"{rec['run_id']}.json").write_text(json.dumps(rec))


def test_floors_made_by_two_machines_judges_are_never_averaged(tmp_path):
    """Each CPU trains its own judge (other float arithmetic, other weights): a table whose rows
    come from two CPUs gets one floor row per CPU, naming its rows, and no blended floor."""
    from benchmarks.reporting.tables import FLOOR_ROW, reference_rows

    def record(model: str, cpu: str, fd: float) -> dict:
        return {
            "model": model,
            "cpu": cpu,
            "device": "cpu",
            "metrics": {"fid": 1.0},
            "floors": {"fid": fd},
        }

    one_cpu = [record("gan", "AMD EPYC", 0.132), record("cgan", "AMD EPYC", 0.132)]
    assert reference_rows(one_cpu, {"fid"})[FLOOR_ROW]["fid"] == "0.132"
    rows = reference_rows([*one_cpu, record("acgan", "Intel Xeon", 0.137)], {"fid"})
    floors = {label: row["fid"] for label, row in rows.items() if "floor" in label}
    assert floors == {
        "*real-data floor: train vs test, on AMD EPYC (gan, cgan)*": "0.132",
        "*real-data floor: train vs test, on Intel Xeon (acgan)*": "0.137",
    }


def test_tables_show_chance_and_judge_floor_beside_the_metrics(tmp_path):
    from benchmarks.reporting.tables import CHANCE_ROW, FLOOR_ROW

    for seed in range(2):
        _curve_record(tmp_path, "infogan", seed, floors={"fid": 0.1 + 0.1 * seed, "recall": 0.9})
    readme = tmp_path / "README.md"
    readme.write_text(f"{README_START}\n{README_END}\n")
    write_tables(tmp_path, readme)
    md = (tmp_path / "tables" / "mnist.md").read_text()
    cells = {
        line.split(" | ")[0].lstrip("| "): [c.strip(" |") for c in line.split(" | ")]
        for line in md.splitlines()
        if line.startswith("| ")
    }
    col = {name: i for i, name in enumerate(cells["model"])}
    chance, floor = cells[CHANCE_ROW], cells[FLOOR_ROW]
    assert chance[col["code_acc_c1"]] == "0.113"  # not 0.1: Hungarian picks the best match
    fid, recall = col["FD (judge)"], col["recall (judge)"]  # the registry's display names
    assert chance[fid] == "" and floor[col["code_acc_c1"]] == ""
    assert (floor[fid], floor[recall]) == ("0.15", "0.9")
    assert CHANCE_ROW in readme.read_text()
    first = md
    write_tables(tmp_path, readme)
    assert (tmp_path / "tables" / "mnist.md").read_text() == first  # deterministic


def test_learning_curve_figures_only_where_records_have_curves(tmp_path):
    _record(tmp_path, "gan", 0, 0.1, 30.0)  # no curve
    assert not any("curves" in p.name for p in write_plots(tmp_path))
    for seed in range(2):
        _curve_record(tmp_path, "infogan", seed)
    written = {p.name: p for p in write_plots(tmp_path)}
    assert {"mnist_curves_images.png", "mnist_curves_seconds.png"} <= written.keys()
    first = written["mnist_curves_seconds.png"].read_bytes()
    write_plots(tmp_path)
    assert written["mnist_curves_seconds.png"].read_bytes() == first


# --- records the tables cannot read -------------------------------------------------------------


def _complete(run_id: str, seed: int, **metrics: float) -> dict:
    return {
        "run_id": run_id,
        "model": "gan",
        "dataset": "mnist",
        "budget": "quick",
        "seed": seed,
        "status": "complete",
        "metrics": metrics,
    }


@pytest.mark.parametrize(
    "bad, key",
    [
        ({"metrics": None}, "'metrics'"),  # removed below: a record without metrics
        ({"metrics": {"fid": float("nan")}}, "metrics.fid is nan"),
        ({"metrics": {"fid": 5.0, "precision": float("inf")}}, "metrics.precision is inf"),
        ({"metrics": {"fid": "5"}}, "metrics.fid is '5'"),
        ({"seed": None}, "'seed'"),
    ],
    ids=["no-metrics", "nan", "inf", "text", "no-seed"],
)
@pytest.mark.parametrize("beside_a_good_one", [False, True])
def test_a_record_tables_cannot_read_is_one_line_naming_file_and_key_exit_2(
    tmp_path, capsys, bad, key, beside_a_good_one
):
    """Alone, such a record used to give exit 0 and no table; beside a good one, a traceback;
    and a NaN metric silently dropped a seed from a mean whose seed count still included it."""
    from benchmarks.records import write_record
    from benchmarks.reporting import plots, tables

    if beside_a_good_one:
        write_record(tmp_path, _complete("mnist__gan__quick__seed0", 0, fid=4.0))
    record = _complete("mnist__gan__quick__seed1", 1, fid=6.0)
    for k, v in bad.items():
        if v is None:
            del record[k]
        else:
            record[k] = v
    path = write_record(tmp_path, record)
    for tool in (tables, plots):
        assert tool.main(["--out", str(tmp_path)]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1, err
        assert str(path) in err and key in err
    assert not (tmp_path / "tables").exists() and not (tmp_path / "figures").exists()


def test_tables_for_another_folder_leave_the_checkouts_readme_alone(tmp_path, monkeypatch, capsys):
    """Only --readme PATH, or --out being the checkout's own results/, rewrites a README."""
    from benchmarks.records import write_record
    from benchmarks.reporting import tables

    checkout = tmp_path / "checkout"
    (checkout / "results").mkdir(parents=True)
    readme = checkout / "README.md"
    readme.write_text(f"{README_START}\nold\n{README_END}\n")
    monkeypatch.setattr(tables, "CHECKOUT", checkout)
    monkeypatch.chdir(checkout)  # the old default was ./README.md whatever --out said
    scratch = tmp_path / "scratch"
    write_record(scratch, _complete("mnist__gan__quick__seed0", 0, fid=4.0))
    assert tables.main(["--out", str(scratch)]) == 0
    assert "old" in readme.read_text()

    asked = tmp_path / "other.md"
    asked.write_text(f"{README_START}\nold\n{README_END}\n")
    assert tables.main(["--out", str(scratch), "--readme", str(asked)]) == 0
    assert "old" not in asked.read_text() and "old" in readme.read_text()

    write_record(checkout / "results", _complete("mnist__gan__quick__seed0", 0, fid=4.0))
    assert tables.main(["--out", "results"]) == 0  # the checkout's own results/
    assert "old" not in readme.read_text() and "| gan |" in readme.read_text()


def test_a_record_from_before_shown_logs_keeps_the_panels_its_family_shows():
    """Records written before ``shown_logs`` was stored still get the logs their family marks
    as shown (InfoGAN's ``li_c1``), not only the losses; a stored list is used as it is."""
    from benchmarks.reporting.plots import training_frame

    history = [
        {"step": 50.0, "loss_d": 1.2, "loss_g": 0.9, "li_c1": 2.1, "d_info": 0.3},
        {"step": 100.0, "loss_d": 1.1, "loss_g": 1.0, "li_c1": 1.9, "d_info": 0.2},
    ]
    old = {"model": "infogan", "dataset": "mnist", "budget": "quick", "seed": 0}
    plain = {**old, "model": "gan", "seed": 1}
    stored = {**old, "seed": 2, "shown_logs": ["loss_d", "loss_g"]}
    records = [{**rec, "history": history} for rec in (old, plain, stored)]
    frame = training_frame(records, "mnist")
    shown = {seed: set(frame[frame.seed == seed].quantity) for seed in (0, 1, 2)}
    assert shown == {
        0: {"loss_d", "loss_g", "li_c1"},
        1: {"loss_d", "loss_g"},
        2: {"loss_d", "loss_g"},
    }


def test_a_longer_look_stands_beside_the_headline_budget_in_the_readme():
    """``dsprites_long`` runs made so far are shown beside the ``dsprites`` headline, even
    before every model has one; shorter budgets stay out."""
    from benchmarks.reporting.tables import headline_budget, longer_budgets

    done = [
        {"model": m, "budget": b, "status": "complete"}
        for m, b in [
            ("infogan", "dsprites"),
            ("gan", "dsprites"),
            ("infogan", "dsprites_long"),
            ("gan", "quick"),
            ("gan", "paper"),
        ]
    ]
    failed = [{"model": "gan", "budget": "anchor", "status": "failed"}]
    assert headline_budget(done) == "dsprites"
    assert longer_budgets(done + failed, "dsprites") == ["dsprites_long"]
    assert longer_budgets(done, "dsprites_long") == []
    assert longer_budgets(done, "quick") == ["dsprites", "dsprites_long"]  # paper is general


def test_a_cell_from_fewer_seeds_than_its_row_says_how_many(tmp_path):
    """Inception FID exists only in the runs made with --inception: a row of three seeds whose
    FID comes from one says so in that cell, in the full table and in the README."""
    for seed in range(3):
        _record(tmp_path, "gan", seed, 0.2, 1.0 + seed, budget="paper")
    path = tmp_path / "records" / "mnist__gan__paper__seed0.json"
    rec = json.loads(path.read_text())
    rec["metrics"]["fid_inception"] = 30.0
    path.write_text(json.dumps(rec))
    readme = tmp_path / "README.md"
    readme.write_text(f"{README_START}\n{README_END}\n")
    write_tables(tmp_path, readme)
    for text in ((tmp_path / "tables" / "mnist.md").read_text(), readme.read_text()):
        row = next(line for line in text.splitlines() if line.startswith("| gan (paper)"))
        assert "| 3 |" in row and "| 30 (n=1) |" in row, row
        assert "(n=3)" not in row and "2 ± 1" in row  # the full cells say nothing more
