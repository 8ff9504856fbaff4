"""Command line of ``python -m benchmarks.report`` (see the package docstring)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchmarks.cli import refused
from benchmarks.records import has_records
from gan_zoo.errors import GanZooError
from gan_zoo.io import WRITE_FAILED


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.report",
        description="Write a static site of every result to <out>/report/ from the records.",
    )
    p.add_argument("--out", type=Path, default=Path("results"))
    p.add_argument(
        "--screenshot",
        type=Path,
        default=None,
        metavar="PNG",
        help="also save the top of the index page as seen in headless Chromium",
    )
    args = p.parse_args(argv)
    if not has_records(args.out):
        return 2
    if args.screenshot is not None:
        from benchmarks.reporting.report.browser import browser_missing

        if (why := browser_missing()) is not None:
            print(f"error: --screenshot needs a browser: {why}", file=sys.stderr)
            return 2
    from benchmarks.reporting.report.site import build_site

    t0 = time.perf_counter()
    try:
        pages = build_site(args.out)
    except OSError as exc:  # the site folder itself (made or cleared before any page)
        print(f"error: cannot write {args.out / 'report'}: {exc.strerror or exc}", file=sys.stderr)
        return WRITE_FAILED
    except GanZooError as exc:
        return refused(exc)
    index = args.out / "report" / "index.html"
    print(f"{len(pages)} pages in {time.perf_counter() - t0:.1f} s; open {index}")
    if args.screenshot is not None:
        from benchmarks.reporting.report.browser import screenshot

        print(screenshot(index, args.screenshot))
    return 0


if __name__ == "__main__":
    sys.exit(main())
