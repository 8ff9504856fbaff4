"""The two-model comparison behind the README's dSprites finding: means, Welch intervals and p
on records with known answers, and provenance read from the records."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from benchmarks.reporting.finding import comparison, provenance, welch_p


def _record(model: str, seed: int, mig: float, **extra) -> dict:
    return {
        "model": model,
        "dataset": "dsprites",
        "budget": "dsprites_long",
        "seed": seed,
        "status": "complete",
        "overrides": {},
        "threads": 2,
        "train_seconds": 1000.0 + seed,
        "cpu": "Test CPU",
        "commit": "abcdef1234",
        "metrics": {"mig": mig},
        **extra,
    }


RECORDS = [
    *(_record("infogan", s, v) for s, v in enumerate((1.0, 2.0, 3.0))),
    *(_record("infogan_noinfo", s, v) for s, v in enumerate((4.0, 5.0, 6.0))),
    _record("infogan", 9, 100.0, overrides={"lr_g": 1.0}),  # another experiment: left out
    _record("infogan", 8, 100.0, fused=3),  # trained fused: compared apart
]


def test_welch_p_is_the_textbook_value():
    # means 2 and 5, variances 1 and 1, n = 3 each: t = -3 / sqrt(2/3), df = 4
    t = -3 / math.sqrt(2 / 3)
    assert welch_p([1, 2, 3], [4, 5, 6]) == pytest.approx(2 * stats.t.sf(abs(t), 4), rel=1e-9)
    assert math.isnan(welch_p([1.0], [2.0, 3.0]))


def test_comparison_reads_only_the_runs_of_the_experiment():
    (row,) = comparison(RECORDS, "dsprites", "dsprites_long", "infogan", "infogan_noinfo")[
        ["infogan", "infogan_noinfo", "infogan - infogan_noinfo", "Welch p"]
    ].to_dict("records")
    half = stats.t.ppf(0.975, 2) * 1 / math.sqrt(3)
    assert row["infogan"] == f"2.000 [{2 - half:.3f}, {2 + half:.3f}] (n=3)"
    assert row["infogan - infogan_noinfo"].startswith("-3.000 [")
    assert row["Welch p"] == "0.02"


def test_provenance_is_read_from_the_records():
    line = provenance(RECORDS, "dsprites", "dsprites_long", ["infogan", "infogan_noinfo"])
    assert "infogan: seeds 0, 1, 2 (2 threads, 1,000-1,002 s of training each)" in line
    assert line.endswith("on Test CPU at commit abcdef1.")
