"""Headless Chromium for looking at the report as a reader would: the screenshot the README
shows and the browser test both open pages through :func:`open_browser`.

The system's Chromium (Debian's ``chromium`` package) is driven through Playwright's client;
no browser is ever downloaded. Both are optional: :func:`browser_missing` says what is absent.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: flags that keep a headless Chromium offline and quiet in a container run as root
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    return None


def browser_missing() -> str | None:
    """Why the report cannot be opened in a browser here, or None when it can."""
    if chromium_path() is None:
        return "no chromium on PATH (Debian: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright client is not installed (pip install -e '.[test]')"
    return None


@contextmanager
def open_browser(width: int = 1400, height: int = 900) -> Iterator[Any]:
    """A fresh headless Chromium page (its own profile folder, removed after)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise RuntimeError(browser_missing())
    with (
        tempfile.TemporaryDirectory(prefix="gan-zoo-chromium-") as profile,
        sync_playwright() as pw,
    ):
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=list(CHROMIUM_FLAGS),
            viewport={"width": width, "height": height},
        )
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def screenshot(page_path: Path, png: Path, width: int = 1400, height: int = 900) -> Path:
    """Render ``page_path`` and save what a reader sees first (the top of the page)."""
    png.parent.mkdir(parents=True, exist_ok=True)
    with open_browser(width, height) as page:
        page.goto(Path(page_path).resolve().as_uri())
        page.screenshot(path=str(png))
    return png
