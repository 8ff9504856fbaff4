"""``benchmarks.speed.jobs``: the --jobs comparison runs each plan from scratch and reports it."""

from __future__ import annotations

import json

import pytest

from benchmarks.speed.jobs import main, summary_markdown


def test_each_jobs_value_trains_the_whole_plan_afresh(tmp_path, real_data_root, monkeypatch):
    stale = tmp_path / "stale-runs"  # a user's run folder must not make N=2 skip its runs
    monkeypatch.setenv("GAN_ZOO_RUNS", str(stale))
    out = tmp_path / "jobs.json"
    argv = ["--device", "cpu", "--jobs", "1,2", "--models", "gan", "--seeds", "2"]
    argv += ["--budget", "smoke", "--num-samples", "600", "--set", "batch_size=16"]
    assert main([*argv, "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert [r["jobs"] for r in result["rows"]] == [1, 2]
    for row in result["rows"]:
        assert row["runs"] == 2
        # smoke is 30 steps of 16 images, twice, over the wall time
        assert row["train_images_per_second"] * row["wall_seconds"] == pytest.approx(2 * 30 * 16)
    assert not stale.exists()
    assert "| 2 | 2 |" in out.with_suffix(".md").read_text()


def test_the_summary_names_the_best_jobs_value():
    rows = [
        {"jobs": 1, "runs": 8, "wall_seconds": 80.0, "runs_per_minute": 6.0,
         "train_images_per_second": 1000.0},
        {"jobs": 4, "runs": 8, "wall_seconds": 30.0, "runs_per_minute": 16.0,
         "train_images_per_second": 2700.0},
        {"jobs": 8, "runs": 8, "wall_seconds": 35.0, "runs_per_minute": 13.7,
         "train_images_per_second": 2300.0},
    ]  # fmt: skip
    md = summary_markdown(
        {
            "rows": rows,
            "plan": "p",
            "device_name": "GPU",
            "commit": "abc1234",
            "device_type": "cuda",
        }
    )
    assert "Best: --jobs 4." in md and "| 4 | 8 | 30 | 16.00 | 2700 |" in md
