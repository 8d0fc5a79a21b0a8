"""Group quiz sessions end to end: an admin's /quiz N, questions on a timer driven by the
ManualClock, the ranking with UPSC marks, /quiz stop, one session at a time, and /leaderboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.delivery.sessions import expire_sessions
from bot.services.quiz_session import CLOSE_GRACE, SECONDS_PER_QUESTION, rank
from bot.storage.repository import SessionScore
from tests.fakebot import FakeBotAPI
from tests.harness import START, RunningBot, reply_text, running_bot

GROUP = -100111
ADMIN, ASHA, BEN = 801, 802, 803


@pytest.fixture
async def bot(fake_api: FakeBotAPI, tmp_path: Path) -> Any:
    fake_api.add_group(GROUP, "UPSC Warriors", admins=[ADMIN], members={ASHA: "Asha", BEN: "Ben"})
    async with running_bot(fake_api, tmp_path, ManualClock(START)) as running:
        yield running


def polls(bot: RunningBot) -> list[Any]:
    return [c for c in bot.fake.calls_to(GROUP) if c.method == "sendPoll"]


def texts(bot: RunningBot) -> list[str]:
    return [str(c.params.get("text", "")) for c in bot.fake.calls_to(GROUP) if c.method == "sendMessage"]


async def answer_latest(bot: RunningBot, user: int, *, right: bool) -> None:
    poll_id = polls(bot)[-1].result["poll"]["id"]
    poll = bot.fake.polls[poll_id]
    correct = poll["correct_option_ids"][0]
    await bot.answer(poll_id, user, [correct if right else (correct + 1) % len(poll["options"])])


async def time_up(bot: RunningBot) -> int:
    """The timer job's tick once the open question's time (and the grace) has run out."""
    await bot.settle()
    bot.clock.advance(seconds=SECONDS_PER_QUESTION + CLOSE_GRACE.total_seconds() + 1)
    return await expire_sessions(bot.application.bot, bot.ctx)


async def test_an_admins_session_asks_n_timed_questions_then_ranks_by_upsc_marks(bot: RunningBot) -> None:
    await bot.say(GROUP, "/quiz 3", user_id=ADMIN)
    assert any("<b>3</b> questions, 30 s each" in x for x in texts(bot))
    for number in range(3):
        assert len(polls(bot)) == number + 1
        assert polls(bot)[-1].params["open_period"] == SECONDS_PER_QUESTION
        await answer_latest(bot, ASHA, right=True)
        await answer_latest(bot, BEN, right=number == 0)
        assert len(polls(bot)) == number + 1  # answers do not move the session on: the time does
        assert await time_up(bot) == 1
    ranking = texts(bot)[-1]
    assert "Quiz session over" in ranking
    assert "🥇 Asha — <b>6</b> (3 ✅, 0 ❌)" in ranking
    assert "🥈 Ben — <b>0.68</b> (1 ✅, 2 ❌)" in ranking
    assert await bot.ctx.learning.sessions.running(GROUP) is None


async def test_unanswered_questions_still_move_on_and_nobody_is_ranked(bot: RunningBot) -> None:
    await bot.say(GROUP, "/quiz 2", user_id=ADMIN)
    await time_up(bot)
    await time_up(bot)
    assert len(polls(bot)) == 2
    assert "Nobody answered" in texts(bot)[-1]


async def test_the_next_leaderboard_quotes_the_last_session(bot: RunningBot) -> None:
    await bot.say(GROUP, "/quiz 2", user_id=ADMIN)
    await answer_latest(bot, BEN, right=True)
    await answer_latest(bot, ASHA, right=False)
    await time_up(bot)
    await answer_latest(bot, ASHA, right=True)
    await time_up(bot)
    board = reply_text(await bot.say(GROUP, "/leaderboard", user_id=ASHA))
    line = next(x for x in board.splitlines() if x.startswith("🏁 Last quiz session"))
    assert line == "🏁 Last quiz session: 🥇 Ben (2), 🥈 Asha (1.34)"
    assert "Leaderboard" in board  # the session's answers count on the board too


async def test_a_members_quiz_with_a_number_is_an_ordinary_quiz(bot: RunningBot) -> None:
    await bot.say(GROUP, "/quiz 10", user_id=ASHA)
    assert len(polls(bot)) == 1 and "open_period" not in polls(bot)[-1].params
    assert await bot.ctx.learning.sessions.running(GROUP) is None


@pytest.mark.parametrize("size", ["1", "21", "99999999999999"])
async def test_a_session_size_outside_2_to_20_gets_told_the_range(bot: RunningBot, size: str) -> None:
    reply = reply_text(await bot.say(GROUP, f"/quiz {size}", user_id=ADMIN))
    assert "2 to 20 questions" in reply and not polls(bot)


async def test_one_session_at_a_time_and_stop_ranks_so_far(bot: RunningBot) -> None:
    await bot.say(GROUP, "/quiz 5", user_id=ADMIN)
    busy = reply_text(await bot.say(GROUP, "/quiz 5", user_id=ADMIN))
    assert "already running here (question 1 of 5)" in busy and len(polls(bot)) == 1
    await answer_latest(bot, ASHA, right=False)
    refused = reply_text(await bot.say(GROUP, "/quiz stop", user_id=ASHA))
    assert "Only this group's admins" in refused
    stopped = reply_text(await bot.say(GROUP, "/quiz stop", user_id=ADMIN))
    assert "stopped</b> after 1 of 5 questions" in stopped and "🥇 Asha — <b>-0.66</b>" in stopped
    assert await time_up(bot) == 0 and len(polls(bot)) == 1  # nothing more is sent
    assert "No quiz session is running" in reply_text(await bot.say(GROUP, "/quiz stop", user_id=ADMIN))


async def test_test_in_a_group_starts_a_ten_question_session_for_an_admin(bot: RunningBot) -> None:
    await bot.say(GROUP, "/test colombo", user_id=ADMIN)
    session = await bot.ctx.learning.sessions.running(GROUP)
    assert session is not None and session.size == 10 and session.topic_id == "colombo-process"
    assert any("Quiz session" in x and "Colombo Process" in x for x in texts(bot))
    # A member's /test still points to the private chat.
    assert "private chat" in reply_text(await bot.say(GROUP, "/test", user_id=ASHA))


async def test_a_session_survives_a_restart(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    fake_api.add_group(GROUP, "UPSC Warriors", admins=[ADMIN], members={ASHA: "Asha"})
    clock = ManualClock(START)
    async with running_bot(fake_api, tmp_path, clock) as first:
        await first.say(GROUP, "/quiz 2", user_id=ADMIN)
        await first.settle()
    async with running_bot(fake_api, tmp_path, clock) as second:
        assert await time_up(second) == 1
        assert len(polls(second)) == 2
        assert await time_up(second) == 1
        assert "Quiz session over" in texts(second)[-1]


def test_equal_marks_share_a_place_and_more_marks_rank_higher() -> None:
    early, late = START, START.replace(minute=5)
    scores = [
        SessionScore(1, "Late", 2, 0, late),
        SessionScore(2, "Early", 2, 0, early),
        SessionScore(3, "Wrong", 2, 1, early),
    ]
    ranked = rank(scores)
    assert [(r.rank, r.score.name) for r in ranked] == [(1, "Early"), (1, "Late"), (3, "Wrong")]
    assert str(ranked[2].marks) == "3.34"
