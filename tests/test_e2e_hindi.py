"""The bot in Hindi, end to end against the Bot API emulator: choosing the language (/language,
its buttons, the user's Telegram language, a group's admin), and what a Hindi chat then reads —
quiz polls within Telegram's limits, statement questions, the daily push, /stats, /topic, the
English fallback for an item without a translation, and the Hindi command menus."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from telegram.constants import PollLimit

from bot.clock import ManualClock
from bot.config import DEFAULT_CONTENT_DIR
from bot.content.loader import Bank
from bot.render.texts import t
from tests.fakebot import FakeBotAPI
from tests.harness import START, RunningBot, reply_text, running_bot

USER, HINDI_USER, ADMIN, MEMBER = 701, 702, 703, 704
GROUP, CHANNEL = -100701, -100702


@pytest.fixture
async def bot(fake_api: FakeBotAPI, tmp_path: Path) -> Any:
    fake_api.add_private_chat(USER, "Asha")
    fake_api.add_private_chat(HINDI_USER, "Ravi", language_code="hi-IN")
    fake_api.add_private_chat(ADMIN, "Meera")
    fake_api.add_group(GROUP, "UPSC हिन्दी", admins=[ADMIN], members={MEMBER: "Kiran"})
    fake_api.add_channel(CHANNEL, "IOM Daily", "iomdaily", admins=[ADMIN])
    async with running_bot(fake_api, tmp_path, ManualClock(START)) as running:
        yield running


def is_hindi(text: str) -> bool:
    """Devanagari in the text: the bot's words, not only a name, are Hindi."""
    return any("\u0900" <= c <= "\u097f" for c in text)


def hindi_bank(bot: RunningBot) -> Bank:
    return bot.ctx.bank.in_language("hi")


def button_labels(call: Any) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def in_hindi(bot: RunningBot, chat_id: int, user_id: int | None = None) -> None:
    await bot.say(chat_id, "/language hi", user_id=user_id)


async def last_poll(bot: RunningBot, chat_id: int, before: int) -> dict[str, Any]:
    """The poll the bot sent to a chat after ``before`` polls, with its registration."""
    calls = await bot.fake.wait_for_async("sendPoll", lambda c: c.params.get("chat_id") == chat_id, before + 1)
    call = calls[-1]
    poll_id = call.result["poll"]["id"]
    await bot.settle()  # the poll is registered once sendPoll has answered
    record = await bot.ctx.repo.get_poll(poll_id)
    assert record is not None
    return {"id": poll_id, "params": call.params, "record": record, **bot.fake.polls[poll_id]}


def option_texts(poll: dict[str, Any]) -> list[str]:
    return [o["text"] for o in poll["params"]["options"]]


# --- choosing the language ------------------------------------------------------------------------
async def test_language_hi_switches_a_private_chat_to_hindi_and_language_en_back(bot: RunningBot) -> None:
    done = reply_text(await bot.say(USER, "/language hi"))
    assert done == t("language.done", "hi")
    assert reply_text(await bot.say(USER, "/help")).startswith(t("help.intro", "hi"))
    assert reply_text(await bot.say(USER, "/language en")) == t("language.done", "en")
    assert reply_text(await bot.say(USER, "/help")).startswith(t("help.intro", "en"))


@pytest.mark.parametrize("typed", ["hindi", "Hindi", "हिन्दी", "हिंदी"])
async def test_the_language_can_be_named_as_well_as_coded(bot: RunningBot, typed: str) -> None:
    await bot.say(USER, f"/language {typed}")
    chat = await bot.ctx.repo.get_chat(USER)
    assert chat is not None and chat.language == "hi"


async def test_the_language_buttons_tick_the_current_one_and_switch_in_place(bot: RunningBot) -> None:
    shown = (await bot.say(USER, "/language"))[-1]
    assert button_labels(shown) == ["✓ English", "हिन्दी"]
    calls = await bot.press(USER, USER, shown.result["message_id"], "lang:hi")
    edited = calls[-1]
    assert edited.method == "editMessageText" and edited.params["text"] == t("language.done", "hi")
    assert button_labels(edited) == ["English", "✓ हिन्दी"]
    assert reply_text(await bot.say(USER, "/topics")).startswith(t("topics.header", "hi"))


async def test_an_unknown_language_is_answered_with_the_choices_and_changes_nothing(bot: RunningBot) -> None:
    calls = await bot.say(USER, "/language french")
    assert "french" in calls[-1].params["text"] and "/language hi" in calls[-1].params["text"]
    assert button_labels(calls[-1]) == ["✓ English", "हिन्दी"]
    chat = await bot.ctx.repo.get_chat(USER)
    assert chat is not None and chat.language is None


async def test_a_user_whose_telegram_is_in_hindi_is_greeted_in_hindi(bot: RunningBot) -> None:
    greeting = reply_text(await bot.say(HINDI_USER, "/start"))
    assert t("start.intro", "hi") in greeting and is_hindi(greeting)
    chat = await bot.ctx.repo.get_chat(HINDI_USER)
    assert chat is not None and chat.language == "hi"


async def test_a_user_whose_telegram_is_in_english_gets_the_default_language(bot: RunningBot) -> None:
    greeting = reply_text(await bot.say(USER, "/start"))
    assert t("start.intro", "en") in greeting and not is_hindi(greeting)


async def test_a_hindi_user_who_chose_english_stays_in_english(bot: RunningBot) -> None:
    await bot.say(HINDI_USER, "/language en")
    assert not is_hindi(reply_text(await bot.say(HINDI_USER, "/help")))


async def test_with_default_language_hi_groups_and_english_users_start_in_hindi(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    fake_api.add_private_chat(USER, "Asha")
    fake_api.add_group(GROUP, "Study circle", admins=[ADMIN])
    async with running_bot(fake_api, tmp_path, ManualClock(START), DEFAULT_LANGUAGE="hi") as bot:
        assert t("start.intro", "hi") in reply_text(await bot.say(USER, "/start"))
        assert reply_text(await bot.say(GROUP, "/help@" + (bot.application.bot.username or ""), user_id=ADMIN))
        assert is_hindi(reply_text(bot.fake.calls_to(GROUP)))


async def test_with_default_language_hi_the_default_menus_are_hindi_and_english_clients_get_english(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running_bot(fake_api, tmp_path, ManualClock(START), DEFAULT_LANGUAGE="hi") as bot:
        scope = {"type": "all_private_chats"}
        default = {c["command"]: c["description"] for c in bot.fake.commands[bot.fake.scope_key(scope)]}
        english = {c["command"]: c["description"] for c in bot.fake.commands[bot.fake.scope_key(scope, "en")]}
        assert default["quiz"] == t("cmd.quiz", "hi") and english["quiz"] == t("cmd.quiz", "en")
        assert bot.fake.scope_key(scope, "hi") not in bot.fake.commands


async def test_a_groups_admin_sets_hindi_for_the_whole_group(bot: RunningBot) -> None:
    assert reply_text(await bot.say(GROUP, "/language hi", user_id=ADMIN)) == t("language.done", "hi")
    stats = reply_text(await bot.say(GROUP, "/stats", user_id=MEMBER))
    assert stats.startswith("📊") and is_hindi(stats)
    assert not is_hindi(reply_text(await bot.say(USER, "/help")))  # the members' private chats keep theirs


async def test_a_member_who_is_no_admin_cannot_change_the_groups_language(bot: RunningBot) -> None:
    await in_hindi(bot, GROUP, ADMIN)
    refused = reply_text(await bot.say(GROUP, "/language en", user_id=MEMBER))
    assert refused == t("admin.only", "hi")
    chat = await bot.ctx.repo.get_chat(GROUP)
    assert chat is not None and chat.language == "hi"


async def test_a_member_who_is_no_admin_cannot_press_the_language_buttons(bot: RunningBot) -> None:
    shown = (await bot.say(GROUP, "/language", user_id=ADMIN))[-1]
    press = bot.fake.press_button(GROUP, MEMBER, shown.result["message_id"], "lang:hi")
    await bot.handled(press)
    answer = [
        c for c in bot.fake.calls("answerCallbackQuery") if c["callback_query_id"] == press["callback_query"]["id"]
    ]
    assert answer[-1]["text"] == t("admin.only", "en")
    chat = await bot.ctx.repo.get_chat(GROUP)
    assert chat is not None and chat.language is None


async def test_a_channels_admin_sets_its_language(bot: RunningBot) -> None:
    await bot.say(CHANNEL, "/language hi", user_id=ADMIN)
    chat = await bot.ctx.repo.get_chat(CHANNEL)
    assert chat is not None and chat.language == "hi"


async def test_settings_shows_the_language_and_its_buttons_change_it(bot: RunningBot) -> None:
    shown = (await bot.say(USER, "/settings"))[-1]
    assert t("settings.language", "en", language="English") in shown.params["text"]
    assert button_labels(shown)[-2:] == ["✓ English", "हिन्दी"]
    edited = (await bot.press(USER, USER, shown.result["message_id"], "set:lang:hi"))[-1]
    assert edited.params["text"].startswith(t("settings.header", "hi"))
    assert t("settings.language", "hi", language="हिन्दी") in edited.params["text"]
    assert button_labels(edited)[-2:] == ["English", "✓ हिन्दी"]


# --- what a Hindi chat reads ----------------------------------------------------------------------
async def test_a_quiz_poll_in_hindi_asks_the_hindi_question_within_telegrams_limits(bot: RunningBot) -> None:
    await in_hindi(bot, USER)
    bot.fake.send_text(USER, "/quiz")
    poll = await last_poll(bot, USER, 0)
    question = hindi_bank(bot).questions[poll["record"].question_id]
    assert sorted(option_texts(poll)) == sorted(question.options)
    assert poll["params"]["explanation"] == question.explanation
    assert is_hindi(poll["params"]["question"])
    assert len(poll["params"]["question"]) <= PollLimit.MAX_QUESTION_LENGTH
    assert all(len(o) <= PollLimit.MAX_OPTION_LENGTH for o in option_texts(poll))
    assert all(c.ok for c in bot.fake.calls_to(USER))  # the emulator took every call


async def test_the_correct_option_of_a_hindi_poll_is_the_english_questions_answer(bot: RunningBot) -> None:
    await in_hindi(bot, USER)
    bot.fake.send_text(USER, "/quiz")
    poll = await last_poll(bot, USER, 0)
    record = poll["record"]
    english = bot.ctx.bank.questions[record.question_id]
    shown_correct = poll["correct_option_ids"][0]
    assert record.option_order[shown_correct] == english.answer
    await bot.answer(poll["id"], USER, [shown_correct])
    stats = reply_text(await bot.say(USER, "/stats"))
    assert is_hindi(stats) and "<b>1</b>" in stats


async def test_answers_given_in_hindi_count_in_english_too(bot: RunningBot) -> None:
    await in_hindi(bot, USER)
    bot.fake.send_text(USER, "/quiz")
    poll = await last_poll(bot, USER, 0)
    await bot.answer(poll["id"], USER, [poll["correct_option_ids"][0]])
    await bot.say(USER, "/language en")
    stats = reply_text(await bot.say(USER, "/stats"))
    assert "Answered: <b>1</b>" in stats and "Correct: <b>1</b>" in stats


async def test_after_a_hindi_answer_the_explanation_and_buttons_are_hindi(bot: RunningBot) -> None:
    await in_hindi(bot, USER)
    bot.fake.send_text(USER, "/quiz")
    poll = await last_poll(bot, USER, 0)
    sent = len(bot.fake.calls_to(USER))
    await bot.answer(poll["id"], USER, [poll["correct_option_ids"][0]])
    follow_up = (await bot.replies(USER, sent + 1))[-1]
    assert is_hindi(follow_up.params["text"])
    assert t("button.next_any", "hi") in button_labels(follow_up)


async def test_a_statement_question_in_hindi_sends_its_statements_first_and_the_closing_line_as_the_poll(
    bot: RunningBot,
) -> None:
    bank = hindi_bank(bot)
    question = next(q for q in sorted(bank.questions.values(), key=lambda q: q.id) if q.needs_split())
    await in_hindi(bot, USER)
    bot.fake.send_text(USER, f"/start q_{question.id}")
    poll = await last_poll(bot, USER, 0)
    intro = [c for c in bot.fake.calls_to(USER) if c.method == "sendMessage"][-1].params["text"]
    assert question.statements[0].split()[0] in intro and is_hindi(intro)
    assert poll["params"]["question"] == question.split_poll_question()
    assert len(poll["params"]["question"]) <= PollLimit.MAX_QUESTION_LENGTH


async def test_the_daily_push_comes_in_hindi_with_a_hindi_poll(bot: RunningBot) -> None:
    await in_hindi(bot, USER)
    await bot.say(USER, "/subscribe")
    before = len(bot.fake.calls("sendPoll", USER))
    bot.clock.set(START.replace(hour=2, minute=31))  # 08:01 in Kolkata
    await bot.push_tick()
    push = next(c.params["text"] for c in bot.fake.calls_to(USER) if c.params.get("text", "").startswith("☀️"))
    assert push.startswith(t("push.header", "hi", date="सोमवार, 2 मार्च"))  # 2 March 2026, a Monday
    poll = await last_poll(bot, USER, before)
    assert sorted(option_texts(poll)) == sorted(hindi_bank(bot).questions[poll["record"].question_id].options)


async def test_stats_in_hindi_name_the_topics_in_hindi(bot: RunningBot) -> None:
    await in_hindi(bot, USER)
    bot.fake.send_text(USER, "/quiz colombo")
    poll = await last_poll(bot, USER, 0)
    await bot.answer(poll["id"], USER, [poll["correct_option_ids"][0]])
    stats = reply_text(await bot.say(USER, "/stats"))
    assert stats.startswith(t("stats.header", "hi", where=t("stats.where_private", "hi")))
    assert hindi_bank(bot).topics["colombo-process"].title in stats


async def test_topic_finds_a_hindi_query_and_shows_the_hindi_page(bot: RunningBot) -> None:
    await in_hindi(bot, USER)
    page = reply_text(await bot.say(USER, "/topic कोलंबो प्रक्रिया"))
    assert hindi_bank(bot).topics["colombo-process"].title in page
    assert is_hindi(page)


async def test_topic_in_a_hindi_chat_finds_an_english_query_too(bot: RunningBot) -> None:
    await in_hindi(bot, USER)
    page = reply_text(await bot.say(USER, "/topic colombo"))
    assert hindi_bank(bot).topics["colombo-process"].title in page


async def test_an_item_without_a_hindi_translation_is_shown_in_english(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content)
    (content / "hi" / "iom-basics.yaml").unlink()
    fake_api.add_private_chat(USER, "Asha")
    async with running_bot(fake_api, tmp_path, ManualClock(START), CONTENT_DIR=str(content)) as bot:
        await bot.say(USER, "/language hi")
        page = reply_text(await bot.say(USER, "/topic iom-basics"))
        english = bot.ctx.bank.topics["iom-basics"]
        assert english.title in page and is_hindi(page)  # the English page in the Hindi frame
        assert english.takeaways[0].split()[0] in page


async def test_the_command_menus_are_set_in_hindi_for_every_scope(bot: RunningBot) -> None:
    menus = bot.fake.commands
    for scope in ("all_private_chats", "all_group_chats", "all_chat_administrators"):
        english = menus[bot.fake.scope_key({"type": scope})]
        hindi = menus[bot.fake.scope_key({"type": scope}, "hi")]
        assert [c["command"] for c in hindi] == [c["command"] for c in english]
        quiz = next(c["description"] for c in hindi if c["command"] == "quiz")
        assert quiz == t("cmd.quiz", "hi") and is_hindi(quiz)
    private = {c["command"] for c in menus[bot.fake.scope_key({"type": "all_private_chats"}, "hi")]}
    assert "language" in private


def sent_texts(bot: RunningBot, chat_id: int) -> list[str]:
    return [str(c.params.get("text", "")) for c in bot.fake.calls_to(chat_id) if c.method == "sendMessage"]


async def quiz_and_answer(bot: RunningBot, chat_id: int, user_id: int, *, right: bool) -> dict[str, Any]:
    """The chat's next /quiz, answered by ``user_id``; everything that follows handled."""
    before = len(bot.fake.calls("sendPoll", chat_id))
    bot.fake.send_text(chat_id, "/quiz colombo", user_id=user_id)
    poll = await last_poll(bot, chat_id, before)
    correct = poll["correct_option_ids"][0]
    await bot.answer(poll["id"], user_id, [correct if right else (correct + 1) % len(poll["options"])])
    await bot.settle()
    return poll


async def test_a_groups_next_push_summarises_yesterdays_quiz_in_hindi(bot: RunningBot) -> None:
    await in_hindi(bot, GROUP, ADMIN)
    await bot.say(GROUP, "/subscribe", user_id=ADMIN)
    bot.clock.set(START.replace(hour=2, minute=30))
    await bot.push_tick()
    poll = await last_poll(bot, GROUP, 0)
    await bot.answer(poll["id"], MEMBER, [poll["correct_option_ids"][0]])
    await bot.settle()
    bot.clock.set(START.replace(day=3, hour=2, minute=30))
    await bot.push_tick()
    push = next(x for x in reversed(sent_texts(bot, GROUP)) if x.startswith("☀️"))
    question = hindi_bank(bot).questions[poll["record"].question_id]
    assert is_hindi(push) and question.options[question.answer] in push


async def test_a_group_quiz_session_in_hindi_opens_and_ranks_in_hindi(bot: RunningBot) -> None:
    await in_hindi(bot, GROUP, ADMIN)
    await bot.say(GROUP, "/quiz 2", user_id=ADMIN)
    intro = next(x for x in sent_texts(bot, GROUP) if "2" in x and "30" in x)
    assert is_hindi(intro)
    await bot.say(GROUP, "/quiz stop", user_id=ADMIN)
    assert is_hindi(sent_texts(bot, GROUP)[-1])


async def test_mistakes_in_hindi_show_the_hindi_question_and_answers(bot: RunningBot) -> None:
    await in_hindi(bot, USER)
    poll = await quiz_and_answer(bot, USER, USER, right=False)
    page = reply_text(await bot.say(USER, "/mistakes"))
    question = hindi_bank(bot).questions[poll["record"].question_id]
    assert question.options[question.answer] in page and is_hindi(page)


async def test_a_mains_prompt_in_hindi_and_its_key_points(bot: RunningBot) -> None:
    await in_hindi(bot, USER)
    calls = await bot.say(USER, "/mains colombo")
    prompt = hindi_bank(bot).mains_in("colombo-process")[0]
    assert prompt.prompt.split()[0] in calls[-1].params["text"] and is_hindi(calls[-1].params["text"])
    edited = await bot.press(USER, USER, calls[-1].result["message_id"], f"mn:key:{prompt.id}")
    assert prompt.key_points[0].split()[0] in edited[-1].params["text"]


async def test_export_in_hindi_keeps_the_header_row_and_writes_the_hindi_question(bot: RunningBot) -> None:
    await in_hindi(bot, USER)
    poll = await quiz_and_answer(bot, USER, USER, right=True)
    bot.fake.send_text(USER, "/export")
    calls = await bot.fake.wait_for_async("sendDocument", lambda c: c.params.get("chat_id") == USER)
    header, row = list(csv.reader(io.StringIO(calls[-1].params["document"].content.decode("utf-8-sig"))))
    assert header == ["date", "topic", "question", "your_answer", "correct_answer", "correct"]
    question = hindi_bank(bot).questions[poll["record"].question_id]
    assert row[2:] == [question.asked(), question.options[question.answer], question.options[question.answer], "yes"]
    assert is_hindi(calls[-1].params["caption"])


async def test_a_mock_test_in_hindi_starts_in_hindi_with_hindi_polls(bot: RunningBot) -> None:
    await in_hindi(bot, USER)
    bot.fake.send_text(USER, "/test colombo")
    poll = await last_poll(bot, USER, 0)
    intro = sent_texts(bot, USER)[-1]
    assert is_hindi(intro)
    assert sorted(option_texts(poll)) == sorted(hindi_bank(bot).questions[poll["record"].question_id].options)
    quit_reply = reply_text(await bot.say(USER, "/test stop"))
    assert is_hindi(quit_reply)


async def test_review_in_hindi_asks_the_missed_question_in_hindi(bot: RunningBot) -> None:
    await in_hindi(bot, USER)
    poll = await quiz_and_answer(bot, USER, USER, right=False)
    bot.clock.advance(minutes=11)
    before = len(bot.fake.calls("sendPoll", USER))
    bot.fake.send_text(USER, "/review")
    review = await last_poll(bot, USER, before)
    assert review["record"].question_id == poll["record"].question_id
    assert review["params"]["question"] == poll["params"]["question"]
    assert is_hindi(sent_texts(bot, USER)[-1])


async def test_a_failure_is_apologised_for_in_the_chats_language(bot: RunningBot) -> None:
    await in_hindi(bot, USER)

    def find_topic(query: str, lang: str) -> Any:
        raise RuntimeError("boom")

    bot.ctx.study.find_topic = find_topic  # type: ignore[method-assign]
    await bot.say(USER, "/topic anything")
    await bot.settle()
    assert sent_texts(bot, USER)[-1] == t("error.generic", "hi")


async def test_the_leaderboard_of_a_hindi_group_is_in_hindi(bot: RunningBot) -> None:
    await in_hindi(bot, GROUP, ADMIN)
    await quiz_and_answer(bot, GROUP, MEMBER, right=True)
    board = reply_text(await bot.say(GROUP, "/leaderboard", user_id=MEMBER))
    assert "Kiran" in board and is_hindi(board)
