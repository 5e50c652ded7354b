"""Server-side charts as inline SVG: no JavaScript, no asset from a CDN, readable in print.

Each bar and point is a link to the evidence behind it. Colours are attributes (CSP forbids
inline style), dark enough for a black-and-white print.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR = "#9f1c20"
BAR_MUTED = "#8c959f"
LINE = "#0b5cad"
GRID = "#d0d7de"
INK = "#1f2328"


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | float | None
    url: str = ""
    note: str = ""  # shown after the value, e.g. "↑2.5"


@dataclass(frozen=True)
class Point:
    label: str
    value: Decimal | float | None
    url: str = ""


def _fmt(value: Decimal | float | None) -> str:
    if value is None:
        return "—"
    return f"{Decimal(str(value)).quantize(Decimal('0.01'))}"


def _link(url: str, inner: str) -> str:
    if not url:
        return inner
    return f'<a href="{escape(url)}">{inner}</a>'


def hbar_chart(
    bars: Sequence[Bar], *, title: str, maximum: float = 100, width: int = 760,
    show_title: bool = True, counts: bool = False,
) -> SafeString:  # fmt: skip
    """A horizontal bar chart (ranking): one row per bar, value at the end of the bar.

    `counts`: the values are whole numbers (shown without decimals).
    """
    row_h, label_w, value_w = 22, 190, 90
    top = 28 if show_title else 10
    height = top + row_h * max(len(bars), 1) + 24
    plot_w = width - label_w - value_w
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    if show_title:
        parts.append(
            f'<text x="0" y="16" font-size="14" font-weight="600" fill="{INK}">'
            f"{escape(title)}</text>"
        )
    for tick in range(0, 101, 20):
        x = label_w + plot_w * tick / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 20}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{height - 6}" font-size="11" text-anchor="middle" '
            f'fill="{INK}">{maximum * tick / 100:g}</text>'
        )
    for i, bar in enumerate(bars):
        y = top + i * row_h
        value = float(bar.value) if bar.value is not None else 0.0
        w = max(0.0, min(1.0, value / maximum)) * plot_w if maximum else 0
        label = escape(bar.label[:14])
        fill = BAR if bar.value is not None else BAR_MUTED
        shown = f"{value:g}" if counts and bar.value is not None else _fmt(bar.value)
        inner = (
            f'<text x="{label_w - 6}" y="{y + 15}" font-size="12" text-anchor="end" '
            f'fill="{INK}">{label}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 7}" fill="{fill}">'
            f"<title>{escape(bar.label)}: {shown}</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="12" fill="{INK}">'
            f"{shown} {escape(bar.note)}</text>"
        )
        parts.append(f'<g class="chart__bar">{_link(bar.url, inner)}</g>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def vbar_chart(
    bars: Sequence[Bar], *, title: str, width: int = 360, height: int = 200
) -> SafeString:
    """A vertical bar chart (a distribution): counts per bucket."""
    top, bottom, left = 28, 36, 30
    plot_h = height - top - bottom
    peak = max([float(b.value or 0) for b in bars] + [1.0])
    slot = (width - left - 6) / max(len(bars), 1)
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="13" font-weight="600" fill="{INK}">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width}" y2="{top + plot_h}" stroke="{INK}"/>',
    ]
    for i, bar in enumerate(bars):
        value = float(bar.value or 0)
        h = plot_h * value / peak
        x = left + i * slot + slot * 0.15
        y = top + plot_h - h
        inner = (
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{BAR}"><title>{escape(bar.label)}: {value:g}</title></rect>'
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 3:.1f}" font-size="11" text-anchor="middle" '
            f'fill="{INK}">{value:g}</text>'
            f'<text x="{x + slot * 0.35:.1f}" y="{height - 18}" font-size="11" '
            f'text-anchor="middle" fill="{INK}">{escape(bar.label)}</text>'
        )
        parts.append(_link(bar.url, inner))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def line_chart(
    points: Sequence[Point], *, title: str, maximum: float = 100, width: int = 560,
    height: int = 220,
) -> SafeString:  # fmt: skip
    """A line chart (trend over periods); points without a value break the line."""
    top, bottom, left, right = 28, 40, 64, 48
    plot_h = height - top - bottom
    plot_w = width - left - right
    n = max(len(points), 1)
    step = plot_w / (n - 1) if n > 1 else 0
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="13" font-weight="600" fill="{INK}">{escape(title)}</text>',
    ]
    for tick in range(0, 101, 25):
        y = top + plot_h - plot_h * tick / 100
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="{INK}">{maximum * tick / 100:g}</text>'
        )
    coords: list[tuple[float, float] | None] = []
    for i, p in enumerate(points):
        x = left + (i * step if n > 1 else plot_w / 2)
        if p.value is None:
            coords.append(None)
        else:
            y = top + plot_h - plot_h * min(float(p.value), maximum) / maximum
            coords.append((x, y))
        parts.append(
            f'<text x="{x:.1f}" y="{height - 20}" font-size="11" text-anchor="middle" '
            f'fill="{INK}">{escape(p.label)}</text>'
        )
    segment: list[str] = []
    for c in [*coords, None]:
        if c is None:
            if len(segment) > 1:
                parts.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" stroke="{LINE}" '
                    f'stroke-width="2.5"/>'
                )
            segment = []
        else:
            segment.append(f"{c[0]:.1f},{c[1]:.1f}")
    for p, c in zip(points, coords, strict=True):
        if c is None:
            continue
        inner = (
            f'<circle cx="{c[0]:.1f}" cy="{c[1]:.1f}" r="5" fill="{LINE}">'
            f"<title>{escape(p.label)}: {_fmt(p.value)}</title></circle>"
            f'<text x="{c[0]:.1f}" y="{c[1] - 9:.1f}" font-size="11" text-anchor="middle" '
            f'fill="{INK}">{_fmt(p.value)}</text>'
        )
        parts.append(_link(p.url, inner))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped
