"""Leaderboard ranking, week boundaries and the group cooldown."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.render.messages import safe_name
from bot.services.groups import Cooldown, rank, week_start
from bot.storage.repository import LeaderboardRow
from bot.storage.sqlite import SqliteRepository

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


async def test_leaderboard_shows_the_askers_own_rank_outside_the_top_ten(repo: SqliteRepository) -> None:
    from bot.services.groups import GroupService
    from bot.storage.repository import AnswerRecord, PollRecord

    await repo.upsert_chat(-1, "supergroup", "G", None)
    for user in range(1, 13):
        await repo.upsert_user(user, f"user{user}", None)
        poll_id = f"p{user}"
        await repo.save_poll(PollRecord(poll_id, -1, 1, "q", (0, 1), 0, T0))
        # user 1 answers wrong, everyone else right: user 1 is last of twelve.
        await repo.record_answer(AnswerRecord(poll_id, user, -1, "q", "t", 0, 0, user != 1, T0))
    board = await GroupService(repo).leaderboard(-1, 1, "all", ZoneInfo("Asia/Kolkata"), T0)
    assert len(board.top) == 10 and all(r.row.user_id != 1 for r in board.top)
    assert board.own is not None and board.own.rank == 12
