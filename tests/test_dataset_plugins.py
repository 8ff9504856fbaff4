"""A dataset from the user's own package, and the user's own images, through the runner.

The plugin (``tests/plugins/gan_zoo_tiny_digits.py``) is found the way an installed package is:
a dist-info folder with an ``entry_points.txt`` on the path. ``folder:PATH`` and ``npz:PATH``
are written here from real MNIST digits and trained and evaluated at ``smoke``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks.run import main
from gan_zoo.data import load_dataset

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = Path(__file__).resolve().parent / "plugins"


def _installed_dataset_plugin(tmp_path: Path) -> dict[str, str]:
    info = tmp_path / "site" / "gan_zoo_tiny_digits-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: gan-zoo-tiny-digits\nVersion: 0.1\n"
    )
    (info / "entry_points.txt").write_text(
        "[gan_zoo.datasets]\ntiny_digits = gan_zoo_tiny_digits\n"
    )
    path = os.pathsep.join([str(tmp_path / "site"), str(PLUGINS), str(ROOT)])
    return {**os.environ, "PYTHONPATH": path}


def _run(env: dict[str, str], cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.run", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )


def test_a_plugin_dataset_is_listed_trained_and_evaluated(tmp_path, real_data_root):
    env = _installed_dataset_plugin(tmp_path)
    listing = _run(env, tmp_path, "--list")
    assert listing.returncode == 0 and "tiny-digits" in listing.stdout
    assert "2,000 MNIST digits as 32x32 RGB (plugin example)" in listing.stdout
    out = tmp_path / "out"
    args = ["--dataset", "tiny-digits", "--budget", "smoke", "--num-samples", "300"]
    run = _run(env, tmp_path, *args, "--models", "cgan", "--no-progress", "--out", str(out))
    assert run.returncode == 0, run.stderr
    record = json.loads((out / "records" / "tiny-digits__cgan__smoke__seed0.json").read_text())
    assert record["status"] == "complete" and record["hparams"]["batch_size"] == 64
    assert {"fid", "precision", "recall", "label_acc", "intra_fid"} <= set(record["metrics"])
    assert "FD (judge)" in run.stdout  # the summary table shows the headline metrics
    # a second registration of its name (another package) is refused in one line
    again = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gan_zoo_tiny_digits, importlib, sys; "
            "sys.modules.pop('gan_zoo_tiny_digits'); import gan_zoo_tiny_digits",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert "'tiny-digits' is already registered" in again.stderr


@pytest.fixture(scope="module")
def digits(real_data_root: Path, tmp_path_factory) -> Path:
    """60 MNIST digits per class as PNGs, one folder per class (6 per class held out: enough
    for the intra-class k-NN scores)."""
    train = load_dataset("mnist", "train", root=real_data_root)
    folder = tmp_path_factory.mktemp("digits") / "digits"
    for c in range(10):
        (folder / str(c)).mkdir(parents=True)
        for i, index in enumerate((train.labels == c).nonzero().flatten()[:60].tolist()):
            Image.fromarray(train.images[index, 0].numpy()).save(folder / str(c) / f"{i}.png")
    return folder


def _smoke(out: Path, dataset: str, models: str, capsys) -> tuple[int, str, str]:
    code = main(
        [
            "--dataset", dataset, "--models", models, "--budget", "smoke", "--num-samples", "200",
            "--device", "cpu", "--no-progress", "--out", str(out),
        ]
    )  # fmt: skip
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _only_record(out: Path) -> dict:
    (path,) = (out / "records").glob("*.json")
    return json.loads(path.read_text())


def test_a_labelled_folder_of_digits_trains_and_evaluates(digits, tmp_path, capsys):
    code, _, stderr = _smoke(tmp_path / "out", f"folder:{digits}", "cgan", capsys)
    assert code == 0, stderr
    record = _only_record(tmp_path / "out")
    assert record["status"] == "complete" and record["dataset"].startswith("folder-digits-")
    assert record["dataset_spec"] == f"folder:{digits}"
    assert record["data_split"]["train"] == 540 and record["data_split"]["test"] == 60
    assert "default_rng(0)" in record["data_split"]["rule"]
    assert {"fid", "label_acc", "intra_fid", "posthoc_mi"} <= set(record["metrics"])


def test_an_npz_trains_and_evaluates(digits, tmp_path, capsys):
    images = np.stack([np.asarray(Image.open(p)) for p in sorted(digits.rglob("*.png"))])
    labels = np.array([int(p.parent.name) for p in sorted(digits.rglob("*.png"))])
    np.savez(tmp_path / "digits.npz", images=images, labels=labels)  # N x H x W
    code, _, stderr = _smoke(tmp_path / "out", f"npz:{tmp_path / 'digits.npz'}", "infogan", capsys)
    assert code == 0, stderr
    record = _only_record(tmp_path / "out")
    assert record["status"] == "complete" and {"fid", "code_acc_c1"} <= set(record["metrics"])


def test_unlabelled_images_say_which_quality_metrics_exist(digits, tmp_path, capsys):
    flat = tmp_path / "flat"
    flat.mkdir()
    for i, png in enumerate(sorted(digits.rglob("*.png"))[:120]):
        (flat / f"{i}.png").write_bytes(png.read_bytes())
    code, _, stderr = _smoke(tmp_path / "refused", f"folder:{flat}", "cgan", capsys)
    assert code == 2 and "needs class labels" in stderr and len(stderr.strip().splitlines()) == 1
    assert not (tmp_path / "refused").exists()
    code, stdout, stderr = _smoke(tmp_path / "out", f"folder:{flat}", "gan", capsys)
    assert code == 0, stderr
    assert "no labels, so no judge" in stderr and "--inception" in stdout
    record = _only_record(tmp_path / "out")
    assert record["status"] == "complete" and "fid" not in record["metrics"]
    assert "posthoc_mi" in record["metrics"] and "--inception" in record["quality_note"]


@pytest.mark.parametrize(
    "write, fragment",
    [
        (lambda p: p.mkdir(), "is empty"),
        (lambda p: (p.mkdir(), (p / "x.png").write_text("no")), "x.png is not a readable image"),
        (
            lambda p: (
                p.mkdir(),
                Image.fromarray(np.zeros((28, 28), np.uint8)).save(p / "a.png"),
                Image.fromarray(np.zeros((32, 32), np.uint8)).save(p / "b.png"),
            ),
            "b.png is 32 x 32; the dataset's images are 28 x 28",
        ),
    ],
    ids=["empty", "unreadable", "mixed-size"],
)
def test_a_bad_folder_is_one_line_exit_2_and_nothing_written(write, fragment, tmp_path, capsys):
    write(tmp_path / "data")
    code, _, stderr = _smoke(tmp_path / "out", f"folder:{tmp_path / 'data'}", "gan", capsys)
    assert code == 2 and fragment in stderr and len(stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "arrays, fragment",
    [
        ({"images": np.zeros((8, 28, 28), np.float32)}, "expected uint8"),
        ({"images": np.zeros((8, 2, 28, 28), np.uint8)}, "expected N x C x H x W"),
        ({"images": np.full((8, 28, 28), 9, np.uint8), "labels": np.arange(7)}, "labels for 8"),
    ],
    ids=["dtype", "shape", "labels"],
)
def test_a_bad_npz_is_one_line_exit_2_and_nothing_written(arrays, fragment, tmp_path, capsys):
    np.savez(tmp_path / "data.npz", **arrays)
    code, _, stderr = _smoke(tmp_path / "out", f"npz:{tmp_path / 'data.npz'}", "gan", capsys)
    assert code == 2 and fragment in stderr and len(stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
