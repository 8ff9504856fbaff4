"""``python -m benchmarks.report``: a static, offline site of every result, from the records.

Writes ``<out>/report/`` (open ``index.html`` from the file system; nothing is fetched from the
network): each dataset's headline table with intervals, chance, floor and untrained (step 0)
rows, published anchors and devices; per-dataset curves, figures and galleries; per-model sample
grids, traversals and curves; per-run config, versions, history and curve; pairwise comparisons
with 95% intervals.
"""

from benchmarks.reporting.report.site import build_site

__all__ = ["build_site"]
