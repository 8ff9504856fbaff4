"""``python -m benchmarks.plots``: a model's one colour in every figure, the learning curves'
per-seed lines and probe noise, and the gallery figure that says which rows hold which run."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from synthetic import paper_record

from benchmarks.reporting.plots import (
    curve_frame,
    gallery,
    gallery_rows,
    model_colour,
    probe_note,
    write_plots,
)


def write(out: Path, rec: dict) -> dict:
    (out / "records").mkdir(parents=True, exist_ok=True)
    (out / "records" / f"{rec['run_id']}.json").write_text(json.dumps(rec))
    return rec


def mnist_record(out: Path, model: str, seed: int) -> dict:
    """A complete MNIST run with a loss history and a three-point curve."""
    return write(
        out,
        paper_record(
            model,
            seed,
            metrics={"fid": 2.0 + seed, "recall": 0.5},
            history=[
                {"step": float(s), "loss_d": len(model) + s / 500, "loss_g": 0.9 + seed}
                for s in (50, 500)
            ],
            curve=[
                {"step": s, "images_seen": 64.0 * s, "train_seconds": s / 10, "fid": 90.0 / s**0.5}
                for s in (10.0, 100.0, 1000.0)
            ],
        ),
    )


def dsprites_record(out: Path, model: str, seed: int, votes: int | None = 40) -> dict:
    curve = [
        {
            "step": s,
            "images_seen": 64.0 * s,
            "train_seconds": s / 10,
            "mig": 0.01 * seed + s / 1e5,
            "factorvae": 0.25 + 0.05 * seed,
        }
        for s in (300.0, 3000.0)
    ]
    draw = {"mig": {"num_train": 2000}}
    if votes is not None:
        draw["factorvae"] = {"num_eval": votes, "num_train": 60}
    return write(
        out,
        {
            "run_id": f"dsprites__{model}__dsprites__seed{seed}",
            "model": model,
            "dataset": "dsprites",
            "budget": "dsprites",
            "seed": seed,
            "overrides": {},
            "status": "complete",
            "metrics": {"mig": 0.02, "factorvae": 0.3},
            "curve": curve,
            "curve_protocol": {"draw": draw},
        },
    )


def share_near(png: Path, colour: str, tolerance: int = 12) -> float:
    """The share of a PNG's pixels within ``tolerance`` (per channel) of ``colour``."""
    pixels = np.asarray(Image.open(png).convert("RGB")).astype(int)
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return float((np.abs(pixels - rgb).max(axis=-1) <= tolerance).mean())


def test_a_model_keeps_its_colour_whichever_models_share_the_figure(tmp_path):
    """InfoGAN alone and InfoGAN beside GAN are drawn in the same colour, in the curves and in
    the losses (seaborn's default palette gave the first model blue, whichever it was)."""
    both, alone = tmp_path / "both", tmp_path / "alone"
    for seed in range(2):
        mnist_record(both, "gan", seed)
        mnist_record(both, "infogan", seed)
        mnist_record(alone, "infogan", seed)
    write_plots(both)
    write_plots(alone)
    infogan, gan = model_colour("infogan"), model_colour("gan")
    assert infogan != gan
    for name in ("mnist_curves_images.png", "mnist_training.png"):
        assert share_near(both / "figures" / name, infogan) > 1e-4, name
        assert share_near(alone / "figures" / name, infogan) > 1e-4, name
        assert share_near(both / "figures" / name, gan) > 1e-4, name
        assert share_near(alone / "figures" / name, gan) == 0, name  # no GAN, no GAN blue


def test_factorvae_points_carry_a_binomial_bar_over_the_votes_the_record_states(tmp_path):
    records = [dsprites_record(tmp_path, "infogan", seed) for seed in range(2)]
    frame = curve_frame(records, "dsprites")
    fv = frame[frame.metric == "factorvae"]
    assert len(fv) == 4 and set(fv["votes"]) == {40}
    for _, row in fv.iterrows():
        assert row["error"] == pytest.approx(math.sqrt(row["value"] * (1 - row["value"]) / 40))
    assert frame[frame.metric == "mig"]["error"].isna().all()  # one draw: no spread known
    note = probe_note(records, "dsprites")
    assert "n = 40 votes" in note and "single probe draws" in note
    other = [dsprites_record(tmp_path / "other", "infogan", 0, votes=100)]
    assert "n = 100 votes" in probe_note(other, "dsprites")  # read, not typed
    unsaid = [dsprites_record(tmp_path / "unsaid", "infogan", 0, votes=None)]
    assert curve_frame(unsaid, "dsprites")["error"].isna().all()


def test_the_dsprites_curves_show_each_seed_and_the_note(tmp_path):
    for seed in range(3):
        dsprites_record(tmp_path, "infogan", seed)
    written = {p.name: p for p in write_plots(tmp_path)}
    png = written["dsprites_curves_images.png"]
    # every seed's own thin line and the thick mean are the model's colour, at two strengths
    assert share_near(png, model_colour("infogan")) > 1e-4


def test_a_gallery_figure_states_which_rows_hold_which_run(tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    monkeypatch.setenv("GAN_ZOO_RUNS", str(runs))
    grid = np.zeros((28, 28), dtype=np.uint8)
    for model in ("gan", "infogan"):
        rec = mnist_record(tmp_path, model, 0)
        folder = runs / rec["run_id"]
        folder.mkdir(parents=True)
        for name in ("samples.png", "traversal_c1.png"):
            Image.fromarray(grid).save(folder / name)
    png = gallery(
        [json.loads(p.read_text()) for p in (tmp_path / "records").glob("*.json")],
        "mnist",
        tmp_path,
        tmp_path / "figures" / "mnist_gallery.png",
    )
    rows = gallery_rows(png)
    assert [(r["model"], r["run_id"]) for r in rows] == [
        ("gan", "mnist__gan__paper__seed0"),
        ("infogan", "mnist__infogan__paper__seed0"),
    ]
    height = Image.open(png).height
    assert rows[0]["rows"][0] == 0 and rows[-1]["rows"][1] == height
    assert rows[0]["rows"][1] <= rows[1]["rows"][1]
    Image.open(png).resize((100, 100)).save(tmp_path / "resized.png")
    assert gallery_rows(tmp_path / "resized.png") is None  # the bands no longer fit
