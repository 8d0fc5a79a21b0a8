"""Group study chats and channels end to end against the fake Bot API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.delivery.jobs import cleanup_tick
from bot.handlers.support import CHANNEL_CONFIRMATION_TTL
from tests.fakebot import FakeBotAPI
from tests.harness import START, RunningBot, reply_text, running_bot

GROUP, CHANNEL = -100111, -100222
ADMIN, ASHA, BEN = 801, 802, 803
HOSTILE = "<b>@everyone</b>"


@pytest.fixture
async def bot(fake_api: FakeBotAPI, tmp_path: Path) -> Any:
    fake_api.add_group(GROUP, "UPSC Warriors", admins=[ADMIN], members={ASHA: "Asha", BEN: HOSTILE})
    fake_api.add_channel(CHANNEL, "IOM Daily", "iomdaily", admins=[ADMIN])
    fake_api.add_private_chat(ADMIN, "Admin")
    fake_api.add_private_chat(ASHA, "Asha")
    async with running_bot(fake_api, tmp_path, ManualClock(START)) as running:
        yield running


def texts(bot: RunningBot, chat_id: int) -> list[str]:
    return [str(c.params.get("text", "")) for c in bot.fake.calls_to(chat_id) if c.method == "sendMessage"]


async def group_quiz(bot: RunningBot, user: int = ASHA) -> dict[str, Any]:
    before = len(bot.fake.calls("sendPoll", GROUP))
    bot.fake.send_text(GROUP, "/quiz", user_id=user)
    call = (await bot.fake.wait_for_async("sendPoll", lambda c: c.params.get("chat_id") == GROUP, before + 1))[-1]
    return {"id": call.result["poll"]["id"], "params": call.params, **bot.fake.polls[call.result["poll"]["id"]]}


def wrong_option(poll: dict[str, Any]) -> int:
    return next(i for i in range(len(poll["options"])) if i not in poll["correct_option_ids"])


# --- joining and leaving ------------------------------------------------------------------------
async def test_added_to_a_group_the_bot_says_hello_once(bot: RunningBot) -> None:
    bot.fake.add_group(-100333, "New Group", admins=[ADMIN])
    bot.fake.set_bot_status(-100333, "member", ADMIN, old_status="left")
    calls = await bot.replies(-100333, 1)
    assert "Hello, New Group!" in calls[-1].params["text"] and "/quiz" in calls[-1].params["text"]


async def test_removed_from_a_group_the_chat_becomes_inactive(bot: RunningBot) -> None:
    await bot.say(GROUP, "/subscribe", user_id=ADMIN)
    bot.fake.set_bot_status(GROUP, "left", ADMIN)
    await bot.barrier(ASHA)
    chat = await bot.ctx.repo.get_chat(GROUP)
    assert chat is not None and not chat.active and chat.subscribed


# --- quizzes, stats and the leaderboard -------------------------------------------------------
async def test_a_group_quiz_is_a_non_anonymous_poll(bot: RunningBot) -> None:
    poll = await group_quiz(bot)
    assert poll["params"]["is_anonymous"] is False and poll["params"]["type"] == "quiz"


async def test_each_members_answer_counts_for_that_member_in_that_group(bot: RunningBot) -> None:
    poll = await group_quiz(bot)
    bot.fake.answer_poll(poll["id"], ASHA, [poll["correct_option_ids"][0]])
    bot.fake.answer_poll(poll["id"], BEN, [wrong_option(poll)])
    asha = reply_text(await bot.say(GROUP, "/stats", user_id=ASHA))
    assert "in <b>UPSC Warriors</b>" in asha and "Correct: <b>1</b>" in asha
    ben = reply_text(await bot.say(GROUP, "/stats", user_id=BEN))
    assert "Answered: <b>1</b>" in ben and "Correct: <b>0</b>" in ben
    private = reply_text(await bot.say(ASHA, "/stats"))
    assert "not answered any questions" in private  # group answers stay in the group's figures


async def test_leaderboard_ranks_members_and_escapes_hostile_names(bot: RunningBot) -> None:
    poll = await group_quiz(bot)
    bot.fake.answer_poll(poll["id"], BEN, [poll["correct_option_ids"][0]])
    bot.fake.answer_poll(poll["id"], ASHA, [wrong_option(poll)])
    calls = await bot.say(GROUP, "/leaderboard", user_id=ASHA)
    assert calls[-1].ok  # Telegram parsed the HTML: the name could not inject tags
    text = calls[-1].params["text"]
    assert "this week" in text
    assert "1. &lt;b&gt;@\u2060everyone&lt;/b&gt; — 1 correct (100%)" in text
    assert "2. Asha — 0 correct (0%)" in text
    entities = calls[-1].result.get("entities", [])
    assert not any(e["type"] == "mention" for e in entities)


async def test_leaderboard_all_time_and_bad_period(bot: RunningBot) -> None:
    assert "all time" in reply_text(await bot.say(GROUP, "/leaderboard all", user_id=ASHA))
    assert "/leaderboard week" in reply_text(await bot.say(GROUP, "/leaderboard yesterday", user_id=ASHA))


async def test_leaderboard_in_a_private_chat_explains_it_is_for_groups(bot: RunningBot) -> None:
    assert "group" in reply_text(await bot.say(ASHA, "/leaderboard"))


# --- commands addressed to bots -----------------------------------------------------------------
async def test_a_command_for_another_bot_is_ignored(bot: RunningBot) -> None:
    before = len(bot.fake.calls_to(GROUP))
    bot.fake.send_text(GROUP, "/quiz@otherbot", user_id=ASHA)
    bot.fake.send_text(GROUP, "/frobnicate", user_id=ASHA)
    await bot.say(GROUP, "/help@studybot_test_bot", user_id=ASHA)
    assert [c.method for c in bot.fake.calls_to(GROUP)[before:]] == ["sendMessage"]


async def test_a_command_addressed_to_this_bot_works(bot: RunningBot) -> None:
    calls = await bot.say(GROUP, "/topics@studybot_test_bot", user_id=ASHA)
    assert "Topics" in calls[-1].params["text"]


# --- admin-only settings ------------------------------------------------------------------------
async def test_a_non_admin_cannot_change_settings(bot: RunningBot) -> None:
    reply = reply_text(await bot.say(GROUP, "/settime 07:00", user_id=ASHA))
    assert "Only this group's admins" in reply
    chat = await bot.ctx.repo.get_chat(GROUP)
    assert chat is not None and chat.push_time is None


async def test_an_admin_can_change_settings(bot: RunningBot) -> None:
    reply = reply_text(await bot.say(GROUP, "/settime 07:00", user_id=ADMIN))
    assert "07:00" in reply
    chat = await bot.ctx.repo.get_chat(GROUP)
    assert chat is not None and chat.push_time == "07:00"


async def test_an_anonymous_admin_counts_as_admin(bot: RunningBot) -> None:
    before = len(bot.fake.calls_to(GROUP))
    bot.fake.send_as_anonymous_admin(GROUP, "/subscribe")
    calls = await bot.replies(GROUP, before + 1)
    assert "Subscribed" in calls[-1].params["text"]


async def test_a_non_admin_cannot_press_settings_buttons(bot: RunningBot) -> None:
    calls = await bot.say(GROUP, "/settings", user_id=ASHA)
    bot.fake.press_button(GROUP, ASHA, calls[-1].result["message_id"], "set:sub")
    answered = await bot.fake.wait_for_async("answerCallbackQuery")
    assert "admins" in answered[-1].params["text"]
    chat = await bot.ctx.repo.get_chat(GROUP)
    assert chat is not None and not chat.subscribed


# --- cooldown ------------------------------------------------------------------------------------
async def test_group_cooldown_answers_once_then_stays_quiet(bot: RunningBot) -> None:
    await group_quiz(bot)
    notice = reply_text(await bot.say(GROUP, "/quiz", user_id=BEN))
    assert "One quiz every 30 s in this group — the next in 30 s." in notice
    before = len(bot.fake.calls_to(GROUP))
    bot.fake.send_text(GROUP, "/quiz", user_id=ASHA)
    await bot.say(GROUP, "/help@studybot_test_bot", user_id=ASHA)
    assert len(bot.fake.calls_to(GROUP)) == before + 1  # only /help answered
    bot.clock.advance(seconds=30)
    await group_quiz(bot, BEN)


# --- the daily group push -----------------------------------------------------------------------
async def test_the_next_days_push_starts_with_yesterdays_summary(bot: RunningBot) -> None:
    await bot.say(GROUP, "/subscribe", user_id=ADMIN)
    bot.clock.set(dt.datetime(2026, 3, 2, 2, 30, tzinfo=dt.UTC))
    await bot.push_tick()
    poll_id = bot.fake.calls_to(GROUP)[-1].result["poll"]["id"]
    poll = bot.fake.polls[poll_id]
    bot.fake.answer_poll(poll_id, BEN, [wrong_option(poll)])
    bot.fake.answer_poll(poll_id, ASHA, [poll["correct_option_ids"][0]])
    await bot.barrier(GROUP, ASHA)
    bot.clock.set(dt.datetime(2026, 3, 3, 2, 30, tzinfo=dt.UTC))
    await bot.push_tick()
    push = next(t for t in reversed(texts(bot, GROUP)) if "Today's study" in t)
    assert "Yesterday's quiz: 2 answered, 50% correct; fastest correct: Asha." in push
    assert "Answer:" in push


# --- channels -------------------------------------------------------------------------------------
async def test_a_channel_subscribes_and_the_command_post_is_removed(bot: RunningBot) -> None:
    post = bot.fake.send_text(CHANNEL, "/subscribe")
    calls = await bot.replies(CHANNEL, 1)
    assert "Subscribed" in calls[0].params["text"]
    deleted = await bot.fake.wait_for_async("deleteMessage", lambda c: c.params["chat_id"] == CHANNEL)
    assert deleted[-1].params["message_id"] == post["channel_post"]["message_id"]
    # The confirmation is removed later, by the clean-up job.
    bot.clock.advance(seconds=CHANNEL_CONFIRMATION_TTL.total_seconds() + 1)
    await cleanup_tick(_job_context(bot))
    removed = {c.params["message_id"] for c in bot.fake.calls_to(CHANNEL) if c.method == "deleteMessage"}
    assert calls[0].result["message_id"] in removed


async def test_a_channel_push_uses_an_anonymous_poll_and_stats_count_its_votes(bot: RunningBot) -> None:
    bot.fake.send_text(CHANNEL, "/subscribe")
    await bot.replies(CHANNEL, 1)
    bot.clock.set(dt.datetime(2026, 3, 2, 2, 30, tzinfo=dt.UTC))
    await bot.push_tick()
    poll_call = next(c for c in reversed(bot.fake.calls_to(CHANNEL)) if c.method == "sendPoll")
    assert poll_call.ok and poll_call.params["is_anonymous"] is True
    poll_id = poll_call.result["poll"]["id"]
    correct = bot.fake.polls[poll_id]["correct_option_ids"][0]
    bot.fake.vote_anonymous(poll_id, correct)
    bot.fake.vote_anonymous(poll_id, correct)
    bot.fake.vote_anonymous(poll_id, (correct + 1) % len(bot.fake.polls[poll_id]["options"]))
    await bot.barrier(ASHA)
    reply = reply_text(await bot.say(ADMIN, "/stats @iomdaily"))
    assert "IOM Daily" in reply and "Votes: <b>3</b>" in reply and "67%" in reply


async def test_channel_stats_are_for_the_channels_admins_only(bot: RunningBot) -> None:
    bot.fake.send_text(CHANNEL, "/subscribe")
    await bot.replies(CHANNEL, 1)
    refused = reply_text(await bot.say(ASHA, "/stats @iomdaily"))
    assert "Only a channel's admins" in refused


async def test_channel_stats_refusals_do_not_tell_whether_a_name_uses_the_bot(bot: RunningBot) -> None:
    bot.fake.send_text(CHANNEL, "/subscribe")
    await bot.replies(CHANNEL, 1)
    bot.fake.add_private_chat(905, "Kiran", username="kiran")
    await bot.say(905, "/help")  # a person the bot knows, with a username
    replies = [reply_text(await bot.say(ASHA, f"/stats {name}")) for name in ("@nosuchchannel", "@kiran", "@iomdaily")]
    assert replies[0] == replies[1] == replies[2]
    assert "Only a channel's admins" in replies[0]


async def test_quiz_buttons_in_a_group_respect_the_cooldown(bot: RunningBot) -> None:
    calls = await bot.say(GROUP, "/topics", user_id=ASHA)
    menu = calls[-1].result["message_id"]
    for data in ["quiz:*", "quiz:iom-basics", "quiz:*", "wk:iom-basics", "fact:*", "fact:*"]:
        await bot.press(GROUP, ASHA, menu, data)
    assert len(bot.fake.calls("sendPoll", GROUP)) == 1
    facts = [c for c in bot.fake.calls_to(GROUP) if c.method == "sendMessage" and "Source" in str(c.params)]
    assert len(facts) == 1
    toasts = [c["text"] for c in bot.fake.calls("answerCallbackQuery") if c.get("text")]
    assert len(toasts) == 4 and all("the next in" in x for x in toasts)


def _job_context(bot: RunningBot) -> Any:
    """The context a JobQueue callback gets: enough of it for the clean-up job."""
    from bot.context import StudyContext

    return StudyContext(bot.application)


async def test_answers_on_behalf_of_a_chat_are_ignored(bot: RunningBot) -> None:
    poll = await group_quiz(bot)
    chat = {"id": GROUP, "type": "supergroup", "title": "UPSC Warriors"}
    await bot.handled(
        bot.fake.push_update({"poll_answer": {"poll_id": poll["id"], "voter_chat": chat, "option_ids": [0]}})
    )
    user = {"id": ASHA, "is_bot": False, "first_name": "Asha"}
    both = {"poll_id": poll["id"], "voter_chat": chat, "user": user, "option_ids": [0]}
    await bot.handled(bot.fake.push_update({"poll_answer": both}))
    assert await bot.ctx.repo.user_answers(ASHA) == []


async def test_an_answer_claiming_a_channels_anonymous_poll_is_ignored(bot: RunningBot) -> None:
    bot.fake.send_text(CHANNEL, "/subscribe")
    await bot.replies(CHANNEL, 1)
    bot.clock.set(dt.datetime(2026, 3, 2, 2, 30, tzinfo=dt.UTC))
    await bot.push_tick()
    poll_id = next(c for c in reversed(bot.fake.calls_to(CHANNEL)) if c.method == "sendPoll").result["poll"]["id"]
    user = {"id": ASHA, "is_bot": False, "first_name": "Asha"}
    await bot.handled(bot.fake.push_update({"poll_answer": {"poll_id": poll_id, "user": user, "option_ids": [0]}}))
    assert await bot.ctx.repo.user_answers(ASHA) == []


# --- names and formatting ---------------------------------------------------------------------------
async def test_a_group_title_with_html_characters_reads_as_written(bot: RunningBot) -> None:
    bot.fake.add_group(-100444, "Tom & Jerry <prep>", admins=[ADMIN])
    bot.fake.set_bot_status(-100444, "member", ADMIN, old_status="left")
    calls = await bot.replies(-100444, 1)
    message = bot.fake.get_message(-100444, calls[-1].result["message_id"])
    assert message is not None and "Hello, Tom & Jerry <prep>!" in message["text"]


# --- one busy group does not stall the others ------------------------------------------------------
# 150 is more than one getUpdates batch: long polling must go on fetching for everyone else (the bound on
# fetched-but-unhandled updates counts only a chat's first few queued updates).
@pytest.mark.parametrize("flood", [30, 150])
async def test_a_group_flooded_past_its_rate_limit_does_not_delay_a_private_reply(bot: RunningBot, flood: int) -> None:
    # Telegram allows a group about 20 messages a minute; the rate limiter holds the rest back.
    for _ in range(flood):
        bot.fake.send_text(GROUP, "/help@studybot_test_bot", user_id=ASHA)
    await bot.fake.wait_for_async("sendMessage", predicate=lambda c: c.params.get("chat_id") == GROUP, count=20)
    private = bot.fake.send_text(ASHA, "/help")
    await bot.handled(private, timeout=2.0)
    assert len(bot.fake.calls("sendMessage", GROUP)) < flood  # the group is still waiting for its limit


# --- channel settings are for the channel's admins ---------------------------------------------------
async def channel_settings(bot: RunningBot) -> int:
    bot.fake.send_text(CHANNEL, "/subscribe")
    await bot.replies(CHANNEL, 1)
    bot.fake.send_text(CHANNEL, "/settings")
    calls = await bot.fake.wait_for_async(
        "sendMessage", lambda c: c.params.get("chat_id") == CHANNEL and "reply_markup" in c.params
    )
    await bot.settle()
    return int(calls[-1].result["message_id"])


@pytest.mark.parametrize("data", ["set:unsub", "set:pause7", "set:time:06:00", "tz:Europe/London", "sub:*"])
async def test_a_channel_subscriber_who_is_not_an_admin_cannot_press_its_settings(bot: RunningBot, data: str) -> None:
    message_id = await channel_settings(bot)
    before = await bot.ctx.repo.get_chat(CHANNEL)
    await bot.press(CHANNEL, ASHA, message_id, data)
    refusal = bot.fake.calls("answerCallbackQuery")[-1]
    assert refusal.get("show_alert") is True and "admins" in refusal["text"]
    assert await bot.ctx.repo.get_chat(CHANNEL) == before


async def test_a_channel_admin_uses_the_settings_and_the_keyboard_is_removed(bot: RunningBot) -> None:
    message_id = await channel_settings(bot)
    await bot.press(CHANNEL, ADMIN, message_id, "set:unsub")
    chat = await bot.ctx.repo.get_chat(CHANNEL)
    assert chat is not None and not chat.subscribed
    deleted = {c.params["message_id"] for c in bot.fake.calls_to(CHANNEL) if c.method == "deleteMessage" and c.ok}
    assert message_id in deleted


async def test_an_unused_channel_settings_keyboard_is_removed_after_a_few_minutes(bot: RunningBot) -> None:
    message_id = await channel_settings(bot)
    bot.clock.advance(minutes=6)
    await cleanup_tick(_job_context(bot))
    deleted = {c.params["message_id"] for c in bot.fake.calls_to(CHANNEL) if c.method == "deleteMessage" and c.ok}
    assert message_id in deleted
