"""``python -m benchmarks.report``: the site's numbers, its pages without run folders, and its
one-line refusals (the browser test is tests/test_report_browser.py)."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from synthetic import paper_record

from benchmarks.reporting.report.__main__ import main

REPO = Path(__file__).resolve().parents[1]


def write_record(out: Path, model: str, seed: int, fid: float, recall: float, **extra) -> dict:
    rec = paper_record(
        model,
        seed,
        hparams={"cat_size": 10, "batch_size": 64},
        metrics={"fid": fid, "recall": recall, "quality_samples": 10000},
        history=[{"step": 50.0, "loss_d": 1.2, "loss_g": 0.9}],
        versions={"torch": "2.x"},
        commit="abc123",
        **extra,
    )
    (out / "records").mkdir(parents=True, exist_ok=True)
    (out / "records" / f"{rec['run_id']}.json").write_text(json.dumps(rec))
    return rec


class Links(HTMLParser):
    """Every href and src of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.targets += [v for k, v in attrs if k in ("href", "src") and v]


def local_targets(page: Path) -> list[Path]:
    parser = Links()
    parser.feed(page.read_text())
    for target in parser.targets:
        assert not re.match(r"^(https?:)?//", target), f"{page.name} fetches {target}"
    return [
        (page.parent / t.split("#")[0]).resolve() for t in parser.targets if not t.startswith("#")
    ]


def test_every_page_of_a_fresh_clone_links_only_files_that_exist(tmp_path, monkeypatch):
    """From the committed records alone (no run folders), every page's links and images
    resolve, and the pages say what is missing instead of breaking."""
    out = tmp_path / "results"
    shutil.copytree(REPO / "results" / "records", out / "records")
    shutil.copytree(REPO / "results" / "figures", out / "figures")
    monkeypatch.setenv("GAN_ZOO_RUNS", str(tmp_path / "no-runs-here"))
    assert main(["--out", str(out)]) == 0
    pages = sorted((out / "report").rglob("*.html"))
    kinds = {p.parent.name for p in pages}
    assert {"report", "datasets", "models", "runs", "compare"} <= kinds
    records = list((out / "records").glob("*.json"))
    assert len(list((out / "report" / "runs").glob("*.html"))) == len(records)
    for page in pages:
        for target in local_targets(page):
            assert target.exists(), f"{page.relative_to(out)} links {target}"
    run = (out / "report" / "runs" / "mnist__sgan__paper__seed0.html").read_text()
    assert "The run folder is not here" in run  # the dataset page shows the committed gallery
    assert "../../records/mnist__sgan__paper__seed0.json" in run


def test_external_samples_get_a_run_page_whose_links_all_resolve(tmp_path):
    write_record(tmp_path, "gan", 0, 1.0, 0.5)
    write_record(tmp_path, "mygan", 0, 2.0, 0.4, external=True, run_id="mnist__ext__mygan")
    assert main(["--out", str(tmp_path)]) == 0
    page = tmp_path / "report" / "runs" / "mnist__ext__mygan.html"
    assert "mygan (external samples)" in page.read_text()
    for html in (tmp_path / "report").rglob("*.html"):
        for target in local_targets(html):
            assert target.exists(), f"{html.name} links {target}"


def _rows(html: str) -> dict[str, list[str]]:
    """Table rows by their first header cell's text, cells' text (tags stripped)."""
    rows = {}
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S):
        cells = [
            re.sub(r"<[^>]+>", " ", c)
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, flags=re.S)
        ]
        cells = [" ".join(c.split()) for c in cells]
        if cells:
            rows.setdefault(cells[0].replace(" not converged", ""), cells)
    return rows


def test_comparisons_are_differences_of_means_with_welch_intervals(tmp_path):
    for seed, (fid, recall) in enumerate([(1.0, 0.80), (2.0, 0.82), (3.0, 0.84)]):
        write_record(tmp_path, "cgan", seed, fid, recall)
    for seed, (fid, recall) in enumerate([(4.0, 0.5), (5.0, 0.5), (6.0, 0.5)]):
        write_record(tmp_path, "sgan", seed, fid, recall)
    assert main(["--out", str(tmp_path)]) == 0
    html = (tmp_path / "report" / "compare" / "mnist.html").read_text()
    cells = re.findall(r'<td class="(\w+)" title="([^"]*)">([^<]*)</td>', html)
    by_metric = {title.split(":")[0]: (verdict, text) for verdict, title, text in cells}
    # fid: -3 with Welch df 4 (t 2.776) and se sqrt(2/3): [-5.27, -0.733]; lower is better
    assert by_metric["FD (judge)"] == ("a", "-3 [-5.27, -0.733]")
    # recall: sgan's three equal seeds, cgan's spread 0.02: higher is better, cgan wins
    verdict, text = by_metric["recall (judge)"]
    assert verdict == "a" and text.startswith("+0.32 [")


def test_the_index_shows_intervals_reference_rows_anchors_and_devices(tmp_path):
    for seed in range(2):
        write_record(tmp_path, "infogan", seed, 1.0 + seed, 0.7, floors={"fid": 0.2, "recall": 0.9})
        write_record(
            tmp_path, "gan", seed, 2.0, 0.6 + 0.1 * seed, gpu="NVIDIA H200", device="cuda:0"
        )
    assert main(["--out", str(tmp_path)]) == 0
    html = (tmp_path / "report" / "index.html").read_text()
    rows = _rows(html)
    header = rows["run"]
    assert header[:3] == ["run", "device", "seeds"]
    fid = header.index("FD (judge) ↓")
    infogan = rows["infogan (paper)"]
    assert infogan[1] == "cpu" and infogan[fid].startswith("1.5 ± 0.71 [-4.85, 7.85]")
    assert rows["gan (paper) @ NVIDIA H200"][1] == "NVIDIA H200"
    assert rows["real-data floor: train vs test"][fid] == "0.2"
    assert "Chen et al. 2016" in html  # infogan's published anchors
    assert 'title="95% interval [-4.85, 7.85], n = 2"' in html


def test_a_run_folder_gives_its_images_to_the_run_and_model_pages(tmp_path, monkeypatch):
    write_record(tmp_path, "infogan", 0, 1.0, 0.7)
    runs = tmp_path / "runs"
    folder = runs / "mnist__infogan__paper__seed0"
    folder.mkdir(parents=True)
    png = (REPO / "results" / "figures" / "mnist_gallery.png").read_bytes()
    (folder / "samples.png").write_bytes(png)
    (folder / "traversal_c1.png").write_bytes(png)
    monkeypatch.setenv("GAN_ZOO_RUNS", str(runs))
    assert main(["--out", str(tmp_path)]) == 0
    site = tmp_path / "report"
    assert (site / "img" / "mnist__infogan__paper__seed0" / "traversal_c1.png").read_bytes() == png
    run = (site / "runs" / "mnist__infogan__paper__seed0.html").read_text()
    model = (site / "models" / "mnist__infogan.html").read_text()
    for page in (run, model):
        assert '../img/mnist__infogan__paper__seed0/samples.png"' in page
        assert "not available" not in page


NAN_RECORD = (
    '{"run_id": "broken", "model": "gan", "dataset": "mnist", "budget": "paper", "seed": 1, '
    '"status": "complete", "metrics": {"fid": NaN}}'
)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("{not json", "malformed record"),
        ("[1, 2]", "not a run record"),
        (
            NAN_RECORD,
            "metrics.fid is nan, not a finite number",
        ),  # as benchmarks.reporting.tables says
    ],
)
def test_a_malformed_record_is_one_line_and_exit_2(tmp_path, capsys, content, said):
    write_record(tmp_path, "gan", 0, 1.0, 0.5)
    (tmp_path / "records" / "broken.json").write_text(content)
    assert main(["--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and said in err and "broken.json" in err
    assert not (tmp_path / "report").exists()


def test_no_records_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["--out", str(tmp_path / "nothing")]) == 2
    assert "no records under" in capsys.readouterr().err


def test_a_report_folder_that_cannot_be_written_is_one_line(tmp_path, capsys):
    from gan_zoo.io import WRITE_FAILED

    write_record(tmp_path, "gan", 0, 1.0, 0.5)
    (tmp_path / "report").write_text("a file where the site's folder goes")
    assert main(["--out", str(tmp_path)]) == WRITE_FAILED
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(tmp_path / "report") in err


# --- a fresh clone's report: committed images, one colour per model, counts, labels ----------


def curve_record(out: Path, model: str, seed: int, **extra) -> dict:
    """A record with a three-point learning curve of FID and recall."""
    curve = [
        {"step": s, "images_seen": 64.0 * s, "train_seconds": s / 10, "fid": 90 / s, "recall": 0.5}
        for s in (10.0, 100.0, 1000.0)
    ]
    return write_record(out, model, seed, 1.0 + seed, 0.7, curve=curve, **extra)


def line_colours(html: str) -> list[tuple[str, str]]:
    """(model, stroke colour) of every chart line of a page."""
    return [
        (model, colour)
        for colour, model in re.findall(
            r'<polyline [^>]*stroke="(#\w+)"[^>]*data-model="(\w*)"', html
        )
    ]


def test_a_model_has_one_colour_in_every_chart_of_every_page(tmp_path):
    """InfoGAN's lines are the same colour where GAN's lines are beside them (the dataset page,
    the index) and where they are alone (its model and run pages): its model's colour, the one
    the figures use. The old charts coloured lines by their order on each chart."""
    for seed in range(2):
        curve_record(tmp_path, "gan", seed)
        curve_record(tmp_path, "infogan", seed)
    assert main(["--out", str(tmp_path)]) == 0
    site = tmp_path / "report"
    seen: dict[str, set[str]] = {}
    pages = {}
    for page in sorted(site.rglob("*.html")):
        pages[page.relative_to(site).as_posix()] = found = line_colours(page.read_text())
        for model, colour in found:
            seen.setdefault(model, set()).add(colour)
    assert {m for m, _ in pages["index.html"]} == {"gan", "infogan"}
    assert {m for m, _ in pages["models/mnist__infogan.html"]} == {"infogan"}
    assert {m: len(c) for m, c in seen.items()} == {"gan": 1, "infogan": 1}
    assert seen["gan"] != seen["infogan"]
    from benchmarks.reporting.plots import model_colour  # the figures' colours

    assert seen == {"gan": {model_colour("gan")}, "infogan": {model_colour("infogan")}}


def copy_committed(tmp_path: Path, monkeypatch) -> Path:
    """A fresh clone's results: the committed records and figures, no run folders."""
    out = tmp_path / "results"
    shutil.copytree(REPO / "results" / "records", out / "records")
    shutil.copytree(REPO / "results" / "figures", out / "figures")
    empty = tmp_path / "no-runs-here"
    empty.mkdir()
    monkeypatch.setenv("GAN_ZOO_RUNS", str(empty))
    return out


def img_targets(page: Path) -> list[Path]:
    return [
        (page.parent / src).resolve() for src in re.findall(r'<img src="([^"]+)"', page.read_text())
    ]


def test_a_fresh_clone_shows_the_committed_galleries_wherever_they_hold_a_model(
    tmp_path, monkeypatch
):
    """With no run folders, every page of a model a committed gallery figure holds shows an
    image (its rows cut out, or the whole figure where the figure does not say which rows are
    whose), never the "not available" box the old report put there."""
    from benchmarks.reporting.plots import gallery_rows

    out = copy_committed(tmp_path, monkeypatch)
    assert main(["--out", str(out)]) == 0
    site = out / "report"
    galleries = sorted((out / "figures").glob("*_gallery.png"))
    assert galleries
    for png in galleries:
        dataset = png.name.removesuffix("_gallery.png")
        rows = gallery_rows(png)
        models = (
            {r["model"] for r in rows}
            if rows
            else {
                p.name.split("__")[1].removesuffix(".html")
                for p in site.glob(f"models/{dataset}__*")
            }
        )
        assert models, png.name
        dataset_images = img_targets(site / "datasets" / f"{dataset}.html")
        for model in models:
            page = site / "models" / f"{dataset}__{model}.html"
            images = img_targets(page)
            assert images and all(p.exists() for p in images), page.name
            assert "not available" not in page.read_text(), page.name
            if rows:
                ids = [r["run_id"] for r in rows if r["model"] == model]
                cuts = [site / "img" / "gallery" / f"{run_id}.png" for run_id in ids]
                assert set(cuts) <= set(images) and set(cuts) <= set(dataset_images)
                for run_id, cut in zip(ids, cuts, strict=True):
                    assert cut in img_targets(site / "runs" / f"{run_id}.html")
            else:
                assert png.resolve() in images and png.resolve() in dataset_images


def test_a_gallery_that_states_its_rows_gives_each_model_its_own(tmp_path, monkeypatch):
    """A gallery figure made from run folders says which rows are whose: once the folders are
    gone, each model's page shows exactly its own band of the figure."""
    from PIL import Image

    from benchmarks.records import load_records
    from benchmarks.reporting.plots import gallery, gallery_rows

    runs = tmp_path / "runs"
    monkeypatch.setenv("GAN_ZOO_RUNS", str(runs))
    for model, shade in (("gan", 40), ("infogan", 220)):
        rec = write_record(tmp_path, model, 0, 1.0, 0.5)
        folder = runs / rec["run_id"]
        folder.mkdir(parents=True)
        Image.new("L", (56, 56), shade).save(folder / "samples.png")
    png = gallery(
        load_records(tmp_path), "mnist", tmp_path, tmp_path / "figures" / "mnist_gallery.png"
    )
    bands = {r["model"]: r["rows"] for r in gallery_rows(png)}
    shutil.rmtree(runs)  # a fresh clone
    assert main(["--out", str(tmp_path)]) == 0
    for model, (top, bottom) in bands.items():
        page = tmp_path / "report" / "models" / f"mnist__{model}.html"
        (cut,) = img_targets(page)
        with Image.open(cut) as image:
            assert image.height == bottom - top
        assert "not available" not in page.read_text()


def test_a_folder_datasets_index_shows_its_quality_metrics_and_curve(tmp_path):
    """The user's folder is registered only in the process that trained on it: the report still
    shows the FID, precision and recall its records hold, and its learning curve."""
    for seed in range(2):
        curve_record(
            tmp_path,
            "cgan",
            seed,
            dataset="folder-digits-0a1b2c3d",
            run_id=f"folder-digits-0a1b2c3d__cgan__paper__seed{seed}",
        )
    for rec in (tmp_path / "records").glob("*.json"):
        data = json.loads(rec.read_text())
        data["metrics"]["precision"] = 0.8
        rec.write_text(json.dumps(data))
    assert main(["--out", str(tmp_path)]) == 0
    html = (tmp_path / "report" / "index.html").read_text()
    header = _rows(html)["run"]
    assert {"FD (judge) ↓", "precision (judge) ↑", "recall (judge) ↑"} <= set(header)
    assert '<svg class="chart"' in html and 'aria-label="FD (judge)"' in html


def test_counts_read_as_integers_and_every_budget_is_named(tmp_path):
    for seed in range(2):
        write_record(tmp_path, "gan", seed, 1.0, 0.5)
        write_record(
            tmp_path, "gan", seed, 2.0, 0.4, budget="quick", run_id=f"mnist__gan__quick__seed{seed}"
        )
    assert main(["--out", str(tmp_path)]) == 0
    site = tmp_path / "report"
    rows = _rows((site / "datasets" / "mnist.html").read_text())
    assert {"gan (paper)", "gan (quick)"} <= rows.keys()  # not "gan" beside "gan (paper)"
    samples = rows["run"].index("quality_samples")
    assert rows["gan (quick)"][samples] == "10,000"
    run = (site / "runs" / "mnist__gan__quick__seed0.html").read_text()
    assert "10,000" in run and "e+0" not in run
