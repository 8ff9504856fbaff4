"""benchmarks.probe_gap: a dSprites curve's last row beside the full evaluation of the same
weights, and the probe's spread over other fixed draws of the final checkpoint."""

from __future__ import annotations

import json

import pytest
from synthetic import synthetic_dsprites

import benchmarks.runner.execute
from benchmarks.probe_gap import main
from gan_zoo.config import Budget
from gan_zoo.metrics.curves import curve_probe
from gan_zoo.models import build
from gan_zoo.train import Trainer
from gan_zoo.train.seeding import seed_everything

RUN = "dsprites__infogan__smoke__seed0"


@pytest.fixture
def finished_run(tmp_path, monkeypatch):
    """A 4-step infogan run on rendered dSprites with its curve, checkpoint and record; the
    record's metrics stand for the full evaluation (known numbers, so the gap is known)."""
    data = synthetic_dsprites(128)
    monkeypatch.setattr(benchmarks.runner.execute, "cached_dataset", lambda name, root: data)
    seed_everything(0)
    model = build("infogan", data, batch_size=16)
    probe = curve_probe("dsprites", 4, num_samples=100, dataset=data)
    trainer = Trainer(model, data, Budget("t", 4, 2, 2, "t"), 0, tmp_path / "runs" / RUN,
                      "cpu", False, probe=probe)  # fmt: skip
    assert trainer.fit().status == "complete"
    last = trainer.curve.rows[-1]
    record = {
        "run_id": RUN, "model": "infogan", "dataset": "dsprites", "budget": "smoke", "seed": 0,
        "overrides": {"batch_size": 16}, "status": "complete", "steps": 4,
        "curve": trainer.curve.rows, "curve_protocol": probe.protocol(model),
        "metrics": {"mig": last["mig"] - 0.25, "sap": last["sap"] + 0.5, "fid": 1.0},
    }  # fmt: skip
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / f"{RUN}.json").write_text(json.dumps(record))
    return tmp_path


def test_the_last_row_is_set_beside_the_evaluation_with_its_gap(finished_run, capsys):
    assert main([RUN, "--out", str(finished_run)]) == 0
    out = capsys.readouterr().out
    assert "step 4" in out
    assert "| mig |" in out and "| +0.250 |" in out
    assert "| sap |" in out and "| -0.500 |" in out
    assert "fid" not in out and "factorvae" not in out  # not in both, or not a curve metric


def test_other_draws_of_the_final_checkpoint_give_the_probes_spread(finished_run, capsys):
    assert main([RUN, "--out", str(finished_run), "--draws", "2"]) == 0
    assert "(3 draws)" in capsys.readouterr().out  # the row's own draw and two others


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["nosuch"], "no record nosuch"),
        ([RUN, "--draws", "-1"], "--draws must be 0 or more"),
    ],
)
def test_bad_input_is_one_line_exit_2(finished_run, capsys, argv, fragment):
    assert main([*argv, "--out", str(finished_run)]) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err and len(err.splitlines()) == 1


def test_a_missing_checkpoint_is_one_line_exit_2(finished_run, capsys):
    for path in (finished_run / "runs" / RUN).glob("checkpoint*.pt"):
        path.unlink()
    assert main([RUN, "--out", str(finished_run), "--draws", "1"]) == 2
    assert "no complete checkpoint" in capsys.readouterr().err
