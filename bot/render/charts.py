"""The /stats activity chart as a PNG, when the optional ``charts`` extra (matplotlib) is installed.

Without matplotlib, :func:`activity_png` returns None and /stats shows a text sparkline instead.

The labels are in the chat's language where the chart can draw it: matplotlib's Agg canvas draws
glyph by glyph, without the shaping Devanagari needs (vowel signs, conjuncts), so text it cannot
draw right is left off the picture (the photo's caption, which Telegram renders, says it) and the
days are numbered (``06/12``) instead of named.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Sequence

from bot.render.locale import short_day
from bot.render.texts import t


def drawable(text: str) -> bool:
    """Whether the chart can draw ``text`` as it should read: Latin text needs no shaping, and
    matplotlib's own fonts have every Latin-1 glyph."""
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def day_label(day: dt.date, lang: str) -> str:
    """A bar's day: ``06 Dec`` in English, ``06/12`` where month names could not be drawn."""
    label = short_day(day, lang)
    return label if drawable(label) else day.strftime("%d/%m")


def _render(activity: Sequence[tuple[dt.date, int]], lang: str) -> bytes | None:
    try:
        # The object-oriented API with the Agg canvas: no pyplot global state, safe in a thread.
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return None
    figure = Figure(figsize=(6, 2.6), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = [day_label(day, lang) for day, _ in activity]
    counts = [count for _, count in activity]
    axes.bar(range(len(counts)), counts, color="#2e7d32")
    axes.set_xticks(range(len(labels)), labels, rotation=60, fontsize=7)
    if drawable(axis := t("stats.chart_axis", lang)):
        axes.set_ylabel(axis)
    if drawable(title := t("stats.chart_title", lang)):
        axes.set_title(title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


async def activity_png(activity: Sequence[tuple[dt.date, int]], lang: str) -> bytes | None:
    """A bar chart of answers per day, labelled in ``lang`` where it can be drawn; None when
    matplotlib is not installed (or nothing to draw)."""
    if not activity:
        return None
    # Drawing takes tens of milliseconds of CPU: keep it off the event loop.
    return await asyncio.to_thread(_render, activity, lang)
