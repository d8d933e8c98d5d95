"""Server-side SVG charts for the overview page (pure; no script, no external assets).

Every label is escaped; numbers are formatted by us. The charts are small and static: a
line per event type over time buckets, and horizontal bars for the top actor pairs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from markupsafe import Markup, escape

# Colour-blind-safe palette (Okabe-Ito), repeated for more series.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000")


def line_chart(
    buckets: Sequence[datetime],
    series: Mapping[str, Sequence[int]],
    *,
    width: int = 760,
    height: int = 260,
    title: str = "",
) -> Markup:
    """One polyline per series over the buckets, with a legend and y-axis maximum."""
    left, right, top, bottom = 40, 150, 20, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((max(values, default=0) for values in series.values()), default=0) or 1
    n = len(buckets)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: int) -> float:
        return top + plot_h - plot_h * v / peak

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#999"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" font-size="11">{peak}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    if buckets:
        for i in (0, n - 1):
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" font-size="11">'
                f"{buckets[i]:%m-%d %H:%M}</text>"
            )
    for index, (name, values) in enumerate(sorted(series.items())):
        colour = PALETTE[index % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}">'
            f"<title>{escape(name)}: {sum(values)}</title></polyline>"
        )
        ly = top + 14 * index
        parts.append(
            f'<rect x="{left + plot_w + 10}" y="{ly}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{left + plot_w + 24}" y="{ly + 9}" font-size="11">{escape(name)} '
            f"({sum(values)})</text>"
        )
    if not series:
        parts.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle">'
            "no events in this range</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    bars: Sequence[tuple[str, int]], *, width: int = 760, bar: int = 22, title: str = ""
) -> Markup:
    """Horizontal bars, largest first, labelled with their name and count."""
    label_w, gap = 110, 6
    height = max(len(bars), 1) * (bar + gap) + gap
    peak = max((count for _, count in bars), default=0) or 1
    plot_w = width - label_w - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart">'
    ]
    for i, (name, count) in enumerate(bars):
        y = gap + i * (bar + gap)
        w = max(plot_w * count / peak, 1)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar * 0.7:.1f}" text-anchor="end" '
            f'font-size="12">{escape(name)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" fill="{PALETTE[0]}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar * 0.7:.1f}" font-size="12">'
            f"{count}</text>"
        )
    if not bars:
        parts.append(
            f'<text x="{width / 2}" y="{height / 2 + 4}" text-anchor="middle">'
            "no actor pairs in this range</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
