"""The daily push end to end: settings commands, the push job at a controlled time, failures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.delivery.sender import SEND_ATTEMPTS
from tests.fakebot import FakeBotAPI
from tests.harness import START, RunningBot, reply_text, running_bot

ASHA, BEN, CARLA = 701, 702, 703


def utc(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=dt.UTC)


@pytest.fixture
async def bot(fake_api: FakeBotAPI, tmp_path: Path) -> Any:
    for user, name in ((ASHA, "Asha"), (BEN, "Ben"), (CARLA, "Carla")):
        fake_api.add_private_chat(user, name)
    async with running_bot(fake_api, tmp_path, ManualClock(START)) as running:
        yield running


def polls_to(bot: RunningBot, chat_id: int) -> int:
    return len(bot.fake.calls("sendPoll", chat_id))


async def tick_at(bot: RunningBot, when: dt.datetime) -> dict[int, int]:
    """Run the push job at ``when``; return how many polls each chat has had so far."""
    bot.clock.set(when)
    await bot.push_tick()
    return {chat: polls_to(bot, chat) for chat in (ASHA, BEN, CARLA)}


def text_of(call: Any) -> str:
    return str(call.params.get("text", ""))


async def test_subscribe_confirms_the_time_and_how_to_change_it(bot: RunningBot) -> None:
    reply = reply_text(await bot.say(ASHA, "/subscribe"))
    assert "08:00" in reply and "Asia/Kolkata" in reply and "/settime" in reply


async def test_pushes_in_three_time_zones_arrive_at_their_local_times(bot: RunningBot) -> None:
    await bot.say(ASHA, "/subscribe")  # 08:00 Asia/Kolkata = 02:30 UTC
    await bot.say(BEN, "/subscribe")
    await bot.say(BEN, "/timezone europe/london")  # 08:00 GMT = 08:00 UTC
    await bot.say(CARLA, "/subscribe")
    await bot.say(CARLA, "/timezone America/New_York")
    await bot.say(CARLA, "/settime 7:00")  # 07:00 EST = 12:00 UTC
    assert await tick_at(bot, utc(2, 2, 29)) == {ASHA: 0, BEN: 0, CARLA: 0}
    assert await tick_at(bot, utc(2, 2, 30)) == {ASHA: 1, BEN: 0, CARLA: 0}
    assert await tick_at(bot, utc(2, 8, 0)) == {ASHA: 1, BEN: 1, CARLA: 0}
    assert await tick_at(bot, utc(2, 12, 0)) == {ASHA: 1, BEN: 1, CARLA: 1}
    assert await tick_at(bot, utc(3, 2, 30)) == {ASHA: 2, BEN: 1, CARLA: 1}


async def test_the_push_is_a_sourced_fact_a_quiz_and_a_streak_footer(bot: RunningBot) -> None:
    await bot.say(ASHA, "/subscribe")
    await tick_at(bot, utc(2, 2, 30))
    messages = [c for c in bot.fake.calls_to(ASHA) if c.method == "sendMessage"]
    push = text_of(next(c for c in reversed(messages) if "daily study" in text_of(c)))
    assert "Source:" in push and "streak" in push.lower()
    assert bot.fake.calls("sendPoll", ASHA)[-1]["type"] == "quiz"
    assert "Sorry, this is late" not in push


async def test_a_push_after_downtime_says_it_is_late(bot: RunningBot) -> None:
    await bot.say(ASHA, "/subscribe")
    await tick_at(bot, utc(2, 9, 0))  # 14:30 in India
    push = next(text_of(c) for c in bot.fake.calls_to(ASHA) if "daily study" in text_of(c))
    assert "late" in push and "08:00" in push


async def test_subscribing_after_todays_time_sends_todays_push_at_once(bot: RunningBot) -> None:
    bot.clock.set(utc(2, 10, 0))
    calls = await bot.say(ASHA, "/subscribe")
    texts = [text_of(c) for c in calls if c.method == "sendMessage"]
    assert any("Here is today's" in x and "tomorrow at <b>08:00</b>" in x for x in texts)
    assert any("daily study" in x and "Sorry, this is late" not in x for x in texts)
    assert len(bot.fake.calls("sendPoll", ASHA)) == 1
    assert (await tick_at(bot, utc(2, 10, 1)))[ASHA] == 1  # counted as served: nothing more today
    assert (await tick_at(bot, utc(3, 2, 30)))[ASHA] == 2


async def test_subscribing_before_todays_time_waits_for_it(bot: RunningBot) -> None:
    calls = await bot.say(ASHA, "/subscribe")
    assert not any("Here is today's" in text_of(c) for c in calls)
    assert bot.fake.calls("sendPoll", ASHA) == []


async def test_settime_changes_when_the_push_is_due(bot: RunningBot) -> None:
    await bot.say(ASHA, "/subscribe")
    reply = reply_text(await bot.say(ASHA, "/settime 09:15"))
    assert "09:15" in reply
    assert (await tick_at(bot, utc(2, 3, 44)))[ASHA] == 0  # 09:14 IST
    assert (await tick_at(bot, utc(2, 3, 45)))[ASHA] == 1


@pytest.mark.parametrize("bad", ["25:00", "nine", "09:60", ""])
async def test_settime_with_a_bad_time_gets_an_example(bot: RunningBot, bad: str) -> None:
    assert "/settime 07:30" in reply_text(await bot.say(ASHA, f"/settime {bad}"))


@pytest.mark.parametrize(("typed", "expected"), [("7.30", "07:30"), ("7:30 pm", "19:30"), ("0730", "07:30")])
async def test_settime_takes_the_obvious_forms(bot: RunningBot, typed: str, expected: str) -> None:
    assert f"<b>{expected}</b>" in reply_text(await bot.say(ASHA, f"/settime {typed}"))


@pytest.mark.parametrize(
    ("typed", "said"), [("25:00", "not a time of day"), ("0", "at least one day"), ("3 weeks", "Paused until")]
)
async def test_settime_and_pause_say_what_was_wrong(bot: RunningBot, typed: str, said: str) -> None:
    command = "/settime" if ":" in typed else "/pause"
    assert said in reply_text(await bot.say(ASHA, f"{command} {typed}"))


@pytest.mark.parametrize("typed", ["IST", "India", "kolkata", "+05:30", "+5:30", "UTC+5:30", "Asia/Calcuta"])
async def test_what_indian_users_type_for_their_time_zone_sets_asia_kolkata(bot: RunningBot, typed: str) -> None:
    reply = reply_text(await bot.say(ASHA, f"/timezone {typed}"))
    assert "Time zone set to <b>Asia/Kolkata</b>" in reply and f"(from “{typed}”)" in reply
    chat = await bot.ctx.repo.get_chat(ASHA)
    assert chat is not None and chat.timezone == "Asia/Kolkata"


async def test_an_ambiguous_time_zone_offers_buttons_that_set_it(bot: RunningBot) -> None:
    calls = await bot.say(ASHA, "/timezone america")
    data = [b["callback_data"] for row in calls[-1].params["reply_markup"]["inline_keyboard"] for b in row]
    assert len(data) > 1 and all(d.startswith("tz:America/") for d in data)
    bot.fake.press_button(ASHA, ASHA, calls[-1].result["message_id"], data[0])
    replies = await bot.replies(ASHA, len(calls) + 1)
    assert "Time zone set to <b>America/" in text_of(replies[-1])


async def test_pause_skips_days_and_resume_brings_the_push_back(bot: RunningBot) -> None:
    await bot.say(ASHA, "/subscribe")
    reply = reply_text(await bot.say(ASHA, "/pause 2"))
    assert "Paused until <b>Tue 3 Mar 2026</b>" in reply
    assert (await tick_at(bot, utc(2, 3, 0)))[ASHA] == 0
    assert (await tick_at(bot, utc(3, 3, 0)))[ASHA] == 0
    assert (await tick_at(bot, utc(4, 3, 0)))[ASHA] == 1
    await bot.say(ASHA, "/pause 5")
    await bot.say(ASHA, "/resume")
    assert (await tick_at(bot, utc(5, 3, 0)))[ASHA] == 2


async def test_unsubscribe_stops_the_push(bot: RunningBot) -> None:
    await bot.say(ASHA, "/subscribe")
    assert "Unsubscribed" in reply_text(await bot.say(ASHA, "/unsubscribe"))
    assert (await tick_at(bot, utc(2, 3, 0)))[ASHA] == 0


async def test_settings_shows_everything_with_buttons(bot: RunningBot) -> None:
    await bot.say(ASHA, "/subscribe colombo")
    calls = await bot.say(ASHA, "/settings")
    text = text_of(calls[-1])
    assert "Subscribed: <b>yes</b>" in text and "Colombo Process" in text and "Asia/Kolkata" in text
    bot.fake.press_button(ASHA, ASHA, calls[-1].result["message_id"], "set:time:21:00")
    edited = await bot.fake.wait_for_async("editMessageText")
    assert "Time: <b>21:00</b>" in edited[-1].params["text"]


async def test_a_topic_subscription_pushes_that_topic(bot: RunningBot) -> None:
    await bot.say(ASHA, "/subscribe abu dhabi")
    await tick_at(bot, utc(2, 3, 0))
    push = next(text_of(c) for c in bot.fake.calls_to(ASHA) if "daily study" in text_of(c))
    assert "Abu Dhabi Dialogue" in push


async def test_a_chat_that_blocked_the_bot_is_marked_inactive_and_not_retried(bot: RunningBot) -> None:
    await bot.say(ASHA, "/subscribe")
    await bot.say(BEN, "/subscribe")
    bot.fake.block(ASHA)
    bot.clock.set(utc(2, 3, 0))
    report = await bot.push_tick()
    assert (report.sent, report.deactivated) == (1, 1)
    chat = await bot.ctx.repo.get_chat(ASHA)
    assert chat is not None and not chat.active
    attempts = len(bot.fake.calls_to(ASHA))
    await tick_at(bot, utc(3, 3, 0))
    assert len(bot.fake.calls_to(ASHA)) == attempts


async def test_my_chat_member_keeps_the_chat_in_step_both_ways(bot: RunningBot) -> None:
    await bot.say(ASHA, "/subscribe")
    await bot.say(ASHA, "/settime 10:00")
    bot.fake.set_bot_status(ASHA, "kicked", ASHA)
    await bot.barrier(BEN)
    chat = await bot.ctx.repo.get_chat(ASHA)
    assert chat is not None and not chat.active
    bot.fake.set_bot_status(ASHA, "member", ASHA)
    await bot.barrier(BEN)
    chat = await bot.ctx.repo.get_chat(ASHA)
    assert chat is not None and chat.active and chat.subscribed and chat.push_time == "10:00"
    assert (await tick_at(bot, utc(2, 4, 30)))[ASHA] == 1


async def test_flood_wait_is_honoured_and_the_push_still_arrives(bot: RunningBot) -> None:
    await bot.say(ASHA, "/subscribe")
    bot.fake.fail_next("sendMessage", chat_id=ASHA, error_code=429, retry_after=1)
    await tick_at(bot, utc(2, 3, 0))
    sends = [c for c in bot.fake.calls_to(ASHA) if c.method == "sendMessage"]
    flood = next(i for i, c in enumerate(sends) if c.status == 429)
    retry = sends[flood + 1]
    assert retry.ok and retry.params["text"] == sends[flood].params["text"]
    assert retry.at - sends[flood].at >= 1.0
    assert polls_to(bot, ASHA) == 1


async def test_a_server_error_is_retried_within_the_tick(bot: RunningBot) -> None:
    await bot.say(ASHA, "/subscribe")
    bot.fake.fail_next("sendMessage", chat_id=ASHA, error_code=500)
    assert (await tick_at(bot, utc(2, 3, 0)))[ASHA] == 1
    sends = [c for c in bot.fake.calls_to(ASHA) if c.method == "sendMessage"]
    failed = next(i for i, c in enumerate(sends) if c.status == 500)
    assert sends[failed + 1].ok and sends[failed + 1].params["text"] == sends[failed].params["text"]


async def test_a_server_error_for_one_chat_does_not_stop_the_others(bot: RunningBot) -> None:
    for user in (ASHA, BEN, CARLA):
        await bot.say(user, "/subscribe")
    bot.fake.fail_next("sendMessage", chat_id=BEN, error_code=500, times=SEND_ATTEMPTS)
    counts = await tick_at(bot, utc(2, 3, 0))
    assert counts == {ASHA: 1, BEN: 0, CARLA: 1}
    assert (await tick_at(bot, utc(2, 3, 1)))[BEN] == 1


async def test_a_chat_chooses_five_quiz_questions_per_push_in_settings(bot: RunningBot) -> None:
    await bot.say(ASHA, "/subscribe")
    calls = await bot.say(ASHA, "/settings")
    menu = calls[-1]
    labels = [b["text"] for row in menu.params["reply_markup"]["inline_keyboard"] for b in row]
    assert "✓ 08:00" in labels and "✓ 1 question" in labels
    await bot.press(ASHA, ASHA, menu.result["message_id"], "set:size:5")
    assert "Quiz per push: <b>5 questions</b>" in text_of(bot.fake.calls_to(ASHA)[-1])
    assert (await tick_at(bot, utc(2, 2, 30)))[ASHA] == 5
    questions = [p["question"] for p in bot.fake.calls("sendPoll", ASHA)]
    assert len(set(questions)) == 5 and questions[0].startswith("Q1/5")
    assert (await tick_at(bot, utc(2, 2, 31)))[ASHA] == 5  # the ledger: once a day


async def test_a_push_size_that_is_not_offered_changes_nothing(bot: RunningBot) -> None:
    calls = await bot.say(ASHA, "/settings")
    await bot.press(ASHA, ASHA, calls[-1].result["message_id"], "set:size:7")
    chat = await bot.ctx.repo.get_chat(ASHA)
    assert chat is not None and chat.push_size == 1


async def test_a_forged_time_zone_button_gets_a_toast_and_changes_nothing(bot: RunningBot) -> None:
    calls = await bot.say(ASHA, "/settings")
    before = len(bot.fake.calls("sendMessage", ASHA))
    await bot.press(ASHA, ASHA, calls[-1].result["message_id"], "tz:Mars/Olympus")
    assert bot.fake.calls("answerCallbackQuery")[-1]["text"] == "That button has expired. Send the command again."
    assert len(bot.fake.calls("sendMessage", ASHA)) == before
    chat = await bot.ctx.repo.get_chat(ASHA)
    assert chat is not None and chat.timezone is None
