"""Charts as inline SVG, drawn on the server: no script, no outside font, nothing to fetch.

Horizontal bars for categories (a label, a bar, the count) and columns for days. Each chart is
an ``<svg role="img">`` named by its <title> and described by its <desc> (which states the
largest values in words), and the page shows the same numbers in a table beside it, so a screen
reader user, or anyone printing in black and white, loses nothing. Only presentation attributes
are used, never style attributes, so the pages' Content-Security-Policy (no inline styles)
holds. Text inherits the page's font (system CJK fonts).
"""

from __future__ import annotations

import itertools
from html import escape
from typing import Sequence

from markupsafe import Markup

from sync.hub.figure_counts import Bar

WIDTH = 640
BAR_ROW = 26
LABEL_WIDTH = 200
COUNT_WIDTH = 70
BAR_COLOUR = "#c8161d"
AXIS_COLOUR = "#888"
TEXT_COLOUR = "#1a1a1a"
_ids = itertools.count(1)


def _width_of(text: str) -> float:
    """Rough width in px at 13 px: CJK characters are square, others about half as wide."""
    return sum(13 if ord(ch) > 0x2E80 else 7 for ch in text)


def _fit(text: str, width: float) -> str:
    if _width_of(text) <= width:
        return text
    while text and _width_of(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _frame(title: str, desc: str, height: int, body: list[str]) -> Markup:
    n = next(_ids)
    return Markup(
        f'<svg class="chart" role="img" aria-labelledby="chart{n}-t chart{n}-d" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="13" fill="{TEXT_COLOUR}">'
        f'<title id="chart{n}-t">{escape(title)}</title><desc id="chart{n}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def bar_chart(bars: Sequence[Bar], title: str, desc: str) -> Markup:
    """Horizontal bars, one per entry of `bars` (in their order), labelled with the count."""
    top = max((b.count for b in bars), default=0) or 1
    room = WIDTH - LABEL_WIDTH - COUNT_WIDTH
    body = []
    for i, bar in enumerate(bars):
        y = i * BAR_ROW
        length = max(1.0, room * bar.count / top) if bar.count else 0
        body.append(
            f'<g><title>{escape(bar.label)}: {bar.count}</title>'
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end">'
            f'{escape(_fit(bar.label, LABEL_WIDTH - 12))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{length:.1f}" height="{BAR_ROW - 8}" '
            f'fill="{BAR_COLOUR}"/>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 17}">{bar.count}</text></g>')
    height = max(BAR_ROW, len(bars) * BAR_ROW)
    body.append(f'<line x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height}" '
                f'stroke="{AXIS_COLOUR}"/>')
    return _frame(title, desc, height, body)


def column_chart(days: Sequence[Bar], title: str, desc: str, height: int = 220) -> Markup:
    """One column per day, left to right; the first, last and every few days named below."""
    top = max((d.count for d in days), default=0) or 1
    left, bottom, head = 48, 40, 16
    plot_w, plot_h = WIDTH - left - 8, height - bottom - head
    step = plot_w / max(1, len(days))
    every = max(1, round(len(days) / 8))  # about 8 dates fit under the axis
    body = [f'<line x1="{left}" y1="{head + plot_h}" x2="{WIDTH - 8}" y2="{head + plot_h}" '
            f'stroke="{AXIS_COLOUR}"/>',
            f'<text x="{left - 6}" y="{head + 4}" text-anchor="end">{top}</text>',
            f'<text x="{left - 6}" y="{head + plot_h}" text-anchor="end">0</text>']
    for i, day in enumerate(days):
        h = plot_h * day.count / top
        x = left + i * step
        body.append(f'<rect x="{x + step * 0.1:.1f}" y="{head + plot_h - h:.1f}" '
                    f'width="{max(1.0, step * 0.8):.1f}" height="{h:.1f}" fill="{BAR_COLOUR}">'
                    f'<title>{escape(day.label)}: {day.count}</title></rect>')
        last = len(days) - 1
        if i == last or (i % every == 0 and last - i >= every / 2):  # no overlap at the end
            body.append(f'<text x="{x + step / 2:.1f}" y="{head + plot_h + 16}" '
                        f'text-anchor="middle" font-size="11">{escape(day.label[5:])}</text>')
    return _frame(title, desc, height, body)
