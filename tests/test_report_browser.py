"""The report as a reader sees it: built from the committed records and opened in headless
Chromium (Debian's ``chromium``; skipped with the reason where it or Playwright is absent)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from benchmarks.reporting.report.__main__ import main
from benchmarks.reporting.report.browser import browser_missing, open_browser

REPO = Path(__file__).resolve().parents[1]
missing = browser_missing()
pytestmark = pytest.mark.skipif(missing is not None, reason=str(missing))


def not_blank(png: bytes) -> bool:
    """More than a flat page: several colours, and a real share of non-background pixels."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    histogram = image.histogram()
    background = max(histogram)
    return sum(1 for h in histogram if h) > 8 and background < 0.97 * sum(histogram)


def test_the_index_and_a_page_of_each_kind_render_cleanly_in_chromium(tmp_path, monkeypatch):
    out = tmp_path / "results"
    shutil.copytree(REPO / "results" / "records", out / "records")
    shutil.copytree(REPO / "results" / "figures", out / "figures")
    # one run folder with images, so the run, model and dataset pages show some
    runs = tmp_path / "runs"
    folder = runs / "mnist__infogan__paper__seed0"
    folder.mkdir(parents=True)
    for name in ("samples.png", "traversal_c1.png"):
        shutil.copyfile(REPO / "results" / "figures" / "mnist_gallery.png", folder / name)
    monkeypatch.setenv("GAN_ZOO_RUNS", str(runs))
    assert main(["--out", str(out)]) == 0
    site = out / "report"
    pages = [
        site / "index.html",
        site / "datasets" / "mnist.html",
        site / "models" / "mnist__infogan.html",
        site / "runs" / "mnist__infogan__paper__seed0.html",
        site / "runs" / "dsprites__gan__quick__seed0.html",  # no curve, no run folder
        site / "compare" / "mnist.html",
    ]
    with open_browser() as page:
        errors: list[str] = []
        failed: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("requestfailed", lambda r: failed.append(r.url))
        for path in pages:
            response = page.goto(path.as_uri(), wait_until="load")
            assert response is None or response.ok, path
            assert page.locator("h1").count() == 1, path
            # every link resolves to a file beside the page; every image has loaded
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            for href in hrefs:
                assert href.startswith("file://"), f"{path.name} links off the site: {href}"
                target = Path(href.split("#")[0].removeprefix("file://"))
                assert target.exists(), f"{path.name} links {target}"
            broken = page.eval_on_selector_all(
                "img", "els => els.filter(e => !(e.complete && e.naturalWidth > 0)).map(e => e.src)"
            )
            assert broken == [], f"{path.name}: images that did not load: {broken}"
            assert not_blank(page.screenshot()), f"{path.name} renders blank"
        assert errors == [] and failed == []
        # the images of the run folder reached the run page; the collapsed row is marked
        page.goto(pages[3].as_uri())
        assert page.locator("img").count() == 2
        page.goto(pages[0].as_uri())
        assert page.locator("tr:has-text('sgan (paper)') .badge").inner_text() == "not converged"


def test_a_fresh_clone_shows_images_and_one_colour_per_model_in_chromium(tmp_path, monkeypatch):
    """No run folders (a fresh clone): every model page of a model a committed gallery holds
    shows loaded images and no "not available" box; each model's lines have one colour on
    every page; wide tables scroll inside their box, not the page."""
    from benchmarks.reporting.plots import gallery_rows

    out = tmp_path / "results"
    shutil.copytree(REPO / "results" / "records", out / "records")
    shutil.copytree(REPO / "results" / "figures", out / "figures")
    (tmp_path / "no-runs").mkdir()
    monkeypatch.setenv("GAN_ZOO_RUNS", str(tmp_path / "no-runs"))
    assert main(["--out", str(out)]) == 0
    site = out / "report"
    held = {}
    for png in (out / "figures").glob("*_gallery.png"):
        dataset = png.name.removesuffix("_gallery.png")
        rows = gallery_rows(png)
        pages = sorted(site.glob(f"models/{dataset}__*.html"))
        held[dataset] = [
            p
            for p in pages
            if rows is None or any(p.stem == f"{dataset}__{r['model']}" for r in rows)
        ]
    assert all(held.values()) and held
    colours: dict[str, set[str]] = {}
    with open_browser() as page:
        for path in [
            site / "index.html",
            *sorted(site.glob("datasets/*.html")),
            *(p for pages in held.values() for p in pages),
        ]:
            page.goto(path.as_uri(), wait_until="load")
            lines = page.eval_on_selector_all(
                "svg.chart polyline[data-model]",
                "els => els.map(e => [e.dataset.model, getComputedStyle(e).stroke])",
            )
            for model, stroke in lines:
                colours.setdefault(model, set()).add(stroke)
            if path.parent.name == "models":
                loaded = page.eval_on_selector_all(
                    "img", "els => els.filter(e => e.complete && e.naturalWidth > 0).length"
                )
                assert loaded > 0, f"{path.name} shows no image"
                assert "not available" not in page.locator("main").inner_text(), path.name
            if path.name == "index.html":
                wide = page.evaluate(
                    "() => [...document.querySelectorAll('.scroll')].some("
                    "e => e.scrollWidth > e.clientWidth && getComputedStyle(e).overflowX == 'auto')"
                )
                assert wide, "the index's wide tables do not scroll in their box"
                assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    assert {"gan", "infogan"} <= colours.keys()
    assert all(len(c) == 1 for c in colours.values()), colours
    assert len({next(iter(c)) for c in colours.values()}) == len(colours)  # models differ
