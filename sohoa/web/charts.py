"""Small server-side SVG charts (bars and lines) with axes, ticks and labels.

Every text is escaped; the result is markup ready to put inline in a page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 70, 16, 28, 56


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def human_bytes(n: float) -> str:
    """A byte count for people: 1.5 MB."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def _plain(value: float) -> str:
    """Vietnamese number style: 1.234 (thousands), 1,5 (decimals)."""
    if float(value).is_integer():
        return f"{value:,.0f}".replace(",", ".")
    return f"{value:.2f}".rstrip("0").replace(".", ",")


def _frame(
    chart_id: str,
    title: str,
    y_label: str,
    y_max: float,
    fmt: Callable[[float], str],
    body: list[str],
    labels: Sequence[tuple[float, str]],
) -> Markup:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg id="{escape(chart_id)}" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<text class="chart-title" x="{WIDTH / 2}" y="16" text-anchor="middle">'
        f"{escape(title)}</text>",
    ]
    for i in range(5):  # y axis ticks and grid
        value = y_max * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(fmt(value))}</text>"
        )
    parts.append(
        f'<text class="axis-label" transform="translate(14 {TOP + plot_h / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    parts.extend(body)
    parts.append(
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>'
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" '
        f'y2="{TOP + plot_h}"/>'
    )
    for x, text in labels:
        parts.append(
            f'<text class="tick x-tick" x="{x:.1f}" y="{TOP + plot_h + 16}" '
            f'text-anchor="middle">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _thin(labels: list[tuple[float, str]], most: int = 8) -> list[tuple[float, str]]:
    if len(labels) <= most:
        return labels
    step = math.ceil(len(labels) / most)
    return [item for i, item in enumerate(labels) if i % step == 0 or i == len(labels) - 1]


def _plot(items: Sequence[tuple[str, float]]) -> tuple[float, float, float, list[str]]:
    """The plot area's size, the top of the y axis, and the body (a note when empty)."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    y_max = _nice_max(max((v for _, v in items), default=0))
    body: list[str] = []
    if not items:
        body.append(
            f'<text class="empty" x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" '
            'text-anchor="middle">Chưa có dữ liệu</text>'
        )
    return plot_w, plot_h, y_max, body


def bar_chart(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, float]],
    *,
    y_label: str,
    fmt: Callable[[float], str] = _plain,
) -> Markup:
    """Vertical bars, one per (label, value)."""
    plot_w, plot_h, y_max, body = _plot(items)
    labels: list[tuple[float, str]] = []
    slot = plot_w / max(1, len(items))
    for i, (label, value) in enumerate(items):
        h = plot_h * value / y_max
        bar_w = min(slot * 0.7, 60.0)
        x = LEFT + i * slot + (slot - bar_w) / 2
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" '
            f'width="{bar_w:.1f}" height="{h:.1f}"><title>{escape(label)}: '
            f"{escape(fmt(value))}</title></rect>"
        )
        labels.append((LEFT + i * slot + slot / 2, label[:14]))
    return _frame(chart_id, title, y_label, y_max, fmt, body, _thin(labels))


def line_chart(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, float]],
    *,
    y_label: str,
    fmt: Callable[[float], str] = _plain,
) -> Markup:
    """A line with points, one per (label, value), in order."""
    plot_w, plot_h, y_max, body = _plot(items)
    labels: list[tuple[float, str]] = []
    n = len(items)
    points = []
    for i, (label, value) in enumerate(items):
        x = LEFT + (plot_w * (i + 0.5) / n)
        y = TOP + plot_h - plot_h * value / y_max
        points.append(f"{x:.1f},{y:.1f}")
        body.append(
            f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{escape(label)}: '
            f"{escape(fmt(value))}</title></circle>"
        )
        labels.append((x, label))
    if points:
        body.insert(0, f'<polyline class="line" points="{" ".join(points)}"/>')
    return _frame(chart_id, title, y_label, y_max, fmt, body, _thin(labels))
