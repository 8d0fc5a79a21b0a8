"""Languages: how users and Telegram name them, DEFAULT_LANGUAGE, and that every text the bot
writes is given the chat's language."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, load_settings
from bot.languages import from_language_code, parse_language
from bot.render import charts
from bot.render import messages as render
from bot.services.chat_settings import ChatSettingsService
from bot.services.stats import UserStats
from bot.storage.repository import ChatRecord

BOT = Path(__file__).resolve().parent.parent / "bot"


@pytest.mark.parametrize("typed", ["hi", "HI", "Hindi", "hindi", "हिन्दी", "हिंदी", " hindi "])
def test_hindi_is_read_by_its_code_and_its_names(typed: str) -> None:
    assert parse_language(typed) == "hi"


@pytest.mark.parametrize("typed", ["en", "English", "ENGLISH", "अंग्रेज़ी"])
def test_english_is_read_by_its_code_and_its_names(typed: str) -> None:
    assert parse_language(typed) == "en"


@pytest.mark.parametrize("typed", ["fr", "tamil", "", "hi en"])
def test_a_language_the_bot_does_not_speak_is_none(typed: str) -> None:
    assert parse_language(typed) is None


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("hi", "hi"),
        ("hi-IN", "hi"),
        ("HI_in", "hi"),
        ("en", None),
        ("en-IN", None),
        ("mr", None),
        (None, None),
        ("", None),
    ],
)
def test_a_telegram_language_code_starts_a_private_chat_in_hindi_only_when_it_is_hindi(
    code: str | None, expected: str | None
) -> None:
    assert from_language_code(code) == expected


def test_default_language_is_english_unless_set() -> None:
    assert load_settings(TELEGRAM_BOT_TOKEN="1:x").default_language == "en"
    assert load_settings(TELEGRAM_BOT_TOKEN="1:x", DEFAULT_LANGUAGE="hi").default_language == "hi"


def test_a_bad_default_language_is_one_line_naming_the_setting() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(TELEGRAM_BOT_TOKEN="1:x", DEFAULT_LANGUAGE="french")
    assert str(raised.value) == "DEFAULT_LANGUAGE is invalid: 'french' is not one of en, hi"


def test_a_chat_without_a_language_of_its_own_reads_the_default_language() -> None:
    service = ChatSettingsService(None, ZoneInfo("Asia/Kolkata"), dt.time(8), "hi")  # type: ignore[arg-type]
    assert service.language(ChatRecord(1, "group")) == "hi"
    assert service.language(ChatRecord(1, "group", language="en")) == "en"
    assert service.language(None) == "hi"


def _calls_without_a_language(path: Path) -> list[str]:
    """``t(key)`` and ``tn(key, n)`` calls that leave the language to the default."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("t", "tn"):
            needed = 2 if node.func.id == "t" else 3
            if len(node.args) < needed and not any(k.arg == "lang" for k in node.keywords):
                found.append(f"{path.relative_to(BOT.parent)}:{node.lineno}: {ast.unparse(node)[:60]}")
    return found


def test_every_text_the_bot_writes_is_given_a_language() -> None:
    """The console's own verbs stay English (a developer tool); everything else names the chat's language."""
    paths = [p for p in BOT.rglob("*.py") if "console" not in p.parts and p.name != "texts.py"]
    missing = [call for path in sorted(paths) for call in _calls_without_a_language(path)]
    assert missing == []


@pytest.mark.parametrize("lang", ["en", "hi"])
def test_large_counts_are_grouped_the_indian_way(lang: str) -> None:
    figures = UserStats(answered=123456, correct=100000, streak=3, best_streak=9, topics=[])
    text = render.stats(figures, "", lang, sparkline=False)
    assert "1,23,456" in text and "1,00,000" in text


def test_a_hindi_charts_days_are_numbered_and_an_english_ones_named() -> None:
    day = dt.date(2026, 12, 6)
    assert charts.day_label(day, "en") == "06 Dec"
    assert charts.day_label(day, "hi") == "06/12"


async def test_a_hindi_chart_draws_no_text_its_fonts_cannot_shape(recwarn: pytest.WarningsRecorder) -> None:
    pytest.importorskip("matplotlib")
    activity = tuple((dt.date(2026, 12, 6) - dt.timedelta(days=n), n % 3) for n in range(14, 0, -1))
    png = await charts.activity_png(activity, "hi")
    assert png is not None and png.startswith(b"\x89PNG")
    assert not [w for w in recwarn if "Glyph" in str(w.message)]
    assert not charts.drawable("उत्तर") and charts.drawable("answers")
