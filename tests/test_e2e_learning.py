"""End to end over HTTP: review, mistakes, mock tests, Mains, export, forget and the /stats additions.

Every wait is for a specific call (a message with a given text, the n-th poll), never a sleep, and
the bot's follow-up messages (explanations, next questions) cannot be mistaken for replies.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.content.models import SPLIT_POLL_QUESTION, Question
from bot.delivery.learning import expire_tests
from bot.delivery.sender import send_quiz
from bot.render.messages import cite, escape
from bot.render.texts import t
from bot.services.mock_test import CLOSE_GRACE, SECONDS_PER_QUESTION, TEST_SIZE
from bot.storage.sqlite import SqliteRepository
from tests.fakebot import Call, FakeBotAPI
from tests.harness import START, RunningBot, running_bot
from tests.learning_helpers import bank, wrong_option

USER, OTHER, GROUP = 601, 602, -100600


@pytest.fixture
async def bot(fake_api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[RunningBot]:
    fake_api.add_private_chat(USER, "Asha")
    fake_api.add_private_chat(OTHER, "Ravi")
    fake_api.add_group(GROUP, "UPSC prep", members={USER: "Asha", OTHER: "Ravi"})
    async with running_bot(fake_api, tmp_path) as running:
        yield running


# --- helpers -------------------------------------------------------------------------------------
def to(chat_id: int, check: Callable[[dict[str, Any]], bool] = lambda p: True) -> Callable[[Call], bool]:
    """A successful call to ``chat_id`` whose params pass ``check``."""
    return lambda c: c.ok and str(c.params.get("chat_id")) == str(chat_id) and check(c.params)


def has_text(fragment: str) -> Callable[[dict[str, Any]], bool]:
    return lambda p: fragment in str(p.get("text", ""))


async def wait(bot: RunningBot, method: str, chat_id: int, check: Any = None, count: int = 1) -> list[Any]:
    return await bot.fake.wait_for_async(method, predicate=to(chat_id, check or (lambda p: True)), count=count)


def polls_in(bot: RunningBot, chat_id: int) -> list[tuple[str, dict[str, Any]]]:
    return sorted(
        ((pid, p) for pid, p in bot.fake.polls.items() if p["chat_id"] == chat_id), key=lambda x: x[1]["message_id"]
    )


async def next_poll(bot: RunningBot, chat_id: int, count: int) -> tuple[str, dict[str, Any]]:
    """Wait for the chat's ``count``-th poll; return it."""
    await wait(bot, "sendPoll", chat_id, count=count)
    return polls_in(bot, chat_id)[count - 1]


async def quiz_answered(
    bot: RunningBot, question: Question, user_id: int, *, correct: bool, chat_id: int | None = None
) -> None:
    """Send ``question`` as the bot does and have ``user_id`` answer it; wait until it is handled."""
    chat = chat_id or user_id
    record, _ = await send_quiz(bot.application.bot, bot.ctx, chat, question, "en", requested_by=user_id)
    poll = bot.fake.polls[record.poll_id]
    choice = poll["correct_option_ids"][0] if correct else wrong_option(poll)
    bot.fake.answer_poll(record.poll_id, user_id, [choice])
    await bot.settle()


def plain(question_ids: int = 2, topic: str = "colombo-process") -> list[Question]:
    """Questions without a long explanation, so no follow-up message is in the way."""
    found = [q for q in bank().questions_in(topic) if not q.full_explanation]
    return sorted(found, key=lambda q: q.id)[:question_ids]


def buttons(call_params: dict[str, Any]) -> list[dict[str, Any]]:
    markup = call_params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


# --- /review -------------------------------------------------------------------------------------
async def test_a_review_session_brings_back_missed_questions_one_at_a_time(bot: RunningBot) -> None:
    first, second = plain(2)
    await quiz_answered(bot, first, USER, correct=False)
    await quiz_answered(bot, second, USER, correct=False)
    polls_before = len(polls_in(bot, USER))
    bot.clock.advance(minutes=11)

    bot.fake.send_text(USER, "/review")
    await wait(bot, "sendMessage", USER, has_text("<b>2 questions</b> due for review"))
    poll_id, poll = await next_poll(bot, USER, polls_before + 1)
    bot.fake.answer_poll(poll_id, USER, poll["correct_option_ids"])
    poll_id, poll = await next_poll(bot, USER, polls_before + 2)
    asked = {p["poll"]["question"] for _, p in polls_in(bot, USER)[polls_before:]}
    assert asked == {first.poll_question(), second.poll_question()}
    bot.fake.answer_poll(poll_id, USER, poll["correct_option_ids"])

    (done,) = await wait(bot, "sendMessage", USER, has_text("All done"))
    assert "2/2 correct" in done.params["text"] and "(Asia/Kolkata)" in done.params["text"]
    assert len(polls_in(bot, USER)) == polls_before + 2


async def test_review_with_nothing_answered_says_how_to_begin(bot: RunningBot) -> None:
    bot.fake.send_text(USER, "/review")
    await wait(bot, "sendMessage", USER, has_text("Nothing to review yet"))


async def test_review_in_a_group_links_to_the_private_chat_which_then_runs_it(bot: RunningBot) -> None:
    bot.fake.send_text(GROUP, "/review", user_id=USER)
    (reply,) = await wait(bot, "sendMessage", GROUP, has_text("private chat"))
    (button,) = buttons(reply.params)
    assert button["url"] == f"https://t.me/{bot.fake.bot_username}?start=review"
    assert bot.fake.calls("sendPoll", GROUP) == []

    bot.fake.send_text(USER, "/start review")
    await wait(bot, "sendMessage", USER, has_text("Nothing to review yet"))


async def test_the_daily_push_says_how_many_questions_are_due(bot: RunningBot) -> None:
    (question,) = plain(1)
    await quiz_answered(bot, question, USER, correct=False)
    bot.fake.send_text(USER, "/subscribe")
    await wait(bot, "sendMessage", USER, has_text("Subscribed"))
    bot.clock.set(START.replace(hour=2, minute=31))  # 08:01 in India, past the default push time
    report = await bot.push_tick()
    assert report.sent == 1
    await wait(bot, "sendMessage", USER, has_text("1 question due for review — /review"))


# --- answers and long texts ------------------------------------------------------------------------
async def test_a_long_explanation_follows_the_answer_in_a_private_chat(bot: RunningBot) -> None:
    question = next(q for q in bank().questions.values() if q.full_explanation)
    record, _ = await send_quiz(bot.application.bot, bot.ctx, USER, question, "en", requested_by=USER)
    assert bot.fake.polls[record.poll_id]["poll"]["explanation"] == question.explanation
    bot.fake.answer_poll(record.poll_id, USER, [0])
    (follow_up,) = await wait(bot, "sendMessage", USER, has_text("<b>Explanation</b>"))
    assert escape(question.full_text) in follow_up.params["text"]
    assert cite(bank(), question.source) in follow_up.params["text"]


async def test_a_long_explanation_is_not_sent_to_a_group_after_each_answer(bot: RunningBot) -> None:
    question = next(q for q in bank().questions.values() if q.full_explanation)
    record, _ = await send_quiz(bot.application.bot, bot.ctx, GROUP, question, "en")
    bot.fake.answer_poll(record.poll_id, USER, [0])
    await bot.settle()
    assert not [c for c in bot.fake.calls("sendMessage", GROUP) if "<b>Explanation</b>" in c.get("text", "")]


async def test_long_statements_go_first_as_a_message_then_a_poll_asking_which_are_correct(
    bot: RunningBot,
) -> None:
    question = next(q for q in bank().questions.values() if q.needs_split() and not q.ask)
    await send_quiz(bot.application.bot, bot.ctx, USER, question, "en")
    sent = [r for r in bot.fake.requests if r.method in ("sendMessage", "sendPoll")]
    assert [r.method for r in sent[-2:]] == ["sendMessage", "sendPoll"]
    statements, poll = sent[-2].params, sent[-1].params
    assert all(f"{i}. {escape(s)}" in statements["text"] for i, s in enumerate(question.statements, 1))
    assert poll["question"] == SPLIT_POLL_QUESTION == "Which of the statements given above is/are correct?"


# --- /mistakes -----------------------------------------------------------------------------------
async def test_mistakes_are_paged_with_buttons(bot: RunningBot) -> None:
    older, newer = plain(2)
    await quiz_answered(bot, older, USER, correct=False)
    bot.clock.advance(minutes=1)
    await quiz_answered(bot, newer, USER, correct=False)

    bot.fake.send_text(USER, "/mistakes")
    (page,) = await wait(bot, "sendMessage", USER, has_text("Mistake 1 of 2"))
    assert escape(newer.question) in page.params["text"] and "Correct answer:" in page.params["text"]
    assert [b["callback_data"] for b in buttons(page.params)] == ["mk:1", f"wk:{newer.topic}"]

    message_id = page.result["message_id"]
    bot.fake.press_button(USER, USER, message_id, "mk:1")
    (edited,) = await wait(bot, "editMessageText", USER, has_text("Mistake 2 of 2"))
    assert escape(older.question) in edited.params["text"]
    assert [b["callback_data"] for b in buttons(edited.params)] == ["mk:0", f"wk:{older.topic}"]

    bot.fake.press_button(USER, USER, message_id, "mk:7")
    answered = await bot.fake.wait_for_async("answerCallbackQuery", count=2)
    assert answered[-1].params.get("text") == t("error.stale_button")


async def test_mistakes_with_none_say_so(bot: RunningBot) -> None:
    bot.fake.send_text(USER, "/mistakes")
    await wait(bot, "sendMessage", USER, has_text("No mistakes on record"))


# --- /test ---------------------------------------------------------------------------------------
async def test_a_mock_test_with_an_unanswered_question_ends_with_a_result_card(bot: RunningBot) -> None:
    bot.fake.send_text(USER, "/test iom basics")
    await wait(bot, "sendMessage", USER, has_text("Mock test"))
    for n in range(1, TEST_SIZE + 1):
        poll_id, poll = await next_poll(bot, USER, n)
        assert poll["poll"]["open_period"] == SECONDS_PER_QUESTION
        if n == 3:
            await bot.settle()  # the bot has started this question's clock
            bot.clock.advance(seconds=SECONDS_PER_QUESTION + CLOSE_GRACE.total_seconds())
            assert await expire_tests(bot.application.bot, bot.ctx) == 1
        else:
            bot.clock.advance(seconds=10)
            choice = wrong_option(poll) if n == 5 else poll["correct_option_ids"][0]
            bot.fake.answer_poll(poll_id, USER, [choice])

    (card,) = await wait(bot, "sendMessage", USER, has_text("Mock test result"))
    text = card.params["text"]
    assert "Correct: <b>8</b>" in text and "Wrong: <b>1</b>" in text and "Unanswered: <b>1</b>" in text
    assert "Score: <b>15.34</b> / 20" in text
    assert "Time taken: <b>2 min 33 s</b>" in text  # 9 × 10 s answered + 63 s timed out = 153 s
    (missed,) = await wait(bot, "sendMessage", USER, has_text("The ones you missed"))
    assert "<b>Q3.</b>" in missed.params["text"] and "— (no answer)" in missed.params["text"]
    assert "<b>Q5.</b>" in missed.params["text"]
    assert [b.get("callback_data") for b in buttons(missed.params)] == ["ts:go:iom-basics", None]
    share = buttons(missed.params)[1]["url"]
    assert share.startswith("https://t.me/share/url?") and "15.34%2F20" in share


async def test_only_one_mock_test_at_a_time(bot: RunningBot) -> None:
    bot.fake.send_text(USER, "/test")
    await next_poll(bot, USER, 1)
    bot.fake.send_text(USER, "/test colombo")
    (busy,) = await wait(bot, "sendMessage", USER, has_text("already have a mock test running"))
    assert [b["callback_data"] for b in buttons(busy.params)] == ["ts:quit"]
    bot.fake.press_button(USER, USER, busy.result["message_id"], "ts:quit")
    await wait(bot, "sendMessage", USER, has_text("Test given up"))
    assert len(polls_in(bot, USER)) == 1


async def test_test_in_a_group_links_to_the_private_chat_with_the_topic(bot: RunningBot) -> None:
    bot.fake.send_text(GROUP, "/test colombo", user_id=USER)
    (reply,) = await wait(bot, "sendMessage", GROUP, has_text("private chat"))
    assert buttons(reply.params)[0]["url"].endswith("?start=test_colombo-process")
    bot.fake.send_text(USER, "/start test_colombo-process")
    await wait(bot, "sendMessage", USER, has_text("Mock test</b> — The Colombo Process"))
    await next_poll(bot, USER, 1)


# --- /mains --------------------------------------------------------------------------------------
async def test_mains_prompt_shows_its_key_points_on_a_button_even_in_a_group(bot: RunningBot) -> None:
    bot.fake.send_text(GROUP, "/mains colombo", user_id=USER)
    (prompt_call,) = await wait(bot, "sendMessage", GROUP, has_text("Mains answer writing"))
    prompt = bank().mains_in("colombo-process")[0]
    assert escape(prompt.prompt) in prompt_call.params["text"]
    assert f"<b>{prompt.words} words</b> in <b>{prompt.minutes} minutes</b>" in prompt_call.params["text"]
    assert buttons(prompt_call.params)[0]["callback_data"] == f"mn:key:{prompt.id}"

    bot.fake.press_button(GROUP, OTHER, prompt_call.result["message_id"], f"mn:key:{prompt.id}")
    (edited,) = await wait(bot, "editMessageText", GROUP, has_text("Key points"))
    assert all(escape(p) in edited.params["text"] for p in prompt.key_points)


# --- /stats --------------------------------------------------------------------------------------
async def test_stats_show_upsc_score_weakest_topics_and_a_sparkline_without_matplotlib(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    right, wrong = plain(2)
    await quiz_answered(bot, right, USER, correct=True)
    await quiz_answered(bot, wrong, USER, correct=False)
    bot.fake.send_text(USER, "/stats")
    (stats,) = await wait(bot, "sendMessage", USER, has_text("Your answers</b> in this private chat"))
    text = stats.params["text"]
    assert "UPSC score: <b>1.34</b>" in text and "a per-100 figure comes after 10 answers" in text
    assert "Last 14 days: <code>·············█</code>" in text
    assert [b.get("callback_data") for b in buttons(stats.params)] == ["wk:colombo-process", "st:all", None]
    assert bot.fake.calls("sendPhoto", USER) == []

    bot.fake.press_button(USER, USER, stats.result["message_id"], "wk:colombo-process")
    _, poll = await next_poll(bot, USER, 3)
    questions = {q.poll_question() for q in bank().questions_in("colombo-process")}
    questions |= {q.split_poll_question() for q in bank().questions_in("colombo-process")}
    assert poll["poll"]["question"] in questions


async def test_stats_send_the_activity_chart_as_an_image_with_matplotlib(bot: RunningBot) -> None:
    pytest.importorskip("matplotlib")
    (question,) = plain(1)
    await quiz_answered(bot, question, USER, correct=True)
    bot.fake.send_text(USER, "/stats")
    (stats,) = await wait(bot, "sendMessage", USER, has_text("Your answers</b> in this private chat"))
    assert "Last 14 days" not in stats.params["text"]
    (photo,) = await wait(bot, "sendPhoto", USER)
    assert photo.params["photo"].content.startswith(b"\x89PNG")


# --- /export and /forget -------------------------------------------------------------------------
async def test_export_sends_the_answer_history_as_csv(bot: RunningBot) -> None:
    right, wrong = plain(2)
    await quiz_answered(bot, right, USER, correct=True)
    await quiz_answered(bot, wrong, USER, correct=False, chat_id=GROUP)
    bot.fake.send_text(USER, "/export")
    (document,) = await wait(bot, "sendDocument", USER)
    uploaded = document.params["document"]
    assert uploaded.filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(uploaded.content.decode("utf-8-sig"))))
    assert [(r["question"], r["correct"]) for r in rows] == [
        (right.asked(), "yes"),
        (wrong.asked(), "no"),
    ]
    assert rows[1]["correct_answer"] == wrong.options[wrong.answer] != rows[1]["your_answer"]
    assert dt.datetime.fromisoformat(rows[0]["date"]).utcoffset() == dt.timedelta(hours=5, minutes=30)
    assert "2 answers." in document.params["caption"]


async def test_forget_asks_first_then_deletes_only_that_users_data(bot: RunningBot) -> None:
    (question,) = plain(1)
    await bot.say(GROUP, "/help", user_id=USER)  # the group is on record too
    for user in (USER, OTHER):
        await bot.say(user, "/timezone Europe/London")  # each has a private chat with a setting
        await quiz_answered(bot, question, user, correct=False)
        await quiz_answered(bot, question, user, correct=True, chat_id=GROUP)
    repo = bot.ctx.repo

    bot.fake.send_text(USER, "/forget")
    (confirm,) = await wait(bot, "sendMessage", USER, has_text("Delete everything I store about you?"))
    assert len(await repo.user_answers(USER)) == 2  # nothing happens before the button
    assert [b["callback_data"] for b in buttons(confirm.params)] == ["fg:yes", "fg:no"]
    bot.fake.press_button(USER, USER, confirm.result["message_id"], "fg:yes")
    (done,) = await wait(bot, "editMessageText", USER, has_text("Deleted"))
    assert "2 answers, 1 review card, 0 mock tests, your chat settings, your name" in done.params["text"]

    assert await repo.user_answers(USER) == [] and await repo.count_cards(USER) == 0
    assert await repo.get_chat(USER) is None
    assert len(await repo.user_answers(OTHER)) == 2 and await repo.count_cards(OTHER) == 1
    other_chat = await repo.get_chat(OTHER)
    assert other_chat is not None and other_chat.timezone == "Europe/London"
    assert await repo.get_chat(GROUP) is not None


async def test_forget_can_be_cancelled(bot: RunningBot) -> None:
    (question,) = plain(1)
    await quiz_answered(bot, question, USER, correct=True)
    bot.fake.send_text(USER, "/forget")
    (confirm,) = await wait(bot, "sendMessage", USER, has_text("Delete everything I store about you?"))
    bot.fake.press_button(USER, USER, confirm.result["message_id"], "fg:no")
    await wait(bot, "editMessageText", USER, has_text("Cancelled"))
    assert len(await bot.ctx.repo.user_answers(USER)) == 1


async def test_forget_in_a_group_only_links_to_the_private_chat(bot: RunningBot) -> None:
    bot.fake.send_text(GROUP, "/forget", user_id=USER)
    (reply,) = await wait(bot, "sendMessage", GROUP, has_text("private chat"))
    assert buttons(reply.params)[0]["url"].endswith("?start=forget")


# --- stale and tampered buttons ------------------------------------------------------------------
@pytest.mark.parametrize(
    "data", ["rv:again", "mk:x", "mk:-1", "ts:go:nowhere", "ts:quit:1", "mn:key:zzz", "fg:maybe", "wk:"]
)
async def test_stale_or_tampered_learning_buttons_get_a_short_notice(bot: RunningBot, data: str) -> None:
    bot.fake.send_text(USER, "/mains")
    (prompt,) = await wait(bot, "sendMessage", USER, has_text("Mains answer writing"))
    bot.fake.press_button(USER, USER, prompt.result["message_id"], data)
    (answered,) = await bot.fake.wait_for_async("answerCallbackQuery")
    assert answered.params.get("text") == t("error.stale_button")


async def test_personal_buttons_pressed_in_a_group_point_to_the_private_chat(bot: RunningBot) -> None:
    bot.fake.send_text(GROUP, "/mains", user_id=USER)
    (prompt,) = await wait(bot, "sendMessage", GROUP, has_text("Mains answer writing"))
    bot.fake.press_button(GROUP, USER, prompt.result["message_id"], "fg:yes")
    (answered,) = await bot.fake.wait_for_async("answerCallbackQuery")
    assert answered.params.get("text") == t("private.only") and answered.params.get("show_alert") is True
    assert await bot.ctx.repo.get_chat(GROUP) is not None


# --- one user's action never reaches another's data ---------------------------------------------
async def test_a_stranger_answering_a_forwarded_test_poll_does_not_drive_the_owners_test(bot: RunningBot) -> None:
    bot.fake.send_text(USER, "/test iom basics")
    poll_id, poll = await next_poll(bot, USER, 1)
    # A forwarded poll keeps its id: the stranger's vote arrives as an answer to the owner's poll.
    await bot.answer(poll_id, OTHER, poll["correct_option_ids"])
    await bot.settle()
    assert len(polls_in(bot, USER)) == 1  # the test did not move on
    test = await bot.ctx.repo.running_mock_test(USER)
    assert test is not None and test.current == 0
    items = await bot.ctx.repo.mock_test_items(test.test_id)
    assert items[0].outcome is None
    # The owner's own answer settles it and brings the next question.
    await bot.answer(poll_id, USER, [wrong_option(poll)])
    await next_poll(bot, USER, 2)
    items = await bot.ctx.repo.mock_test_items(test.test_id)
    assert items[0].outcome == "wrong"


async def test_forget_keeps_other_peoples_answers_to_a_poll_the_user_forwarded(bot: RunningBot) -> None:
    (question,) = plain(1)
    record, _ = await send_quiz(bot.application.bot, bot.ctx, USER, question, "en", requested_by=USER)
    poll = bot.fake.polls[record.poll_id]
    await bot.answer(record.poll_id, USER, poll["correct_option_ids"])
    await bot.answer(record.poll_id, OTHER, [wrong_option(poll)])  # the friend it was forwarded to
    assert len(await bot.ctx.repo.latest_mistakes(OTHER, 10)) == 1

    await bot.ctx.learning.data.forget(USER)

    assert await bot.ctx.repo.user_answers(USER) == []
    assert len(await bot.ctx.repo.latest_mistakes(OTHER, 10)) == 1
    assert await bot.ctx.repo.count_cards(OTHER) == 1
    assert await bot.ctx.repo.get_poll(record.poll_id) is not None


@pytest.mark.parametrize("data", ["mk:²", "mk:٣"])
async def test_a_mistakes_button_with_unicode_digits_gets_a_notice_not_a_crash(bot: RunningBot, data: str) -> None:
    (question,) = plain(1)
    await quiz_answered(bot, question, USER, correct=False)
    calls = await bot.press(USER, USER, 1, data)
    assert bot.fake.calls("answerCallbackQuery")[-1]["text"] == t("error.stale_button")
    assert all(c.ok for c in calls)


async def test_mistakes_and_the_test_card_show_the_closing_question_of_a_statement_question(bot: RunningBot) -> None:
    question = next(q for q in sorted(bank().questions.values(), key=lambda q: q.id) if q.statements and q.ask)
    await quiz_answered(bot, question, USER, correct=False)
    calls = await bot.say(USER, "/mistakes")
    page = next(c for c in reversed(calls) if "Mistake 1 of" in str(c.params.get("text", "")))
    assert escape(question.ask or "") in page.params["text"]


async def test_mock_test_polls_say_where_you_are_and_a_timeout_is_announced(bot: RunningBot) -> None:
    bot.fake.send_text(USER, "/test iom basics")
    for n in range(1, 4):
        poll_id, poll = await next_poll(bot, USER, n)
        intro = [str(c.params.get("text", "")) for c in bot.fake.calls_to(USER) if c.method == "sendMessage"][-1]
        assert poll["poll"]["question"].startswith(f"Q{n}/10 ") or f"Q{n}/10 ·" in intro
        if n < 3:
            bot.fake.answer_poll(poll_id, USER, poll["correct_option_ids"])
    await bot.settle()
    bot.clock.advance(seconds=SECONDS_PER_QUESTION + CLOSE_GRACE.total_seconds())
    assert await expire_tests(bot.application.bot, bot.ctx) == 1
    await wait(bot, "sendMessage", USER, has_text("Time's up for Q3/10"))
    await next_poll(bot, USER, 4)


async def test_giving_up_a_test_after_some_answers_shows_the_score_so_far(bot: RunningBot) -> None:
    bot.fake.send_text(USER, "/test iom basics")
    for n in (1, 2, 3):
        poll_id, poll = await next_poll(bot, USER, n)
        choice = wrong_option(poll) if n == 3 else poll["correct_option_ids"][0]
        bot.fake.answer_poll(poll_id, USER, [choice])
    await next_poll(bot, USER, 4)
    bot.fake.send_text(USER, "/test stop")
    (done,) = await wait(bot, "sendMessage", USER, has_text("given up after 3 of 10"))
    assert "<b>2</b> correct, <b>1</b> wrong" in done.params["text"] and "<b>3.34</b>" in done.params["text"]


async def test_after_a_quiz_answer_the_next_question_is_one_tap_away(bot: RunningBot) -> None:
    (question,) = plain(1)
    await quiz_answered(bot, question, USER, correct=True)
    (prompt,) = await wait(bot, "sendMessage", USER, has_text("Ready for the next one?"))
    assert [b["callback_data"] for b in buttons(prompt.params)] == [f"quiz:{question.topic}", "quiz:*"]
    polls_before = len(polls_in(bot, USER))
    await bot.press(USER, USER, prompt.result["message_id"], f"quiz:{question.topic}")
    assert len(polls_in(bot, USER)) == polls_before + 1


async def test_a_group_answer_brings_no_next_question_prompt(bot: RunningBot) -> None:
    (question,) = plain(1)
    await quiz_answered(bot, question, USER, correct=True, chat_id=GROUP)
    assert not any("Ready for the next one?" in str(c.params) for c in bot.fake.calls_to(GROUP))
    assert not any("Ready for the next one?" in str(c.params) for c in bot.fake.calls_to(USER))


async def test_stats_offer_a_share_button_once_there_are_answers(bot: RunningBot) -> None:
    (question,) = plain(1)
    assert not any("url" in b for b in buttons((await bot.say(USER, "/stats"))[-1].params))
    await quiz_answered(bot, question, USER, correct=True)
    calls = await bot.say(USER, "/stats")
    stats = next(c for c in reversed(calls) if "Your answers" in str(c.params.get("text", "")))
    (share,) = [b["url"] for b in buttons(stats.params) if "url" in b]
    assert share.startswith("https://t.me/share/url?") and "100%25+right" in share


async def test_forget_confirmed_twice_deletes_once_and_records_nothing_again(bot: RunningBot) -> None:
    (question,) = plain(1)
    await quiz_answered(bot, question, USER, correct=True)
    bot.fake.send_text(USER, "/forget")
    (confirm,) = await wait(bot, "sendMessage", USER, has_text("Delete everything I store about you?"))
    await bot.press(USER, USER, confirm.result["message_id"], "fg:yes")
    await bot.press(USER, USER, confirm.result["message_id"], "fg:yes")
    edits = [c["text"] for c in bot.fake.calls("editMessageText", USER)]
    assert "Deleted" in edits[0] and "already" in edits[-1]
    assert await bot.ctx.repo.user_answers(USER) == []
    repo = bot.ctx.repo
    assert isinstance(repo, SqliteRepository)
    assert await repo._one("SELECT 1 FROM users WHERE user_id = ?", (USER,)) is None
