"""``python -m benchmarks.finding``: the command; the work is in ``benchmarks.reporting.finding``."""

import sys

from benchmarks.reporting.finding import main

if __name__ == "__main__":
    sys.exit(main())
