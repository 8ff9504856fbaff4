"""The "not converged" rule: a row's curves still climbing steeply at their last point."""

from __future__ import annotations

import math

from synthetic import paper_record

from benchmarks.reporting.convergence import (
    NOT_CONVERGED,
    STEEP_GAIN_PER_DECADE,
    is_not_converged,
    last_gain_per_decade,
)
from benchmarks.runner.summary import summary_table


def curve(*points):
    return [{"step": float(s), "recall": r} for s, r in points]


def rec(model, seed, points):
    return paper_record(
        model, seed, metrics={"fid": 1.0 + seed, "recall": points[-1][1]}, curve=curve(*points)
    )


def test_the_gain_is_per_decade_over_the_last_two_points():
    # 0.3 -> 0.5 between steps 1,000 and 10,000 is 0.2 per decade; earlier points do not count
    assert math.isclose(last_gain_per_decade(curve((10, 0.0), (1000, 0.3), (10000, 0.5))), 0.2)
    # a tenth of a decade: 0.1 gained there is 1.0 per decade (read unsorted, as stored)
    steps = (10**3.9, 0.4), (10, 0.0), (10**4, 0.5)
    assert math.isclose(last_gain_per_decade(curve(*steps)), 1.0)
    assert last_gain_per_decade(curve((10, 0.1))) is None
    assert last_gain_per_decade([{"step": 10.0, "fid": 3.0}, {"step": 20.0, "fid": 2.0}]) is None


def test_a_row_is_not_converged_where_its_seeds_still_rise_steeply_on_average():
    steep = [rec("sgan", s, [(2997, 0.3), (5000, 0.3 + g)]) for s, g in enumerate((0.2, 0.25))]
    flat = [rec("cgan", s, [(2997, 0.75), (5000, 0.78)]) for s in range(2)]
    assert is_not_converged(steep) and not is_not_converged(flat)
    # one steep seed beside a flat one: the mean decides (0.2/0.222 and 0 average to 0.45)
    mixed = [steep[0], rec("sgan", 5, [(2997, 0.5), (5000, 0.5)])]
    assert not is_not_converged(mixed)
    assert not is_not_converged([{"metrics": {}}])  # no curve: nothing to say
    assert STEEP_GAIN_PER_DECADE == 0.5


def test_the_summary_marks_the_row_and_points_to_the_report():
    steep = [rec("sgan", s, [(2997, 0.3), (5000, 0.55)]) for s in range(2)]
    flat = [rec("cgan", s, [(2997, 0.75), (5000, 0.78)]) for s in range(2)]
    text = summary_table(steep + flat)
    lines = {line.split()[0]: line for line in text.splitlines() if line.split()}
    assert NOT_CONVERGED in lines["sgan"] and NOT_CONVERGED not in lines["cgan"]
    assert "python -m benchmarks.report" in text
