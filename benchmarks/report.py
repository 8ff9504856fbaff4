"""``python -m benchmarks.report``: the command; the site is built by ``benchmarks.reporting.report``."""

import sys

from benchmarks.reporting.report.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
