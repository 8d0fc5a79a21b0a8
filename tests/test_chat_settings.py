"""Parsing what users type into /settime, /timezone and /pause."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.services.chat_settings import ChatSettingsService, find_timezone, parse_days, parse_time
from bot.storage.repository import ChatRecord


@pytest.mark.parametrize(("text", "expected"), [("7:30", "07:30"), ("07:30", "07:30"), ("23:59", "23:59")])
def test_settime_accepts_24_hour_times(text: str, expected: str) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "7.30", "7:3", "seven", "", "12:60", "-1:00"])
def test_settime_rejects_anything_else(text: str) -> None:
    assert parse_time(text) is None


def test_timezone_names_are_case_insensitive() -> None:
    assert find_timezone("asia/kolkata").zone == "Asia/Kolkata"


@pytest.mark.parametrize("query", ["kolkata", "Asia/Calcuta"])
def test_near_misses_get_suggestions(query: str) -> None:
    found = find_timezone(query)
    assert found.zone is None
    assert any(s in ("Asia/Kolkata", "Asia/Calcutta") for s in found.suggestions)


def test_nonsense_timezone_gets_no_suggestion() -> None:
    assert find_timezone("qqqqqqqqqqqq").suggestions == []


@pytest.mark.parametrize(("text", "days"), [("1", 1), ("7", 7), ("365", 365), ("0", None), ("366", None), ("x", None)])
def test_pause_takes_1_to_365_days(text: str, days: int | None) -> None:
    assert parse_days(text) == days


def test_pause_after_todays_push_starts_tomorrow() -> None:
    service = ChatSettingsService(repo=None, default_tz=ZoneInfo("Asia/Kolkata"), default_time=dt.time(8))  # type: ignore[arg-type]
    chat = ChatRecord(1, "private", subscribed=True)
    resolved = service.resolve(chat, dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC))
    assert resolved.next_push == dt.datetime(2026, 3, 3, 8, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
