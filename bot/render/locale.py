"""Numbers, plurals and dates as each language writes them, through Babel's CLDR data.

A chat's language is ``"en"`` or ``"hi"``. English keeps the project's one date format (``Fri 4 Dec 2026``) byte for
byte; Hindi dates use CLDR's Hindi month and weekday names, spelled as ``content/hi/GLOSSARY.md`` asks. Numbers use
the Indian grouping in both languages (``1,00,000``), as Indian readers and UPSC's papers write them.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Literal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from bot.languages import ENGLISH, HINDI

#: A ``lang`` as the bot stores it → the Babel locale that formats for it. English readers here are Indian.
BABEL_LOCALES: dict[str, str] = {ENGLISH: "en_IN", HINDI: "hi"}

#: CLDR spells two Hindi month names differently from the glossary's मानक वर्तनी (no nukta; अक्तूबर as UPSC prints
#: it). The glossary wins, so that a date reads the same in the interface as in the content.
_HINDI_SPELLING: dict[str, str] = {"फ़रवरी": "फरवरी", "अक्टूबर": "अक्तूबर"}

PluralKey = Literal["one", "other"]


@cache
def babel_locale(lang: str) -> Locale:
    """The Babel locale for ``lang``; an unknown language formats as English."""
    return Locale.parse(BABEL_LOCALES.get(lang, BABEL_LOCALES[ENGLISH]))


def plural_key(n: int, lang: str = "en") -> PluralKey:
    """Which of a counted string's keys (``.one`` or ``.other``) fits ``n``, by the language's CLDR plural rule.

    English says "1 day" but "0 days"; Hindi's "one" covers 0 and 1 (शून्य/एक दिन). The bot's tables have only
    ``.one`` and ``.other``, which is every category English and Hindi have for cardinal numbers."""
    return "one" if babel_locale(lang).plural_form(n) == "one" else "other"


def number(value: int | float, lang: str = "en") -> str:
    """A count or amount with the Indian grouping: ``100000`` → ``1,00,000``; decimals kept as given, up to 3."""
    return format_decimal(value, locale=babel_locale(lang))


def decimal(value: float, lang: str = "en", places: int = 1) -> str:
    """``value`` rounded to ``places`` decimal places, always showing them: ``decimal(66.666)`` → ``66.7``."""
    pattern = "#,##,##0." + "0" * places if places > 0 else "#,##,##0"
    return format_decimal(value, format=pattern, locale=babel_locale(lang))


def percent(fraction: float, lang: str = "en") -> str:
    """A share as a whole percentage: ``0.835`` → ``84%``."""
    return format_percent(fraction, locale=babel_locale(lang))


def _hindi(text: str) -> str:
    for cldr, glossary in _HINDI_SPELLING.items():
        text = text.replace(cldr, glossary)
    return text


def day_text(day: dt.date, lang: str = "en") -> str:
    """The one way dates read: ``Fri 4 Dec 2026``; in Hindi ``शुक्रवार, 4 दिसंबर 2026``.

    Hindi writes the full weekday and month: CLDR's short Hindi forms (``शुक्र``, ``दिस॰``) read as clipped words."""
    if lang != "hi":
        return f"{day:%a} {day.day} {day:%b %Y}"
    return _hindi(format_date(day, "EEEE, d MMMM y", locale=babel_locale(lang)))


def moment_text(moment: dt.datetime, lang: str = "en") -> str:
    """The one way a time on a day reads: ``Fri 4 Dec, 08:00``; in Hindi ``शुक्रवार, 4 दिसंबर, 08:00``."""
    if lang != "hi":
        return f"{moment:%a} {moment.day} {moment:%b, %H:%M}"
    # The clock time is the moment's own wall time, as in English: no time-zone arithmetic by Babel.
    return _hindi(format_date(moment.date(), "EEEE, d MMMM", locale=babel_locale(lang))) + f", {moment:%H:%M}"


def long_day(day: dt.date, lang: str = "en") -> str:
    """A day as the daily push heads it: ``Monday 2 March``; in Hindi ``सोमवार, 2 मार्च``."""
    if lang != "hi":
        return f"{day:%A} {day.day} {day:%B}"
    return _hindi(format_date(day, "EEEE, d MMMM", locale=babel_locale(lang)))


def month_year(day: dt.date, lang: str = "en") -> str:
    """A month as facts are dated ("as of"): ``October 2023``; in Hindi ``अक्तूबर 2023``."""
    if lang != "hi":
        return day.strftime("%B %Y")
    return _hindi(format_date(day, "MMMM y", locale=babel_locale(lang)))


def short_day(day: dt.date, lang: str = "en") -> str:
    """A day on a chart's axis: ``04 Dec``; in Hindi ``04 दिस॰``."""
    if lang != "hi":
        return day.strftime("%d %b")
    return _hindi(format_date(day, "dd MMM", locale=babel_locale(lang)))
