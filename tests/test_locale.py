"""Numbers, plurals and dates per language (bot/render/locale.py)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.render import locale
from bot.render.learning import when
from bot.render.messages import when_next
from bot.render.operators import _size, _uptime

FRIDAY = dt.date(2026, 12, 4)
FRIDAY_8AM = dt.datetime(2026, 12, 4, 8, 0)


def test_hindi_counts_0_and_1_as_one_and_2_as_other() -> None:
    assert [locale.plural_key(n, "hi") for n in (0, 1, 2)] == ["one", "one", "other"]


def test_english_counts_only_1_as_one() -> None:
    assert [locale.plural_key(n, "en") for n in (0, 1, 2)] == ["other", "one", "other"]


def test_a_lakh_is_grouped_the_indian_way_in_both_languages() -> None:
    assert locale.number(100000, "hi") == "1,00,000"
    assert locale.number(100000, "en") == "1,00,000"
    assert locale.number(12345678, "hi") == "1,23,45,678"


def test_decimals_and_percentages() -> None:
    assert locale.decimal(66.666, "hi") == "66.7"
    assert locale.decimal(150000.5, "en", places=2) == "1,50,000.50"
    assert locale.percent(0.835, "hi") == "84%"


def test_the_english_date_formats_are_unchanged() -> None:
    assert locale.day_text(FRIDAY) == "Fri 4 Dec 2026"
    assert locale.moment_text(FRIDAY_8AM) == "Fri 4 Dec, 08:00"
    assert locale.month_year(dt.date(2023, 10, 1)) == "October 2023"


def test_a_hindi_date_has_hindi_weekday_and_month_names() -> None:
    assert locale.day_text(FRIDAY, "hi") == "शुक्रवार, 4 दिसंबर 2026"
    assert locale.moment_text(FRIDAY_8AM, "hi") == "शुक्रवार, 4 दिसंबर, 08:00"


def test_hindi_month_names_follow_the_glossary_spelling() -> None:
    assert locale.month_year(dt.date(2023, 10, 1), "hi") == "अक्तूबर 2023"
    assert locale.month_year(dt.date(2024, 2, 1), "hi") == "फरवरी 2024"


def test_the_render_helpers_take_the_language() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    moment = dt.datetime(2026, 12, 4, 2, 30, tzinfo=dt.UTC)
    assert when(moment, kolkata, "en") == "Fri 4 Dec, 08:00 (Asia/Kolkata)"
    assert when(moment, kolkata, "hi") == "शुक्रवार, 4 दिसंबर, 08:00 (Asia/Kolkata)"
    assert when_next(None, "hi") == "—"
    assert when_next(FRIDAY_8AM, "hi") == "शुक्रवार, 4 दिसंबर, 08:00"


def test_the_operators_uptime_and_store_size_read_in_the_chats_language() -> None:
    span = dt.timedelta(days=12, hours=3, minutes=7)
    assert _uptime(span, "en") == "12d 3h 7m"
    assert _uptime(span, "hi") == "12 दिन 3 घं. 7 मि."
    assert _uptime(dt.timedelta(minutes=65), "hi") == "1 घं. 5 मि."
    assert _size(123_456 * 1024, "hi") == "120 MiB"
    assert _size(1_500 * 1024**3, "en") == "1,500 GiB"
