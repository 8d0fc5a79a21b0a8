"""Leaderboard ranking, week boundaries and the group cooldown."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.render import safe_name
from bot.services.groups import Cooldown, rank, week_start
from bot.storage.repository import LeaderboardRow

T0 = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)


def row(user_id: int, answered: int, correct: int, minutes: int | None = None) -> LeaderboardRow:
    reached = T0 + dt.timedelta(minutes=minutes) if minutes is not None else None
    return LeaderboardRow(user_id, f"user{user_id}", answered, correct, reached)


def test_leaderboard_ranks_by_correct_then_accuracy_then_who_got_there_first() -> None:
    ranked = rank([row(1, 10, 5, 9), row(2, 5, 5, 30), row(3, 10, 5, 3), row(4, 20, 8, 1)])
    assert [r.row.user_id for r in ranked] == [4, 2, 3, 1]
    assert [r.rank for r in ranked] == [1, 2, 3, 4]


def test_weeks_start_on_monday_in_the_chats_time_zone() -> None:
    ist = ZoneInfo("Asia/Kolkata")
    # Sunday 20:00 UTC is already Monday 01:30 in India.
    sunday_night_utc = dt.datetime(2026, 3, 8, 20, 0, tzinfo=dt.UTC)
    assert week_start(sunday_night_utc, ist) == dt.datetime(2026, 3, 9, 0, 0, tzinfo=ist)
    london = ZoneInfo("Europe/London")
    assert week_start(sunday_night_utc, london) == dt.datetime(2026, 3, 2, 0, 0, tzinfo=london)


def test_cooldown_answers_once_then_stays_quiet() -> None:
    cooldown = Cooldown(30)
    assert cooldown.check(1, "quiz", T0) == (True, 0, False)
    assert cooldown.check(1, "quiz", T0 + dt.timedelta(seconds=10)) == (False, 20, True)
    assert cooldown.check(1, "quiz", T0 + dt.timedelta(seconds=12)) == (False, 18, False)
    assert cooldown.check(2, "quiz", T0 + dt.timedelta(seconds=12))[0] is True
    assert cooldown.check(1, "quiz", T0 + dt.timedelta(seconds=30))[0] is True


def test_hostile_display_names_neither_format_nor_ping() -> None:
    assert safe_name("<b>boss</b>") == "&lt;b&gt;boss&lt;/b&gt;"
    assert "@everyone" not in safe_name("@everyone")
