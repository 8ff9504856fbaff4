"""``python -m benchmarks.plots``: the command; the work is in ``benchmarks.reporting.plots``."""

import sys

from benchmarks.reporting.plots import main

if __name__ == "__main__":
    sys.exit(main())
