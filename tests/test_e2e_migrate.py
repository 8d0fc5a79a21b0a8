"""A group that becomes a supergroup end to end: its subscription, scores, rotation and ledger follow it."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from tests.fakebot import FakeBotAPI
from tests.harness import START, RunningBot, reply_text, running_bot

BASIC = -4001234567
ADMIN, ASHA, BEN = 801, 802, 803


def utc(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=dt.UTC)


@pytest.fixture
async def bot(fake_api: FakeBotAPI, tmp_path: Path) -> Any:
    fake_api.add_group(BASIC, "UPSC Circle", admins=[ADMIN], members={ASHA: "Asha", BEN: "Ben"}, kind="group")
    async with running_bot(fake_api, tmp_path, ManualClock(START)) as running:
        yield running


def polls_to(bot: RunningBot, chat_id: int) -> list[dict[str, Any]]:
    return bot.fake.calls("sendPoll", chat_id)


def pushes_to(bot: RunningBot, chat_id: int) -> list[str]:
    texts = (str(c.params.get("text", "")) for c in bot.fake.calls_to(chat_id) if c.method == "sendMessage")
    return [text for text in texts if "Today's study" in text]


def bot_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What the bot logged at WARNING or above, or with a traceback."""
    return [r for r in caplog.records if r.name.startswith("bot") and (r.levelno >= logging.WARNING or r.exc_info)]


async def subscribed_group_with_history(bot: RunningBot) -> str:
    """Subscribe at 07:30, serve Monday's push and have it answered (Asha right, Ben wrong);
    the id of the question it asked."""
    await bot.say(BASIC, "/subscribe", user_id=ADMIN)
    await bot.say(BASIC, "/settime 07:30", user_id=ADMIN)  # 02:00 UTC
    bot.clock.set(utc(2, 2, 0))
    assert (await bot.push_tick()).sent == 1
    poll_id = bot.fake.calls_to(BASIC)[-1].result["poll"]["id"]
    poll = bot.fake.polls[poll_id]
    right = poll["correct_option_ids"][0]
    await bot.answer(poll_id, ASHA, [right])
    await bot.answer(poll_id, BEN, [(right + 1) % len(poll["options"])])
    record = await bot.ctx.repo.get_poll(poll_id)
    assert record is not None
    return record.question_id


@pytest.mark.parametrize("from_first", [False, True], ids=["to-message-first", "from-message-first"])
async def test_after_the_service_messages_the_supergroup_has_everything(bot: RunningBot, from_first: bool) -> None:
    question_id = await subscribed_group_with_history(bot)
    board = reply_text(await bot.say(BASIC, "/leaderboard", user_id=ASHA))
    assert "1. Asha — 1 correct (100%)" in board and "2. Ben — 0 correct (0%)" in board
    bot.clock.set(utc(3, 1, 0))
    new_id = bot.fake.migrate_group(BASIC, from_first=from_first)
    await bot.settle()
    calls_to_old = len(bot.fake.calls_to(BASIC))
    assert await bot.ctx.repo.get_chat(BASIC) is None
    assert reply_text(await bot.say(new_id, "/leaderboard", user_id=BEN)) == board
    settings = reply_text(await bot.say(new_id, "/settings", user_id=ADMIN))
    assert "Subscribed: <b>yes</b>" in settings and "Time: <b>07:30</b>" in settings
    assert question_id in await bot.ctx.repo.seen_items(new_id, "question", "*")
    # Tuesday's push goes to the supergroup only, with Monday's results (the polls moved too).
    bot.clock.set(utc(3, 2, 0))
    report = await bot.push_tick()
    assert report.summary() == "sent 1, already served 0, skipped 0, failed 0, deactivated 0"
    (push,) = pushes_to(bot, new_id)
    assert "Yesterday's quiz: 2 answered, 50% correct; fastest correct: Asha." in push
    assert len(polls_to(bot, new_id)) == 1
    assert all(c.ok for c in bot.fake.calls_to(new_id))
    assert len(bot.fake.calls_to(BASIC)) == calls_to_old
    tuesday = await bot.ctx.repo.get_poll(bot.fake.calls_to(new_id)[-1].result["poll"]["id"])
    assert tuesday is not None and tuesday.question_id != question_id


async def test_a_push_that_meets_the_old_id_moves_the_chat_and_is_sent_there_once(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    await subscribed_group_with_history(bot)
    new_id = bot.fake.migrate_group(BASIC, service_messages=False)  # the bot never hears of it
    before = len(bot.fake.calls_to(BASIC))
    bot.clock.set(utc(3, 2, 0))
    with caplog.at_level(logging.INFO):
        report = await bot.push_tick()
        again = await bot.push_tick()
    assert report.summary() == "sent 1, already served 0, skipped 0, failed 0, deactivated 0"
    assert again.summary() == "sent 0, already served 1, skipped 0, failed 0, deactivated 0"
    assert [c.status for c in bot.fake.calls_to(BASIC)[before:]] == [400]  # one try at the old id
    (push,) = pushes_to(bot, new_id)
    assert "Yesterday's quiz: 2 answered" in push
    assert len(polls_to(bot, new_id)) == 1
    assert bot_warnings(caplog) == []
    assert any("became supergroup" in r.getMessage() and r.levelno == logging.INFO for r in caplog.records)
    delivery = await bot.ctx.repo.get_delivery(new_id, dt.date(2026, 3, 3))
    assert delivery is not None and delivery.state == "sent"
    # The next day's push goes straight to the supergroup.
    bot.clock.set(utc(4, 2, 0))
    assert (await bot.push_tick()).sent == 1
    assert len(polls_to(bot, new_id)) == 2 and len(bot.fake.calls_to(BASIC)) == before + 1


async def test_a_handler_that_meets_the_old_id_moves_the_chat_without_a_traceback(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say(BASIC, "/subscribe", user_id=ADMIN)
    topics = (await bot.say(BASIC, "/topics", user_id=ASHA))[-1]
    button = topics.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    new_id = bot.fake.migrate_group(BASIC, service_messages=False)
    with caplog.at_level(logging.INFO):
        # A button under an old message in the group's history.
        calls = await bot.press(BASIC, ASHA, topics.result["message_id"], button)
    assert calls[-1].status == 400
    chat = await bot.ctx.repo.get_chat(new_id)
    assert chat is not None and chat.subscribed and await bot.ctx.repo.get_chat(BASIC) is None
    assert bot_warnings(caplog) == []
    moved = [r for r in caplog.records if r.name == "bot.handlers.errors"]
    assert [(r.levelno, r.exc_info) for r in moved] == [(logging.INFO, None)]
    bot.clock.set(utc(2, 3, 0))
    assert (await bot.push_tick()).sent == 1
    assert len(polls_to(bot, new_id)) == 1
