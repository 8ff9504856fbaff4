"""Issue 33: a score on the judge's features never reads as the field's Inception FID.

Every place a person reads a score (the tables and the README's section, the runner's summary,
the report, ``--list``, ``benchmarks.evaluate``'s printout, the figures) names a judge-feature
score as one (``FD (judge)``) and only an Inception-v3 score as ``FID``; record keys stay.
"""

from __future__ import annotations

import itertools
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

#: the judge-feature keys and what a reader must see for each
JUDGE = {
    "fid": "FD (judge)",
    "kid_mean": "KID (judge)",
    "kid_std": "KID std (judge)",
    "precision": "precision (judge)",
    "recall": "recall (judge)",
    "density": "density (judge)",
    "coverage": "coverage (judge)",
    "isc": "IS (judge)",
    "isc_std": "IS std (judge)",
    "intra_fid": "intra-class FD (judge)",
    "intra_recall": "intra-class recall (judge)",
}
#: an Inception score, with a value no other cell has, to find its column by
INCEPTION_FID = 42.5
#: a score's name not followed by "(judge)": a record key of a judge score (fid, isc, kid_mean),
#: or a name that then reads as the field's Inception score (FID, FD, IS, KID, precision, ...)
UNMARKED = re.compile(
    r"(?<![\w-])(fid|fd|isc?|kid|kid_mean|precision|recall|density|coverage)(?![\w-])"
    r"(?!(?: std)? \(judge\))",
    re.I,
)


def unmarked(names: list[str] | str) -> list[str]:
    """The names (or words of a text) that read as an unmarked FID, IS, KID, precision..."""
    text = names if isinstance(names, str) else "\n".join(names)
    return UNMARKED.findall(text)


def _record(model: str, seed: int, **extra) -> dict:
    metrics = {key: 0.5 + 0.01 * seed + 0.001 * i for i, key in enumerate(JUDGE)}
    metrics.update(fid_inception=INCEPTION_FID, quality_samples=10_000)
    return {
        "run_id": f"mnist__{model}__quick__seed{seed}",
        "model": model,
        "dataset": "mnist",
        "budget": "quick",
        "seed": seed,
        "overrides": {},
        "status": "complete",
        "metrics": metrics,
        "hparams": {"batch_size": 64},
        **extra,
    }


def _external() -> dict:
    rec = _record("mine", 0)
    rec.update(
        run_id="external__mnist__mine",
        external={"samples": 10_000, "sha256": "ab" * 32, "format": "npz", "judge_digest": "j"},
        skipped_metrics={"posthoc": "needs a model"},
    )
    return rec


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """A results folder of two gan seeds (its row has Lucic et al.'s Inception-FID beside it),
    two cgan seeds and one file of external samples."""
    out = tmp_path / "results"
    (out / "records").mkdir(parents=True)
    records = [_record(m, s) for m in ("gan", "cgan") for s in (0, 1)] + [_external()]
    for rec in records:
        (out / "records" / f"{rec['run_id']}.json").write_text(json.dumps(rec))
    return out


def _markdown_headers(text: str) -> list[list[str]]:
    """The header cells of every markdown table in ``text``."""
    lines = text.splitlines()
    return [
        [c.strip() for c in line.strip("|").split("|")]
        for line, below in itertools.pairwise(lines)
        if line.startswith("|") and below.startswith("|---")
    ]


def _column(text: str, header: list[str], name: str) -> list[str]:
    """The cells under ``name`` of the markdown table whose header is ``header``."""
    i = header.index(name)
    head = "| " + " | ".join(header) + " |"
    rows = text.split(head, 1)[1].splitlines()[2:]
    out = []
    for row in rows:
        if not row.startswith("|"):
            break
        out.append([c.strip() for c in row.strip("|").split("|")][i])
    return out


def _inception_names(keys: set[str]) -> list[str]:
    """The unmarked words the names of the Inception-feature ``keys`` contain ("KID std" is
    one: KID), in the catalog's order: the only unmarked words a header may have."""
    from gan_zoo.metrics.registry import declared_keys

    held = [k for k in declared_keys() if k.features == "inception" and k.name in keys]
    return unmarked([k.display_name(k.name) for k in held])


def _check_headers(header: list[str], inception: bool | set[str]) -> None:
    """Judge scores carry their judge names; the only unmarked names are those of the
    Inception keys shown (``inception``: the record keys held, or True for FID alone)."""
    shown = [h.rstrip(" ↑↓") for h in header]
    assert not set(JUDGE) & set(shown), f"a record key as header: {header}"
    for key in ("fid", "precision", "recall", "isc"):  # the headline's judge scores
        assert JUDGE[key] in shown, (key, header)
    if isinstance(inception, set):
        expected = sorted(_inception_names(inception))
        assert "FID" in expected or "fid_inception" not in inception
        assert sorted(unmarked(shown)) == expected, header
    else:
        assert unmarked(shown) == (["FID"] if inception else []), header


def test_tables_and_readme_name_judge_scores_and_inception_fid(results: Path):
    from benchmarks.reporting.tables import write_tables

    readme = results.parent / "README.md"
    readme.write_text("# x\n\n<!-- results:start -->\n<!-- results:end -->\n")
    write_tables(results, readme)
    md = (results / "tables" / "mnist.md").read_text()
    model, external = _markdown_headers(md)
    for header in (model, external):
        _check_headers(header, inception=True)
        for key in ("kid_mean", "kid_std", "density", "coverage", "isc_std"):
            assert JUDGE[key] in header
    for key in ("intra_fid", "intra_recall"):
        assert JUDGE[key] in model
    # the column headed FID holds the Inception key's values, and nothing else is FID
    assert set(_column(md, model, "FID")) == {"42.5 ± 0 [42.5, 42.5]"}
    assert _column(md, external, "FID") == [f"{INCEPTION_FID:g}"]
    assert "FID 6.8 (Lucic et al. 2018" in md and "fid_inception" not in md
    assert "Inception-v3 pool3 features, 2048-d, torch-fidelity's protocol" in md
    assert "(judge) is computed on the features of the dataset's judge" in md
    # the README's section shows the headline's columns, with the same names: Inception FID is
    # one of them (the field's unit), where the records have it
    [section] = _markdown_headers(readme.read_text())
    _check_headers(section, inception=True)
    assert set(_column(readme.read_text(), section, "FID")) == {"42.5 ± 0"}
    assert "(judge) is computed on the features" in readme.read_text()


def test_the_committed_records_regenerate_under_the_names(tmp_path: Path):
    """Old records keep their keys and still tabulate, under the new names."""
    from benchmarks.reporting.tables import write_tables

    committed = sorted((Path(__file__).resolve().parents[1] / "results" / "records").glob("*.json"))
    mnist = [p for p in committed if p.name.startswith("mnist__")]
    if not mnist:
        pytest.skip("no committed MNIST records")
    (tmp_path / "records").mkdir()
    for path in mnist:
        (tmp_path / "records" / path.name).write_bytes(path.read_bytes())
    write_tables(tmp_path, None)
    md = (tmp_path / "tables" / "mnist.md").read_text()
    [header] = _markdown_headers(md)
    held = {k for p in mnist for k in json.loads(p.read_text()).get("metrics", {})}
    _check_headers(header, inception={k for k in held if "inception" in k})
    assert "intra-class FD (judge)" in header and "code_acc_c1" in header
    assert "(judge) is computed on the features of the dataset's judge" in md


def test_the_printed_summary_names_judge_scores(results: Path):
    from benchmarks.records import load_records
    from benchmarks.runner.summary import summary_table

    text = summary_table(load_records(results))
    header = text.splitlines()[0]
    for key in ("fid", "precision", "recall", "isc"):
        assert JUDGE[key] in header, header
    assert unmarked(header) == ["FID"], header  # Inception's, a headline key the records hold
    assert "(judge) is computed on the features" in text


class _Headers(HTMLParser):
    """The text of every ``<th>`` of a results table's header row, per table."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[str]] = []
        self._in_head = self._in_th = False

    def handle_starttag(self, tag, attrs):
        if tag == "thead":
            self._in_head = True
            self.tables.append([])
        elif tag == "th" and self._in_head:
            self._in_th = True
            self.tables[-1].append("")

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag == "th":
            self._in_th = False

    def handle_data(self, data):
        if self._in_th:
            self.tables[-1][-1] += data


def _html_headers(page: Path) -> list[list[str]]:
    parser = _Headers()
    parser.feed(page.read_text())
    return [[h.strip() for h in table] for table in parser.tables]


def test_the_report_names_judge_scores_and_inception_fid(results: Path):
    from benchmarks.reporting.report.__main__ import main

    assert main(["--out", str(results)]) == 0
    site = results / "report"
    [index] = _html_headers(site / "index.html")
    _check_headers(index, inception=True)  # the headline: judge scores and Inception FID
    assert "FD (judge) ↓" in index
    [full] = _html_headers(site / "datasets" / "mnist.html")
    _check_headers(full, inception=True)  # every metric, the Inception one as FID
    assert "FID ↓" in full
    run = (site / "runs" / "mnist__gan__quick__seed0.html").read_text()
    assert ">FD (judge)</th>" in run and ">FID</th>" in run and ">fid</th>" not in run
    assert "FID 6.8" in (site / "index.html").read_text()


def test_list_and_evaluate_print_the_names(capsys):
    from benchmarks.evaluate import describe
    from benchmarks.run import print_listing

    print_listing()
    lines = capsys.readouterr().out.splitlines()
    listed = {line.split()[0]: line for line in lines if line.startswith("  ")}
    assert "FD (judge)" in listed["fid"] and "KID (judge)" in listed["kid_mean"]
    assert "IS (judge)" in listed["isc"] and "precision (judge)" in listed["precision"]
    assert re.match(r"\s+fid_inception\s+FID\s", listed["fid_inception"])
    assert re.match(r"\s+isc_inception\s+IS\s", listed["isc_inception"])
    text = describe(_external(), Path("record.json"))
    printed = {
        line[2:].rsplit("  ", 1)[0].strip() for line in text.splitlines() if line[:2] == "  "
    }
    assert {"FD (judge)", "IS (judge)", "FID", "coverage (judge)"} <= printed
    assert unmarked(sorted(printed)) == ["FID"], printed


def test_figure_titles_name_judge_scores(results: Path, monkeypatch):
    from benchmarks.records import load_records
    from benchmarks.reporting import plots

    titles: list[str] = []

    def keep_titles(fig, path, dpi):
        titles.extend(ax.get_title() for ax in fig.axes if ax.get_title())
        plots.plt.close(fig)
        return path

    monkeypatch.setattr(plots, "save_figure", keep_titles)
    plots.metric_bars(load_records(results), "mnist", results / "bars.png")
    assert {"FD (judge)", "precision (judge)", "recall (judge)", "IS (judge)"} <= set(titles)
    assert unmarked(titles) == ["FID"], titles  # Inception's, headline where records have it


def test_the_registry_is_the_one_rule():
    from gan_zoo.errors import ConfigError
    from gan_zoo.metrics.registry import Key, declared_keys, display_name, register_metric

    for key, name in JUDGE.items():
        assert display_name(key) == name
    inception = {"fid_inception": "FID", "kid_inception_mean": "KID", "isc_inception": "IS"}
    for key, name in inception.items():
        assert display_name(key) == name
    assert display_name("code_acc_c2") == "code_acc_c2" and display_name("mystery") == "mystery"
    for decl in declared_keys():  # the field's names belong to Inception's features alone
        shown = decl.display_name()
        if shown.split(" ")[0] in ("FID", "KID", "IS") and not shown.endswith(" (judge)"):
            assert decl.features == "inception", decl
        if decl.features == "judge":
            assert shown.endswith(" (judge)"), decl
    with pytest.raises(ConfigError, match="declare its features"):
        register_metric("bare_fid", (Key("my_fid", "a Frechet distance", display="FID"),))
