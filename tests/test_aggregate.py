"""The one aggregation over seeds: one seed (no spread), mixed budgets and overrides, missing
values, and how cells are written."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from benchmarks.reporting.aggregate import aggregate, format_cell
from benchmarks.reporting.tables import dataset_tables


def rec(seed, budget="quick", status="complete", overrides=None, model="infogan", **metrics):
    return {
        "run_id": f"mnist__{model}__{budget}__seed{seed}",
        "model": model,
        "dataset": "mnist",
        "budget": budget,
        "seed": seed,
        "overrides": overrides or {},
        "status": status,
        "metrics": metrics or {"fid": 10.0 + seed},
    }


def row(agg, metric, **where):
    sel = agg[agg.metric == metric]
    for key, value in where.items():
        sel = sel[sel[key] == value]
    assert len(sel) == 1, sel
    return sel.iloc[0]


def test_one_seed_has_a_mean_and_no_spread():
    agg = aggregate([rec(0, fid=12.5)])
    r = row(agg, "fid")
    assert (r["n"], r["mean"]) == (1, 12.5)
    assert math.isnan(r["std"]) and math.isnan(r["ci95"])
    table, _ = dataset_tables([rec(0, fid=12.5)], "mnist")
    assert table.loc["infogan", "fid"] == "12.5"  # no "± nan", no interval
    assert table.loc["infogan", "seeds"] == "1"


def test_two_seeds_give_the_sample_std_and_a_t_interval():
    agg = aggregate([rec(0, fid=10.0), rec(1, fid=14.0)])
    r = row(agg, "fid")
    std = math.sqrt(8.0)  # ddof=1
    assert r["n"] == 2 and r["mean"] == 12.0 and math.isclose(r["std"], std)
    assert math.isclose(r["ci95"], stats.t.ppf(0.975, 1) * std / math.sqrt(2))
    assert math.isclose(r["ci95"], 12.706 * std / math.sqrt(2), rel_tol=1e-4)


def test_budgets_and_overrides_are_never_averaged_together():
    records = [
        rec(0, fid=10.0),
        rec(1, fid=12.0),
        rec(0, budget="paper", fid=4.0),
        rec(0, overrides={"lr_g": 1e-4}, fid=30.0),
    ]
    agg = aggregate(records)
    assert len(agg[agg.metric == "fid"]) == 3
    assert row(agg, "fid", budget="quick", overrides="{}")[["n", "mean"]].tolist() == [2, 11.0]
    assert row(agg, "fid", budget="paper")[["n", "mean"]].tolist() == [1, 4.0]
    assert row(agg, "fid", overrides='{"lr_g": 0.0001}')["mean"] == 30.0
    table, _ = dataset_tables(records, "mnist")
    assert set(table.index) == {"infogan", "infogan (paper)", "infogan [lr_g=0.0001]"}
    assert table.loc["infogan (paper)", "seeds"] == "1"
    assert table.loc["infogan", "seeds"] == "2"


def test_only_complete_runs_count():
    records = [rec(0, fid=10.0), rec(1, status="diverged", fid=99.0), rec(2, status="failed")]
    r = row(aggregate(records), "fid")
    assert (r["n"], r["mean"]) == (1, 10.0)
    empty = aggregate([rec(0, status="failed")])
    assert empty.empty
    assert list(empty.columns) == [
        "model",
        "dataset",
        "budget",
        "overrides",
        "device",
        "metric",
        "mean",
        "std",
        "ci95",
        "n",
    ]
    assert aggregate([]).empty


def test_missing_values_are_left_out_not_counted_as_zero():
    records = [rec(0, fid=10.0, mig=0.5), rec(1, fid=12.0), rec(2, fid=14.0, mig=float("nan"))]
    agg = aggregate(records)
    assert row(agg, "fid")["n"] == 3
    mig = row(agg, "mig")
    assert (mig["n"], mig["mean"]) == (1, 0.5) and math.isnan(mig["std"])


def test_metrics_follow_the_registry_and_undeclared_keys_come_last_not_dropped():
    agg = aggregate([rec(0, not_a_metric=1.0, mig=0.1, fid=3.0)])
    # registry order, not record order; a key no metric declares is kept (and reported by
    # the tables), after the declared ones
    assert list(agg.metric) == ["fid", "mig", "not_a_metric"]


def test_every_id_column_is_carried_into_the_rows():
    r = row(aggregate([rec(0, model="gan", fid=1.0)]), "fid")
    assert (r["model"], r["dataset"], r["budget"], r["overrides"]) == (
        "gan",
        "mnist",
        "quick",
        "{}",
    )


@pytest.mark.parametrize(
    "mean, std, text",
    [
        (0.912345, float("nan"), "0.912"),
        (0.912345, 0.0123, "0.912 ± 0.012"),
        (12.5, 1e-12, "12.5 ± 0"),
        (12.5, 0.0, "12.5 ± 0"),
        (1234.5, 2.0, "1.23e+03 ± 2"),
    ],
)
def test_format_cell(mean, std, text):
    assert format_cell(mean, std) == text


def test_format_cell_digits():
    assert format_cell(0.912345, 0.01, digits=2) == "0.91 ± 0.01"


def test_groups_keep_the_order_the_records_come_in():
    """Tables list groups in record order (the runner's file order), not re-sorted by key."""
    records = [
        rec(0, fid=1.0),
        rec(0, overrides={"lr_g": 1e-4}, fid=2.0),
        rec(0, budget="paper", fid=3.0),
    ]
    agg = aggregate(records)
    assert agg[agg.metric == "fid"]["mean"].tolist() == [1.0, 2.0, 3.0]
    table, _ = dataset_tables(records, "mnist")
    assert list(table.index) == ["infogan", "infogan [lr_g=0.0001]", "infogan (paper)"]


def test_a_metric_one_group_lacks_does_not_hide_the_next_metrics():
    agg = aggregate([rec(0, model="gan", fid=5.0), rec(0, model="infogan", mig=0.3)])
    assert row(agg, "fid", model="gan")["mean"] == 5.0
    assert row(agg, "mig", model="infogan")["mean"] == 0.3
    assert len(agg) == 2


def test_records_from_different_devices_are_never_averaged_together():
    cpu = [rec(0, fid=2.0), rec(1, fid=4.0)]
    gpu = [
        {**rec(s, fid=fid), "device": "cuda:0", "gpu": "NVIDIA H100 80GB HBM3"}
        for s, fid in ((0, 1.0), (1, 1.5))
    ]
    agg = aggregate(cpu + gpu)
    assert row(agg, "fid", device="cpu")["mean"] == 3.0
    assert row(agg, "fid", device="NVIDIA H100 80GB HBM3")["mean"] == 1.25
    table, _ = dataset_tables(cpu + gpu, "mnist")
    assert {"infogan", "infogan @ NVIDIA H100 80GB HBM3"} <= set(table.index)
    assert table.loc["infogan", "seeds"] == table.loc["infogan @ NVIDIA H100 80GB HBM3", "seeds"]


def test_difference_of_means_has_a_welch_interval_over_the_seeds():
    from benchmarks.reporting.aggregate import difference_interval

    diff, lo, hi = difference_interval([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    # equal variances 1 and three seeds a side: Welch's df is 4, half width t(0.975, 4) sqrt(2/3)
    half = 2.776445 * math.sqrt(2 / 3)
    assert math.isclose(diff, -3.0)
    assert math.isclose(lo, -3.0 - half, rel_tol=1e-5) and math.isclose(
        hi, -3.0 + half, rel_tol=1e-5
    )
    # unequal spreads: the interval is wider than a pooled one would have it, still centred
    diff, lo, hi = difference_interval([0.0, 0.1, 0.2], [0.0, 1.0, 2.0, 3.0])
    assert math.isclose((lo + hi) / 2, diff) and lo < 0 < hi
    one = difference_interval([1.0], [2.0, 3.0])
    assert one[0] == -1.5 and math.isnan(one[1]) and math.isnan(one[2])
