"""Parsing what users type into /settime, /timezone and /pause."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.services.chat_settings import ChatSettingsService, ZoneLookup, find_timezone, parse_days, parse_time
from bot.services.parsing import Parsed, read_days, read_time
from bot.storage.repository import ChatRecord


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:30", "07:30"),
        ("07:30", "07:30"),
        ("23:59", "23:59"),
        ("7.30", "07:30"),
        ("0730", "07:30"),
        ("07:30:00", "07:30"),
        ("7:30 pm", "19:30"),
        ("7pm", "19:00"),
        ("12 am", "00:00"),
        ("21", "21:00"),
    ],
)
def test_settime_accepts_the_obvious_forms(text: str, expected: str) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("25:00", "input.time_range"),
        ("12:60", "input.time_range"),
        ("13 pm", "input.time_range"),
        ("seven", "input.time_unreadable"),
        ("", "input.time_unreadable"),
        ("7:3", "input.time_unreadable"),
        ("-1:00", "input.time_unreadable"),
        ("٠٧:٣٠", "input.time_unreadable"),
    ],
)
def test_settime_says_what_was_wrong(text: str, problem: str) -> None:
    assert read_time(text) == Parsed(None, problem)


def test_timezone_names_are_case_insensitive() -> None:
    assert find_timezone("asia/kolkata") == ZoneLookup("Asia/Kolkata", [])


@pytest.mark.parametrize("query", ["kolkata", "Asia/Calcuta", "IST", "India", "+05:30", "UTC+5:30", "+5:30"])
def test_indian_words_and_offsets_mean_asia_kolkata(query: str) -> None:
    assert find_timezone(query) == ZoneLookup("Asia/Kolkata", [], guessed=True)


def test_whole_hour_offsets_are_etc_zones_with_the_sign_turned() -> None:
    assert find_timezone("GMT-3").zone == "Etc/GMT+3"
    assert find_timezone("+4").zone == "Etc/GMT-4"


def test_an_ambiguous_name_gets_suggestions_not_a_guess() -> None:
    found = find_timezone("america")
    assert found.zone is None and len(found.suggestions) > 1


def test_nonsense_timezone_gets_no_suggestion() -> None:
    assert find_timezone("qqqqqqqqqqqq").suggestions == []


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("1", 1),
        ("7", 7),
        ("365", 365),
        ("3 days", 3),
        ("3d", 3),
        ("2 weeks", 14),
        ("0", None),
        ("366", None),
        ("x", None),
    ],
)
def test_pause_takes_1_to_365_days(text: str, days: int | None) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize(
    ("text", "problem"),
    [("0", "input.days_zero"), ("400", "input.days_too_many"), ("soon", "input.days_unreadable")],
)
def test_pause_says_what_was_wrong(text: str, problem: str) -> None:
    assert read_days(text, 365).problem == problem


def test_pause_after_todays_push_starts_tomorrow() -> None:
    service = ChatSettingsService(repo=None, default_tz=ZoneInfo("Asia/Kolkata"), default_time=dt.time(8))  # type: ignore[arg-type]
    chat = ChatRecord(1, "private", subscribed=True)
    resolved = service.resolve(chat, dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC))
    assert resolved.next_push == dt.datetime(2026, 3, 3, 8, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
