"""``python -m benchmarks.tables``: the command; the work is in ``benchmarks.reporting.tables``."""

import sys

from benchmarks.reporting.tables import main

if __name__ == "__main__":
    sys.exit(main())
