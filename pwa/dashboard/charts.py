"""Charts as server-rendered SVG: no JavaScript, no chart library, nothing the CSP has to allow.

Each function returns markup for one inline <svg> with a viewBox (it scales to its box), role="img"
and a <title>/<desc> named by aria-labelledby, so a screen reader announces what the chart shows;
the numbers themselves are in the table printed beside every chart. Only presentation attributes
are used (no style attribute, no <style> element): the CSP allows them, WeasyPrint draws them in
the PDF pack, and the app's stylesheet can still restyle the classes (`.chart .s0` ... `.s4`).

Values are plain numbers in the figure's unit; a share is a fraction from 0 to 1. A None value is
"no data" (nothing to divide): a gap in a line, an empty bar, never a zero.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import count

from markupsafe import Markup, escape

# Colour-blind-safe series colours (Okabe-Ito, darkened for contrast on white): s0 ... s4.
PALETTE = ("#1f4e5f", "#d55e00", "#0072b2", "#8a6d00", "#6d597a")
INK, MUTED, GRID, BAR, EMPTY = "#1b2326", "#58666b", "#dde4e6", "#1f4e5f", "#eef2f3"
FONT = "system-ui, 'DejaVu Sans', sans-serif"
_ids = count(1)


def _uid(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def fmt(value: float | None, unit: str, short: bool = False) -> str:
    """A value as people read it: 84%, 12, 35 min, 3 h 15 min, 2.5 h, 1.2 d; "no data" when None."""
    if value is None:
        return "–" if short else "no data"
    if unit == "share":
        pct = value * 100
        return f"{pct:.0f}%" if short or pct in (0, 100) or abs(pct - round(pct)) < 0.05 else f"{pct:.1f}%"
    if unit == "count":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if unit == "minutes":
        minutes = round(value)
        if minutes < 60:
            return f"{minutes} min"
        if short:
            return f"{minutes / 60:.0f} h" if minutes % 60 == 0 else f"{minutes / 60:.1f} h"
        return f"{minutes // 60} h {minutes % 60} min" if minutes % 60 else f"{minutes // 60} h"
    suffix = {"hours": " h", "days": " d"}.get(unit, "")
    number = f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.1f}"
    return number + suffix


def nice_max(value: float) -> float:
    """The axis top above `value`: 1, 2, 2.5, 5 or 10 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover


def _ticks(top: float, unit: str, n: int = 4) -> list[float]:
    """Gridline values from 0 to `top`; whole numbers only for counts (no "0.5 escalations")."""
    if unit == "count":
        step = max(1, round(top / n))
        return [float(v) for v in range(0, int(top) + 1, step)]
    return [top * i / n for i in range(n + 1)]


def _axis_top(values: Sequence[float | None], unit: str) -> float:
    if unit == "share":
        return 1.0
    present = [v for v in values if v is not None]
    top = nice_max(max(present, default=0))
    if unit == "count":  # four whole-number steps: 0-4, 0-8, 0-20, 0-40...
        step = max(1, math.ceil(nice_max(max(present, default=0) / 4)))
        top = float(4 * step)
    elif unit == "minutes" and top > 120:  # an axis in whole hours: 0, 2 h, 4 h, 6 h, 8 h
        hours = math.ceil(max(present) / 60)
        step = max(1, math.ceil(hours / 4))
        top = float(step * 4 * 60)
    return top


def tick_text(value: float, unit: str, top: float) -> str:
    """An axis label, every one of an axis in the same unit (minutes, or whole hours above two)."""
    if unit == "minutes":
        return f"{value / 60:.0f} h" if top > 120 else f"{value:.0f} min"
    return fmt(value, unit, short=True)


def _left_margin(ticks: list[float], unit: str) -> int:
    """Room for the longest tick label (about 7 units per character at font-size 12)."""
    return 14 + 7 * max(len(tick_text(t, unit, ticks[-1])) for t in ticks)


def _no_data(parts: list, x: float, y: float, values) -> None:
    if not any(v is not None for v in values):
        parts.append(f'<text class="no-data" x="{x:.1f}" y="{y:.1f}" text-anchor="middle" fill="{MUTED}" '
                     f'font-size="14">No data in this period</text>')


def _open(kind: str, width: int, height: int, title: str, desc: str) -> str:
    uid = _uid(kind)
    return (f'<svg class="chart {kind}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-labelledby="{uid}-t {uid}-d" '
            f'font-family="{FONT}" font-size="12" fill="{INK}">'
            f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>')


def _label_every(n: int, room: int) -> int:
    return max(1, math.ceil(n / max(1, room)))


def sparkline(values: Sequence[float | None], unit: str, title: str, width: int = 120, height: int = 34) -> Markup:
    """A tile's small trend line: no axes, the last point marked. Gaps where there is no data."""
    present = [(i, v) for i, v in enumerate(values) if v is not None]
    desc = (f"{len(present)} of {len(values)} periods with data" + (
        f"; first {fmt(present[0][1], unit)}, last {fmt(present[-1][1], unit)}" if present else ""))
    head = _open("spark", width, height, title, desc)
    parts = [head]
    pad = 4
    # Scaled to its own range (from zero for counts), so the direction shows even when it is small.
    low = min((v for _i, v in present), default=0) if unit != "count" else 0
    high = max((v for _i, v in present), default=0)
    low, high = (low - 0.5, high + 0.5) if high == low else (low, high)

    def x(i):
        return pad + (width - 2 * pad) * (i / max(1, len(values) - 1))

    def y(v):
        return height - pad - (height - 2 * pad) * ((v - low) / (high - low))

    parts.append(f'<line class="base" x1="{pad}" x2="{width - pad}" y1="{height - pad}" y2="{height - pad}" '
                 f'stroke="{GRID}" stroke-width="1"/>')
    if len(present) > 1:  # a sparkline joins the periods with data: it shows the direction, not the gaps
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in present)
        parts.append(f'<polyline class="s0 line" points="{points}" fill="none" stroke="{PALETTE[0]}" '
                     f'stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>')
    if present:
        i, v = present[-1]
        parts.append(f'<circle class="s0 last" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{PALETTE[0]}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _segments(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Runs of consecutive points with data (a line is broken where there is none)."""
    runs, run = [], []
    for i, v in enumerate(values):
        if v is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append((i, v))
    if run:
        runs.append(run)
    return runs


def line_chart(x_labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], unit: str,
               title: str, desc: str = "", width: int = 480, height: int = 230) -> Markup:
    """Lines over time (one per series, up to five), y from zero (0-100% for shares), gridlines with
    values, the x axis labelled at evenly spaced buckets. Each point has a tooltip (<title>)."""
    all_values = [v for _name, values in series for v in values]
    top = _axis_top(all_values, unit)
    left, right, top_pad, bottom = _left_margin(_ticks(top, unit), unit), 14, 12, 34
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    desc = desc or "; ".join(
        f"{name}: " + ", ".join(f"{label} {fmt(v, unit)}" for label, v in zip(x_labels, values))
        for name, values in series)
    head = _open("line", width, height, title, desc)
    parts = [head]
    n = len(x_labels)

    def x(i):
        return left + (plot_w * (i + 0.5) / n if n else 0)

    def y(v):
        return top_pad + plot_h - plot_h * (v / top if top else 0)

    for tick in _ticks(top, unit):
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text class="tick" x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                     f'{escape(tick_text(tick, unit, top))}</text>')
    every = _label_every(n, plot_w // 62)
    for i, label in enumerate(x_labels):
        if i % every == 0:
            parts.append(f'<text class="tick" x="{x(i):.1f}" y="{height - bottom + 18}" text-anchor="middle" '
                         f'fill="{MUTED}">{escape(label)}</text>')
    parts.append(f'<line class="axis" x1="{left}" x2="{width - right}" y1="{top_pad + plot_h}" '
                 f'y2="{top_pad + plot_h}" stroke="{MUTED}" stroke-width="1"/>')
    _no_data(parts, left + plot_w / 2, top_pad + plot_h / 2, all_values)
    for k, (name, values) in enumerate(series[:len(PALETTE)]):
        colour = PALETTE[k]
        for segment in _segments(values):
            if len(segment) > 1:
                points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in segment)
                parts.append(f'<polyline class="s{k} line" points="{points}" fill="none" stroke="{colour}" '
                             f'stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>')
        for i, v in enumerate(values):
            if v is not None:
                parts.append(f'<circle class="s{k} point" cx="{x(i):.1f}" cy="{y(v):.1f}" r="{3.2 if n <= 31 else 2}" '
                             f'fill="{colour}"><title>{escape(name)}, {escape(x_labels[i])}: '
                             f'{escape(fmt(v, unit))}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(x_labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], unit: str,
                 title: str, desc: str = "", width: int = 480, height: int = 230) -> Markup:
    """Counts over time as columns (a count is a total per bucket, not a level to join up); several
    series stand side by side in each bucket, coloured like the legend."""
    series = list(series)[:len(PALETTE)]
    top = _axis_top([v for _name, values in series for v in values], unit)
    left, right, top_pad, bottom = _left_margin(_ticks(top, unit), unit), 14, 12, 34
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    desc = desc or "; ".join(
        f"{name}: " + ", ".join(f"{label} {fmt(v, unit)}" for label, v in zip(x_labels, values))
        for name, values in series)
    parts = [_open("columns", width, height, title, desc)]
    n = max(1, len(x_labels))
    slot = plot_w / n
    group_w = max(2.0, min(14.0 * len(series) + 8, slot * 0.78))
    bar_w = group_w / max(1, len(series))

    def y(v):
        return top_pad + plot_h - plot_h * (v / top if top else 0)

    for tick in _ticks(top, unit):
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text class="tick" x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                     f'{escape(tick_text(tick, unit, top))}</text>')
    _no_data(parts, left + plot_w / 2, top_pad + plot_h / 2, [v for _n, values in series for v in values])
    every = _label_every(len(x_labels), plot_w // 62)
    for i, label in enumerate(x_labels):
        cx = left + slot * (i + 0.5)
        for k, (name, values) in enumerate(series):
            v = values[i] if i < len(values) else None
            if v is None or v <= 0:
                continue
            x0 = cx - group_w / 2 + k * bar_w
            parts.append(f'<rect class="s{k} bar" x="{x0:.1f}" y="{y(v):.1f}" width="{max(1.0, bar_w - 1):.1f}" '
                         f'height="{top_pad + plot_h - y(v):.1f}" fill="{PALETTE[k]}">'
                         f'<title>{escape(name)}, {escape(label)}: {escape(fmt(v, unit))}</title></rect>')
        if i % every == 0:
            parts.append(f'<text class="tick" x="{cx:.1f}" y="{height - bottom + 18}" text-anchor="middle" '
                         f'fill="{MUTED}">{escape(label)}</text>')
    parts.append(f'<line class="axis" x1="{left}" x2="{width - right}" y1="{top_pad + plot_h}" '
                 f'y2="{top_pad + plot_h}" stroke="{MUTED}" stroke-width="1"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(rows: Sequence[tuple[str, float | None]], unit: str, title: str, desc: str = "",
              width: int = 480, row_height: int = 30, label_width: int = 130) -> Markup:
    """Horizontal bars, one row per label (a team, a worker, an escalation level), the value at the
    bar's end. Shares run to 100%; counts and times to a rounded maximum."""
    top_pad, bottom = 6, 6
    height = top_pad + bottom + row_height * max(1, len(rows))
    value_w = 64
    plot_w = width - label_width - value_w
    top = _axis_top([v for _label, v in rows], unit)
    desc = desc or ", ".join(f"{label} {fmt(v, unit)}" for label, v in rows)
    head = _open("bars", width, height, title, desc)
    parts = [head]
    for i, (label, v) in enumerate(rows):
        y0 = top_pad + i * row_height
        mid = y0 + row_height / 2 + 4
        room = max(6, int((label_width - 10) / 6.6))
        text = label if len(label) <= room else label[:room - 1] + "…"
        parts.append(f'<text class="label" x="{label_width - 8}" y="{mid:.1f}" text-anchor="end">'
                     f'<title>{escape(label)}</title>{escape(text)}</text>')
        parts.append(f'<rect class="track" x="{label_width}" y="{y0 + 6}" width="{plot_w}" height="{row_height - 12}" '
                     f'rx="3" fill="{EMPTY}"/>')
        if v is not None and v > 0:
            w = max(2.0, plot_w * min(1.0, v / top))
            parts.append(f'<rect class="s0 bar" x="{label_width}" y="{y0 + 6}" width="{w:.1f}" '
                         f'height="{row_height - 12}" rx="3" fill="{BAR}"><title>{escape(label)}: '
                         f'{escape(fmt(v, unit))}</title></rect>')
        parts.append(f'<text class="value" x="{label_width + plot_w + 8}" y="{mid:.1f}" font-weight="600" '
                     f'fill="{MUTED if v is None else INK}">{escape(fmt(v, unit, short=True))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
