"""``--num-samples`` is checked before any run (issue 34, item 3): a positive count at least
every metric's minimum (or what the data holds, if less), lowered with a one-line note to what
the user's data supports (its test split, its train split, a tenth per class)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks import run

SMOKE = ["--models", "gan", "--budget", "smoke", "--device", "cpu", "--no-progress"]


pytestmark = pytest.mark.usefixtures("forget_user_datasets")


def write_folder(root: Path, per_class: int, classes: int = 2) -> Path:
    rng = np.random.default_rng(0)
    for c in range(classes):
        (root / f"class{c}").mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (28, 28), dtype=np.uint8)
            Image.fromarray(pixels).save(root / f"class{c}" / f"{i}.png")
    return root


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    return err


@pytest.mark.parametrize("count", ["0", "-5"])
def test_a_count_that_is_not_positive_is_one_line_and_exit_2(count, tmp_path, capsys):
    out = tmp_path / "out"
    assert run.main([*SMOKE, "--num-samples", count, "--out", str(out)]) == 2
    assert f"--num-samples must be a positive integer, got {count}" in one_line(capsys)
    assert not out.exists()


def test_a_count_below_a_metrics_minimum_names_the_least_that_works(tmp_path, capsys):
    out = tmp_path / "out"
    assert run.main([*SMOKE, "--num-samples", "100", "--out", str(out)]) == 2
    assert "pass --num-samples 129 or more" in one_line(capsys)
    assert not out.exists()


def test_a_small_test_split_lowers_the_count_with_a_note_before_any_run(
    tmp_path, capsys, monkeypatch
):
    folder = write_folder(tmp_path / "digits", per_class=650)  # 65 of each class held out
    out = tmp_path / "out"
    argv = [*SMOKE, "--dataset", f"folder:{folder}", "--out", str(out)]
    assert run.main([*argv, "--dry-run"]) == 0
    err = capsys.readouterr().err
    assert "note: --num-samples 2000 is more than folder:" in err  # the smoke budget's count
    assert "its test split holds 130 images" in err and "evaluating on 130 samples" in err
    assert not out.exists()
    given = []
    monkeypatch.setattr(run, "execute", lambda specs, args, ev: given.append(ev.num_samples) or 0)
    assert run.main([*argv, "--num-samples", "1000"]) == 0
    assert given == [130]  # what the runs are evaluated on, and what their records say
    assert not (out / "records").exists() and not (out / "runs").exists()


def test_data_below_a_metrics_minimum_runs_at_what_it_holds_and_says_so(tmp_path, capsys):
    folder = write_folder(tmp_path / "tiny", per_class=300)  # 60 test images in all
    out = tmp_path / "out"
    argv = [*SMOKE, "--dataset", f"folder:{folder}", "--out", str(out), "--dry-run"]
    assert run.main([*argv, "--num-samples", "500"]) == 0
    err = capsys.readouterr().err
    assert "evaluating on 60 samples, fewer than the 129 metric 'quality' is defined on" in err
    # a count below both the minimum and what the data holds names the least that works
    assert run.main([*argv, "--num-samples", "30"]) == 2
    assert "pass --num-samples 60 or more" in one_line(capsys)
    assert not out.exists()
