"""``python -m benchmarks.report``: the site's numbers, its pages without run folders, and its
one-line refusals (the browser test is tests/test_report_browser.py)."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from benchmarks.reporting.report.__main__ import main

REPO = Path(__file__).resolve().parents[1]


def write_record(out: Path, model: str, seed: int, fid: float, recall: float, **extra) -> dict:
    rec = {
        "run_id": f"mnist__{model}__paper__seed{seed}",
        "model": model,
        "dataset": "mnist",
        "budget": "paper",
        "seed": seed,
        "overrides": {},
        "status": "complete",
        "hparams": {"cat_size": 10, "batch_size": 64},
        "metrics": {"fid": fid, "recall": recall, "quality_samples": 10000},
        "history": [{"step": 50.0, "loss_d": 1.2, "loss_g": 0.9}],
        "versions": {"torch": "2.x"},
        "commit": "abc123",
        **extra,
    }
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
    assert "Images are not available: the run folders are not here" in run
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
    assert rows["judge floor: real train vs test"][fid] == "0.2"
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
