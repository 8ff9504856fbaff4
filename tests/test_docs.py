"""The README and docs a user reads: short enough to read, and about the project only."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
#: names of the environment this repository is built in, which no user has
BUILDERS_TOOLS = ("../shared", "device-prep", ".library")


def test_the_readme_reads_in_minutes():
    assert len((REPO / "README.md").read_text().splitlines()) < 300


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_speaks_of_the_project_only(page):
    text = page.read_text()
    assert [name for name in BUILDERS_TOOLS if name in text] == []
