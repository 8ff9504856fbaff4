"""``python -m benchmarks.sample``: draw from a finished run's checkpoint, and the round trip
sample -> evaluate that gives the run's own metrics back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks import evaluate, sample
from benchmarks.evaluate import shown
from benchmarks.run import main as run_main

#: samples per evaluation: for a conditional model the fewest at which its intra-class scores
#: run (129 per label), for InfoGAN a small bank (above the 129 of FID)
SAMPLES = {"cgan": 1300, "infogan": 600}


@pytest.fixture(scope="module", params=["cgan", "infogan"])
def smoke_run(
    request, tmp_path_factory: pytest.TempPathFactory, real_data_root: Path, session_cache: Path
):
    """(model, results folder) of a committed-code smoke run, evaluated on SAMPLES samples.

    A module fixture starts before the autouse one sets the session's cache, so it sets it
    itself: the run must be judged by the very judge the tests' evaluations use (with the
    process's own cache the run and the round trip were scored by two judges, trained apart,
    and differed in the fourth digit in CI)."""
    out = tmp_path_factory.mktemp(f"smoke-{request.param}")
    argv = ["--models", request.param, "--budget", "smoke", "--seeds", "1", "--device", "cpu"]
    argv += ["--num-samples", str(SAMPLES[request.param]), "--no-progress", "--out", str(out)]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GAN_ZOO_CACHE", str(session_cache))
        env.setenv("GAN_ZOO_DATA", str(real_data_root))
        env.delenv("GAN_ZOO_RUNS", raising=False)
        assert run_main(argv) == 0
    return request.param, out


def test_sample_then_evaluate_gives_the_records_metrics(smoke_run, capsys):
    model, out = smoke_run
    run_id = f"mnist__{model}__smoke__seed0"
    exported = out / "exported.npz"
    argv = [run_id, "--out", str(out), "--export", str(SAMPLES[model]), "--npz", str(exported)]
    assert sample.main(argv) == 0
    args = ["--dataset", "mnist", "--samples", str(exported), "--name", "roundtrip"]
    assert evaluate.main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    own = json.loads((out / "records" / f"{run_id}.json").read_text())["metrics"]
    external = json.loads((out / "records" / "external__mnist__roundtrip.json").read_text())
    scored = external["metrics"]
    # every metric that needs no model came back, to the printed precision
    assert set(scored) == {k for k in own if not k.startswith(("posthoc_", "li_bound_"))}
    for key, value in scored.items():
        assert shown(value) == shown(own[key]), key
        assert f"  {shown(value)}" in printed
    if model == "infogan":  # its categorical code travelled with its layout
        assert external["external"]["codes"] == {"c1": 10}
        assert (
            "code_acc_c1" in scored and "needs a model" in external["skipped_metrics"]["own_bound"]
        )
    else:
        assert external["external"]["labels"] and "intra_coverage" in scored
    # the exported file is the run's own evaluation bank
    bank = np.load(out / "runs" / run_id / "samples.npz")
    assert np.array_equal(np.load(exported)["images"], bank["images"])


def test_grid_traversals_and_label_sweeps_are_drawn(smoke_run, tmp_path: Path):
    model, out = smoke_run
    run_id = f"mnist__{model}__smoke__seed0"
    to = tmp_path / "drawn"
    extra = ["--labels", "1,7"] if model == "cgan" else ["--codes", "c1"]
    assert sample.main([run_id, "--out", str(out), "--to", str(to), "--grid", "16", *extra]) == 0
    grid = Image.open(to / "samples.png")
    assert grid.size == (4 * 29 + 1, 4 * 29 + 1)  # 4 x 4 images of 28 pixels, 1 pixel apart
    if model == "cgan":
        sweep = Image.open(to / "traversal_label.png")
        assert sweep.size == (2 * 29 + 1, 8 * 29 + 1)  # the two labels, 8 rows
    else:
        assert Image.open(to / "traversal_c1.png").size == (10 * 29 + 1, 8 * 29 + 1)
        assert not (to / "traversal_c2.png").exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["mnist__nobody__smoke__seed0"], "no record"),
        (["RUN", "--codes", "c9"], "unknown code(s) c9"),
        (["RUN", "--labels", "12"], "--labels must lie in 0..9"),
        (["RUN", "--export", "-3"], ">= 0"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(smoke_run, args, fragment, tmp_path, capsys):
    model, out = smoke_run
    if model != "cgan":
        pytest.skip("one model is enough for the option checks")
    argv = [a.replace("RUN", f"mnist__{model}__smoke__seed0") for a in args]
    to = tmp_path / "drawn"
    assert sample.main([*argv, "--out", str(out), "--to", str(to)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and fragment in err, err
    assert not to.exists()


def test_a_run_without_its_folder_says_where_to_look(smoke_run, tmp_path, capsys, monkeypatch):
    model, out = smoke_run
    monkeypatch.setenv("GAN_ZOO_RUNS", str(tmp_path / "elsewhere"))
    assert sample.main([f"mnist__{model}__smoke__seed0", "--out", str(out)]) == 2
    assert "GAN_ZOO_RUNS" in capsys.readouterr().err


@pytest.mark.parametrize("smoke_run", ["infogan"], indirect=True)
def test_draws_on_any_device(smoke_run, device, tmp_path: Path):
    """A CPU run's checkpoint drawn on each device here (CUDA where present); one model is
    enough to move between devices, and the CUDA check need not train the others first."""
    model, out = smoke_run
    to = tmp_path / "drawn"
    argv = [f"mnist__{model}__smoke__seed0", "--out", str(out), "--to", str(to)]
    assert sample.main([*argv, "--device", device.type, "--export", "200", "--grid", "4"]) == 0
    exported = np.load(to / "samples.npz")
    assert exported["images"].shape == (200, 1, 28, 28) and exported["codes"].shape == (200, 1)
    assert list(exported["code_names"]) == ["c1"] and list(exported["code_sizes"]) == [10]
    assert (to / "samples.png").exists() and (to / "traversal_c2.png").exists()
