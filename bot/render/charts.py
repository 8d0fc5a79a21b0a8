"""The /stats activity chart as a PNG, when the optional ``charts`` extra (matplotlib) is installed.

Without matplotlib, :func:`activity_png` returns None and /stats shows a text sparkline instead.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Sequence


def _render(activity: Sequence[tuple[dt.date, int]], title: str) -> bytes | None:
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
    labels = [day.strftime("%d %b") for day, _ in activity]
    counts = [count for _, count in activity]
    axes.bar(range(len(counts)), counts, color="#2e7d32")
    axes.set_xticks(range(len(labels)), labels, rotation=60, fontsize=7)
    axes.set_ylabel("answers")
    axes.set_title(title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


async def activity_png(activity: Sequence[tuple[dt.date, int]], title: str) -> bytes | None:
    """A bar chart of answers per day; None when matplotlib is not installed (or nothing to draw)."""
    if not activity:
        return None
    # Drawing takes tens of milliseconds of CPU: keep it off the event loop.
    return await asyncio.to_thread(_render, activity, title)
