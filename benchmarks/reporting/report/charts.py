"""Small inline SVG line charts for the report's per-run and per-model pages.

The suite's figures are matplotlib PNGs (``benchmarks.reporting.plots``), which cost about half a second
each here; the report has one page per run, so its small charts are drawn as SVG text instead
(milliseconds, no files, a tooltip on every point). Data come from the same frames the figures
use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

#: colour-blind-safe qualitative palette (Okabe & Ito), then greys
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


@dataclass(frozen=True)
class Series:
    label: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]


def _finite(series: list[Series], logx: bool) -> list[tuple[Series, list[tuple[float, float]]]]:
    out = []
    for s in series:
        pts = [
            (x, y)
            for x, y in zip(s.xs, s.ys, strict=True)
            if math.isfinite(x) and math.isfinite(y) and (x > 0 or not logx)
        ]
        if pts:
            out.append((s, pts))
    return out


def _tick(value: float) -> str:
    return f"{value:.3g}"


def line_chart(
    series: list[Series],
    title: str,
    logx: bool = False,
    x_label: str = "step",
    width: int = 340,
    height: int = 210,
) -> Markup:
    """One chart: a polyline per series, a dot with a tooltip per point, min/max ticks."""
    data = _finite(series, logx)
    if not data:
        return Markup(f'<p class="missing">{escape(title)}: no finite values</p>')
    left, right, top, bottom = 46, 10, 22, 34
    xs = [x for _, pts in data for x, _ in pts]
    ys = [y for _, pts in data for _, y in pts]
    fx = math.log10 if logx else (lambda v: v)
    x0, x1 = fx(min(xs)), fx(max(xs))
    y0, y1 = min(ys), max(ys)
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 == y0:
        y0, y1 = y0 - (abs(y0) or 1) * 0.05, y1 + (abs(y1) or 1) * 0.05
    pw, ph = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + (fx(x) - x0) / (x1 - x0) * pw

    def py(y: float) -> float:
        return top + (1 - (y - y0) / (y1 - y0)) * ph

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<text x="{left}" y="14" class="ct">{escape(title)}</text>',
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" class="frame"/>',
        f'<text x="{left - 4}" y="{top + 4}" class="yt">{_tick(y1)}</text>',
        f'<text x="{left - 4}" y="{top + ph}" class="yt">{_tick(y0)}</text>',
        f'<text x="{left}" y="{top + ph + 14}" class="xt">{_tick(min(xs))}</text>',
        f'<text x="{left + pw}" y="{top + ph + 14}" class="xt end">{_tick(max(xs))}</text>',
        f'<text x="{left + pw / 2}" y="{height - 4}" class="xl">'
        f"{escape(x_label)}{' (log)' if logx else ''}</text>",
    ]
    for i, (s, pts) in enumerate(data):
        colour = PALETTE[i % len(PALETTE)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        parts.append(f'<polyline points="{path}" stroke="{colour}" class="line"/>')
        for x, y in pts:
            parts.append(
                f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.4" fill="{colour}">'
                f"<title>{escape(s.label)}: {_tick(y)} at {x_label} {_tick(x)}</title></circle>"
            )
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{PALETTE[i % len(PALETTE)]}"></i>{escape(s.label)}</span>'
        for i, (s, _) in enumerate(data)
    )
    return Markup(
        f'<figure class="chartbox">{"".join(parts)}<figcaption>{legend}</figcaption></figure>'
    )
