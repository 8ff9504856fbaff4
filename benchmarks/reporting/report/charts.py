"""Small inline SVG line charts for the report's per-run and per-model pages.

The suite's figures are matplotlib PNGs (``benchmarks.reporting.plots``), which cost about half
a second each here; the report has one page per run, so its small charts are drawn as SVG text
instead (milliseconds, no files, a tooltip on every point). Data, colours (one per model) and
dash patterns (one per run group) come from the same functions the figures use, so a model
reads the same in a figure and in a chart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from benchmarks.reporting.plots import count_text

#: a series' colour where the caller gives none (a run's own losses)
DEFAULT_COLOUR = "#0072B2"


@dataclass(frozen=True)
class Series:
    """One line: ``label`` in the legend (series sharing one share its entry), ``colour`` its
    model's (``model_colour``), ``dash`` its run group's (``line_styles``), ``model`` named on
    the line for readers and tests, ``detail`` added to each point's tooltip (a seed)."""

    label: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    colour: str = DEFAULT_COLOUR
    dash: str = ""
    model: str = ""
    detail: str = ""


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


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` round values (steps of 1, 2, 2.5 or 5 times a power of ten) from the
    first at or below ``lo`` to the first at or above ``hi``: the axis then ends on a tick."""
    if hi <= lo:
        lo, hi = lo - (abs(lo) or 1) * 0.05, hi + (abs(hi) or 1) * 0.05
    raw = (hi - lo) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [round(i * step, 12) for i in range(first, last + 1)]


def log_ticks(lo: float, hi: float) -> list[float]:
    """Powers of ten within [lo, hi], with 2x and 5x between them where fewer than three."""
    ticks = [
        m * 10**e
        for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
        for m in (1, 2, 5)
    ]
    inside = [t for t in ticks if lo <= t * (1 + 1e-9) and t <= hi * (1 + 1e-9)]
    powers = [t for t in inside if math.log10(t).is_integer()]
    return powers if len(powers) >= 3 else inside


def line_chart(
    series: list[Series],
    title: str,
    logx: bool = False,
    x_label: str = "step",
    width: int = 330,
    height: int = 210,
) -> Markup:
    """One chart: a polyline per series in its model's colour, a dot with a tooltip per point,
    round ticks with gridlines on both axes, counts written as integers."""
    data = _finite(series, logx)
    if not data:
        return Markup(f'<p class="missing">{escape(title)}: no finite values</p>')
    left, right, top, bottom = 46, 18, 22, 34
    xs = [x for _, pts in data for x, _ in pts]
    ys = [y for _, pts in data for _, y in pts]
    fx = math.log10 if logx else (lambda v: v)
    xticks = log_ticks(min(xs), max(xs)) if logx else nice_ticks(min(xs), max(xs))
    yticks = nice_ticks(min(ys), max(ys))
    x0, x1 = (fx(min(xs)), fx(max(xs))) if logx else (xticks[0], xticks[-1])
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    y0, y1 = yticks[0], yticks[-1]
    pw, ph = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + (fx(x) - x0) / (x1 - x0) * pw

    def py(y: float) -> float:
        return top + (1 - (y - y0) / (y1 - y0)) * ph

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<text x="{left}" y="14" class="ct">{escape(title)}</text>',
    ]
    for y in yticks:
        parts.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{py(y):.1f}" y2="{py(y):.1f}" class="grid"/>'
        )
        parts.append(f'<text x="{left - 4}" y="{py(y) + 3:.1f}" class="yt">{count_text(y)}</text>')
    for x in xticks:
        parts.append(
            f'<line x1="{px(x):.1f}" x2="{px(x):.1f}" y1="{top}" y2="{top + ph}" class="grid"/>'
        )
        parts.append(f'<text x="{px(x):.1f}" y="{top + ph + 13}" class="xt">{count_text(x)}</text>')
    parts += [
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" class="frame"/>',
        f'<text x="{left + pw / 2}" y="{height - 4}" class="xl">'
        f"{escape(x_label)}{' (log)' if logx else ''}</text>",
    ]
    for s, pts in data:
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        parts.append(
            f'<polyline points="{path}" stroke="{s.colour}"{dash} class="line" '
            f'data-model="{escape(s.model)}"/>'
        )
        name = escape(s.label + (f" {s.detail}" if s.detail else ""))
        for x, y in pts:
            parts.append(
                f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.2" fill="{s.colour}">'
                f"<title>{name}: {y:.4g} at {escape(x_label)} {count_text(x)}</title></circle>"
            )
    parts.append("</svg>")
    return Markup(
        f'<figure class="chartbox">{"".join(parts)}<figcaption>{legend(data)}</figcaption></figure>'
    )


def legend(data: list[tuple[Series, list]]) -> str:
    """One entry per label (a run group's seeds share theirs): its colour and dash."""
    seen: dict[str, Series] = {}
    for s, _ in data:
        seen.setdefault(s.label, s)
    entries = []
    for label, s in seen.items():
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        entries.append(
            f'<span><svg width="18" height="8"><line x1="0" x2="18" y1="4" y2="4" '
            f'stroke="{s.colour}"{dash}/></svg>{escape(label)}</span>'
        )
    return "".join(entries)
