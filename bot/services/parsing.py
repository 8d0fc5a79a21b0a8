"""Reading numbers out of what users type and what buttons carry: ASCII digits only.

``str.isdigit()`` is True for '²' and '٣', and ``int()`` accepts some of those and not others, so
every command argument and callback datum that is a number goes through ``parse_int``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

_DIGITS = re.compile(r"[0-9]+", re.ASCII)
V = TypeVar("V")

#: No number the bot reads has more digits than this; longer input is refused before int().
MAX_DIGITS = 9


def parse_int(text: str, *, low: int | None = None, high: int | None = None) -> int | None:
    """A non-negative whole number written in ASCII digits within [low, high], else None."""
    text = text.strip()
    if len(text) > MAX_DIGITS or not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    if (low is not None and value < low) or (high is not None and value > high):
        return None
    return value


@dataclass(frozen=True)
class Parsed(Generic[V]):
    """What a user typed, read: the value, or why it could not be (a key of the texts table)."""

    value: V | None
    problem: str | None = None


_CLOCK = re.compile(
    r"^(?P<h>[0-9]{1,2})(?:[:.h ](?P<m>[0-9]{2})(?::(?P<s>[0-9]{2}))?)?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?$", re.ASCII
)
_COMPACT = re.compile(r"^(?P<h>[0-9]{2})(?P<m>[0-9]{2})$", re.ASCII)


def read_time(text: str) -> Parsed[str]:
    """A time of day as ``HH:MM``: ``7:30``, ``07:30``, ``7.30``, ``0730``, ``07:30:00``, ``7:30 pm``, ``7pm``.

    Problems: ``input.time_unreadable`` (not a time at all), ``input.time_range`` (25:00, 7:75).
    """
    folded = text.strip().casefold()
    match = _COMPACT.match(folded) or _CLOCK.match(folded)
    if match is None:
        return Parsed(None, "input.time_unreadable")
    hours, minutes = int(match.group("h")), int(match.group("m") or 0)
    ampm = match.groupdict().get("ampm")
    if ampm:
        if not 1 <= hours <= 12:
            return Parsed(None, "input.time_range")
        hours = hours % 12 + (12 if ampm.startswith("p") else 0)
    if hours > 23 or minutes > 59 or int(match.groupdict().get("s") or 0) > 59:
        return Parsed(None, "input.time_range")
    return Parsed(f"{hours:02d}:{minutes:02d}")


_DAYS = re.compile(r"^(?P<n>[0-9]{1,4})\s*(?P<unit>d|days?|w|weeks?)?$", re.ASCII)


def read_days(text: str, most: int) -> Parsed[int]:
    """A number of days: ``7``, ``3 days``, ``3d``, ``2 weeks``.

    Problems: ``input.days_unreadable``, ``input.days_zero``, ``input.days_too_many``.
    """
    match = _DAYS.match(text.strip().casefold())
    if match is None:
        return Parsed(None, "input.days_unreadable")
    days = int(match.group("n")) * (7 if (match.group("unit") or "d").startswith("w") else 1)
    if days < 1:
        return Parsed(None, "input.days_zero")
    if days > most:
        return Parsed(None, "input.days_too_many")
    return Parsed(days)
