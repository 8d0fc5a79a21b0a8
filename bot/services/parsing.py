"""Reading numbers out of what users type and what buttons carry: ASCII digits only.

``str.isdigit()`` is True for '²' and '٣', and ``int()`` accepts some of those and not others, so
every command argument and callback datum that is a number goes through ``parse_int``.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+", re.ASCII)
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
