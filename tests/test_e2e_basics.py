"""End to end over HTTP: the real Application polling the fake Bot API (private chats)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from bot.app import ALLOWED_UPDATES
from bot.config import DEFAULT_CONTENT_DIR
from bot.content.loader import load_bank
from bot.render.messages import escape
from tests.content_cache import parsed_once
from tests.fakebot import FakeBotAPI
from tests.harness import RunningBot, reply_text, running_bot

USER = 501
BANK = parsed_once(load_bank, DEFAULT_CONTENT_DIR)


@pytest.fixture
async def bot(fake_api: FakeBotAPI, tmp_path: Path) -> Any:
    fake_api.add_private_chat(USER, "Asha", username="asha")
    async with running_bot(fake_api, tmp_path) as running:
        yield running


def last_text(calls: list[Any]) -> str:
    return reply_text(calls)


def buttons(call: Any) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row if "callback_data" in b]


async def quiz(bot: RunningBot, text: str = "/quiz") -> dict[str, Any]:
    """Ask for a quiz; return the poll the fake holds for it."""
    before = len(bot.fake.calls("sendPoll"))
    bot.fake.send_text(USER, text)
    polls = await bot.fake.wait_for_async("sendPoll", count=before + 1)
    poll_call = polls[-1]
    poll_id = poll_call.result["poll"]["id"]
    return {"id": poll_id, **bot.fake.polls[poll_id], "params": poll_call.params}


# --- start-up ---------------------------------------------------------------------------------
async def test_startup_sets_menus_for_private_chats_groups_and_admins(bot: RunningBot) -> None:
    scopes = {key.split(":")[0] for key in bot.fake.commands}
    assert {"all_private_chats", "all_group_chats", "all_chat_administrators"} <= scopes
    private = bot.fake.commands[bot.fake.scope_key({"type": "all_private_chats"})]
    assert {"fact", "quiz", "topics", "topic", "stats", "help"} <= {c["command"] for c in private}


async def test_polling_asks_for_exactly_the_updates_the_bot_handles(bot: RunningBot) -> None:
    assert set(bot.fake.last_allowed_updates or []) == set(ALLOWED_UPDATES)


async def test_menus_are_set_before_polling_starts(bot: RunningBot) -> None:
    await bot.say(USER, "/help")  # the first long poll completes (calls are recorded when answered)
    started = {c.method: c.at for c in reversed(bot.fake.requests)}  # the first start of each method
    assert started["getMe"] <= started["setMyCommands"] < started["getUpdates"]


# --- /start, /help ----------------------------------------------------------------------------
async def test_start_greets_in_a_few_lines_with_four_buttons(bot: RunningBot) -> None:
    calls = await bot.say(USER, "/start")
    text = last_text(calls)
    assert "Namaste, Asha!" in text
    assert "UPSC" in text and "Colombo Process" in text and "/help" in text
    assert len(text) < 400 and text.count("\n") <= 3
    assert buttons(calls[-1]) == ["quiz:*", "fact:*", "tl:*", "sub:*"]


async def test_start_buttons_quiz_fact_topics_and_daily_quiz_all_work(bot: RunningBot) -> None:
    calls = await bot.say(USER, "/start")
    message_id = calls[-1].result["message_id"]
    polls = len(bot.fake.calls("sendPoll"))
    await bot.press(USER, USER, message_id, "quiz:*")
    assert len(await bot.fake.wait_for_async("sendPoll", count=polls + 1)) == polls + 1
    assert "Source:" in last_text(await bot.press(USER, USER, message_id, "fact:*"))
    calls = await bot.press(USER, USER, message_id, "tl:*")
    assert buttons(calls[-1]) == [f"page:{t}" for t in BANK.topics]
    calls = await bot.press(USER, USER, message_id, "sub:*")
    assert "Subscribed!" in "\n".join(str(c.params.get("text", "")) for c in calls[-3:])
    chat = await bot.ctx.chat_settings.get(USER)
    assert chat is not None and chat.subscribed


async def test_help_groups_the_commands_by_purpose_one_line_each(bot: RunningBot) -> None:
    text = last_text(await bot.say(USER, "/help"))
    assert "/quiz — A quiz poll" in text and "Namaste" not in text
    headings = ["<b>Study</b>", "<b>Practice and progress</b>", "<b>Daily push</b>", "<b>Your data</b>"]
    assert [text.index(h) for h in headings] == sorted(text.index(h) for h in headings)
    assert text.index("/export") > text.index("<b>Your data</b>") > text.index("/settime")


# --- /fact ------------------------------------------------------------------------------------
async def test_fact_comes_with_its_source(bot: RunningBot) -> None:
    text = last_text(await bot.say(USER, "/fact"))
    assert "Source:" in text
    assert any(escape(f.text) in text for f in BANK.facts.values())


async def test_fact_does_not_repeat_until_every_fact_of_the_topic_was_seen(bot: RunningBot) -> None:
    facts = BANK.facts_in("abu-dhabi-dialogue")
    seen = []
    for _ in range(len(facts)):
        seen.append(last_text(await bot.say(USER, "/fact abu dhabi")))
    assert len(set(seen)) == len(facts)
    again = last_text(await bot.say(USER, "/fact abu dhabi"))
    assert again in seen


async def test_unknown_topic_says_so_and_offers_every_topic(bot: RunningBot) -> None:
    calls = await bot.say(USER, "/fact quantum chromodynamics")
    assert "Nothing here is like “quantum chromodynamics”" in last_text(calls)
    assert buttons(calls[-1]) == [f"fact:{t}" for t in BANK.topics]


# --- /quiz and answers --------------------------------------------------------------------------
async def test_quiz_is_a_non_anonymous_quiz_poll_with_one_correct_option_and_explanation(bot: RunningBot) -> None:
    poll = await quiz(bot)
    params = poll["params"]
    assert params["type"] == "quiz" and params["is_anonymous"] is False
    assert len(params["correct_option_ids"]) == 1 and params["explanation"]


async def test_single_answer_options_are_shuffled_and_upsc_codes_keep_their_printed_order(bot: RunningBot) -> None:
    shuffled_any = False
    for _ in range(len(BANK.questions_in("colombo-process"))):
        poll = await quiz(bot, "/quiz colombo")
        asked = poll["poll"]["question"]
        question = next(q for q in BANK.questions_in("colombo-process") if asked in (q.poll_question(), q.ask))
        shown = poll["options"]
        assert sorted(shown) == sorted(question.options)
        assert shown[poll["correct_option_ids"][0]] == question.options[question.answer]
        if question.keeps_option_order:
            assert shown == question.options  # statements, assertion–reason, match, chronology
        else:
            shuffled_any = shuffled_any or shown != question.options
    assert shuffled_any  # a single-answer or NOT question was shuffled at least once


async def test_a_poll_answer_changes_stats(bot: RunningBot) -> None:
    poll = await quiz(bot)
    bot.fake.answer_poll(poll["id"], USER, [poll["correct_option_ids"][0]])
    text = last_text(await bot.say(USER, "/stats"))
    assert "Answered: <b>1</b>" in text and "Correct: <b>1</b>" in text and "Accuracy: <b>100%</b>" in text
    assert "Streak: <b>1 day</b>" in text


async def test_a_wrong_answer_counts_as_answered_but_not_correct(bot: RunningBot) -> None:
    poll = await quiz(bot)
    wrong = next(i for i in range(len(poll["options"])) if i not in poll["correct_option_ids"])
    bot.fake.answer_poll(poll["id"], USER, [wrong])
    text = last_text(await bot.say(USER, "/stats"))
    assert "Answered: <b>1</b>" in text and "Correct: <b>0</b>" in text


async def test_a_duplicated_poll_answer_update_counts_once(bot: RunningBot) -> None:
    poll = await quiz(bot)
    update = bot.fake.answer_poll(poll["id"], USER, [0])
    bot.fake.push_update({"poll_answer": update["poll_answer"]})  # re-delivered under a new update id
    text = last_text(await bot.say(USER, "/stats"))
    assert "Answered: <b>1</b>" in text


async def test_answers_to_unknown_polls_and_retracted_votes_are_ignored(bot: RunningBot) -> None:
    user = {"id": USER, "is_bot": False, "first_name": "Asha"}
    unknown = {"poll_id": "not-ours", "user": user, "option_ids": [0], "option_persistent_ids": ["0"]}
    bot.fake.push_update({"poll_answer": unknown})
    poll = await quiz(bot)
    bot.fake.answer_poll(poll["id"], USER, [])
    text = last_text(await bot.say(USER, "/stats"))
    assert "not answered any questions" in text


async def test_stats_break_answers_down_by_topic(bot: RunningBot) -> None:
    poll = await quiz(bot, "/quiz iom nepal")
    bot.fake.answer_poll(poll["id"], USER, [poll["correct_option_ids"][0]])
    text = last_text(await bot.say(USER, "/stats"))
    assert "IOM in Nepal" in text and "1/1 (100%)" in text


async def test_stats_without_answers_say_how_to_start(bot: RunningBot) -> None:
    assert "/quiz" in last_text(await bot.say(USER, "/stats"))


# --- topics -------------------------------------------------------------------------------------
async def test_topics_lists_every_topic_as_text_and_buttons(bot: RunningBot) -> None:
    calls = await bot.say(USER, "/topics")
    for topic in BANK.topics.values():
        assert escape(topic.title) in last_text(calls)
    assert sorted(buttons(calls[-1])) == sorted(f"page:{t}" for t in BANK.topics)


@pytest.mark.parametrize(
    ("query", "title"),
    [("colombo", "Colombo Process"), ("cptsu", "Colombo Process"), ("iom nepal", "Nepal"), ("IMO", "IOM")],
)
async def test_topic_query_shows_the_study_page_with_fact_and_quiz_buttons(
    bot: RunningBot, query: str, title: str
) -> None:
    calls = await bot.say(USER, f"/topic {query}")
    text = last_text(calls)
    assert title in text and "Key takeaways" in text and "Exam relevance" in text
    assert [b.split(":")[0] for b in buttons(calls[-1])][:3] == ["sum", "fact", "quiz"]


async def test_topic_with_several_close_matches_offers_a_choice(bot: RunningBot) -> None:
    calls = await bot.say(USER, "/topic india")
    assert "Several topics match “india”" in last_text(calls)
    assert set(buttons(calls[-1])) == {"page:iom-india", "page:india-labour-migration"}


async def test_topic_without_argument_shows_the_topic_buttons_under_one_line(bot: RunningBot) -> None:
    calls = await bot.say(USER, "/topic")
    assert buttons(calls[-1]) == [f"page:{t}" for t in BANK.topics]
    assert "\n" not in last_text(calls) and len(last_text(calls)) < 80


async def test_topic_button_sends_the_study_page_and_answers_the_query(bot: RunningBot) -> None:
    calls = await bot.say(USER, "/topics")
    message_id = calls[-1].result["message_id"]
    bot.fake.press_button(USER, USER, message_id, "page:iom-india")
    calls = await bot.replies(USER, len(calls) + 1)
    assert "IOM in India" in last_text(calls)
    answered = await bot.fake.wait_for_async("answerCallbackQuery")
    assert answered[-1].ok


async def test_quiz_button_sends_a_quiz_on_that_topic(bot: RunningBot) -> None:
    calls = await bot.say(USER, "/topic colombo")
    bot.fake.press_button(USER, USER, calls[-1].result["message_id"], "quiz:colombo-process")
    poll_call = (await bot.fake.wait_for_async("sendPoll"))[-1]
    questions = {q.poll_question() for q in BANK.questions_in("colombo-process")}
    questions |= {q.split_poll_question() for q in BANK.questions_in("colombo-process")}
    assert poll_call.params["question"] in questions


@pytest.mark.parametrize("data", ["quiz:no-such-topic", "page:*", "rm -rf", "x" * 60])
async def test_stale_or_tampered_buttons_get_a_short_notice(bot: RunningBot, data: str) -> None:
    calls = await bot.say(USER, "/topics")
    bot.fake.press_button(USER, USER, calls[-1].result["message_id"], data)
    answered = await bot.fake.wait_for_async("answerCallbackQuery")
    assert "expired" in answered[-1].params.get("text", "")


# --- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["hello", "x" * 4096, "🙂🙂🙂", "مرحبا بالعالم", "'; DROP TABLE answers; --", "/quiz@", "/ "],
)
async def test_any_text_gets_a_short_helpful_reply(bot: RunningBot, text: str) -> None:
    reply = last_text(await bot.say(USER, text))
    assert "/help" in reply or "/quiz" in reply or "topic" in reply.lower()


@pytest.mark.parametrize(
    "text", ["/topic " + "x" * 4000, "/fact " + "🙂" * 300, "/topic '; DROP TABLE chats; --", "/quiz מה זה"]
)
async def test_odd_arguments_get_a_friendly_reply(bot: RunningBot, text: str) -> None:
    reply = last_text(await bot.say(USER, text))
    assert "longer than I can read" in reply or "No topic like" in reply or "Nothing here is like" in reply


async def test_unknown_command_gets_pointed_to_help(bot: RunningBot) -> None:
    assert "/help" in last_text(await bot.say(USER, "/frobnicate"))


async def test_edited_messages_are_ignored(bot: RunningBot) -> None:
    first = bot.fake.send_text(USER, "/topics")
    await bot.settle()
    before = len(bot.fake.calls_to(USER))
    bot.fake.send_text(USER, "/quiz", edited=True, message_id=first["message"]["message_id"])
    await bot.settle()
    assert len(bot.fake.calls_to(USER)) == before


async def test_the_bot_keeps_going_after_telegram_rejects_a_reply(bot: RunningBot) -> None:
    bot.fake.fail_next("sendMessage", chat_id=USER, error_code=400, description="Bad Request: something odd")
    bot.fake.send_text(USER, "/help")
    await bot.fake.wait_for_async("sendMessage", predicate=lambda c: c.status == 400)
    sorry = await bot.replies(USER, 2)
    assert "something went wrong" in last_text(sorry)
    assert "Namaste" in last_text(await bot.say(USER, "/start"))


async def test_a_flood_wait_is_honoured_and_the_message_still_arrives(bot: RunningBot) -> None:
    bot.fake.fail_next("sendMessage", chat_id=USER, error_code=429, retry_after=1)
    before = len(bot.fake.calls_to(USER))
    bot.fake.send_text(USER, "/help")
    calls = await bot.replies(USER, before + 2)
    assert [c.status for c in calls[-2:]] == [429, 200]
    assert calls[-1].at - calls[-2].at >= 1.0


async def test_polling_survives_a_server_error(bot: RunningBot) -> None:
    bot.fake.fail_next("getUpdates", error_code=502, times=2)
    assert "Namaste" in last_text(await bot.say(USER, "/start"))  # ends the long poll that was waiting
    await bot.fake.wait_for_async("getUpdates", predicate=lambda c: c.status == 502, count=2)
    assert "Namaste" in last_text(await bot.say(USER, "/start"))


async def test_the_token_never_appears_in_logs_at_debug(
    fake_api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_api.add_private_chat(USER, "Asha")
    from bot.logging_setup import install_redaction

    install_redaction(fake_api.token)
    fake_api.fail_next("sendMessage", chat_id=USER, error_code=500)
    async with running_bot(fake_api, tmp_path) as running:
        await running.say(USER, "/quiz")
        await running.say(USER, "/stats")
    assert "getUpdates" in caplog.text or "sendMessage" in caplog.text  # httpx and PTB did log requests
    assert fake_api.token not in caplog.text
    assert fake_api.token.split(":")[1] not in caplog.text


# --- errors in handlers ---------------------------------------------------------------------------
async def test_a_403_in_a_handler_marks_the_chat_inactive_and_writes_nothing_more(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await bot.say(USER, "/help")
    bot.fake.fail_next(
        "sendMessage", chat_id=USER, error_code=403, description="Forbidden: bot was blocked by the user"
    )
    before = len(bot.fake.calls_to(USER))
    await bot.say(USER, "/help")
    assert len(bot.fake.calls_to(USER)) == before + 1  # the refused reply, and no "Sorry…" after it
    chat = await bot.ctx.repo.get_chat(USER)
    assert chat is not None and not chat.active
    refused = [r for r in caplog.records if "refused a message" in r.getMessage()]
    assert refused and refused[0].levelno == logging.INFO and not refused[0].exc_text


async def test_a_button_whose_handler_fails_after_answering_is_not_answered_twice(bot: RunningBot) -> None:
    calls = await bot.say(USER, "/settings")
    settings_message = calls[-1].result["message_id"]
    bot.fake.fail_next("editMessageText", chat_id=USER, error_code=400, description="Bad Request: something odd")
    press = bot.fake.press_button(USER, USER, settings_message, "set:time:06:00")
    await bot.handled(press)
    query_id = press["callback_query"]["id"]
    answers = [c for c in bot.fake.calls("answerCallbackQuery") if c["callback_query_id"] == query_id]
    assert len(answers) == 1


async def test_pressing_a_setting_that_is_already_set_edits_nothing(bot: RunningBot) -> None:
    calls = await bot.say(USER, "/settings")
    settings_message = calls[-1].result["message_id"]
    await bot.press(USER, USER, settings_message, "set:time:06:00")
    edits = len(bot.fake.calls("editMessageText", USER))
    await bot.press(USER, USER, settings_message, "set:time:06:00")
    assert len(bot.fake.calls("editMessageText", USER)) == edits
    assert all(c.ok for c in bot.fake.calls_to(USER))
