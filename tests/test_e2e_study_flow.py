"""Issue #12, part B, end to end: sources by title, first contact, short buttons, stats that agree
with /review, folded study pages, no arbitrary suggestions, the group push's quoted question, and
channel posts worded and sent for a channel."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from telegram.constants import MessageLimit

from bot.clock import ManualClock
from bot.config import DEFAULT_CONTENT_DIR
from bot.content.loader import Bank, load_bank
from bot.content.models import SEED_FILE_NAME, SHORT_TITLE_LENGTH, Source, Topic
from bot.context import StudyContext
from bot.delivery.jobs import cleanup_tick
from bot.handlers.support import CHANNEL_CONFIRMATION_TTL
from bot.render import learning as render_learning
from bot.render import messages as render
from bot.render.messages import escape, quoted_question
from bot.render.texts import t
from tests.content_cache import parsed_once
from tests.fakebot import FakeBotAPI
from tests.harness import START, RunningBot, reply_text, running_bot

USER, ADMIN, ASHA = 501, 801, 802
GROUP, CHANNEL = -100111, -100222
BOT_NAME = "studybot_test_bot"
BANK: Bank = parsed_once(load_bank, DEFAULT_CONTENT_DIR)
#: Slugs that once stood in titles, "Khan Global Studies (khanglobalstudies)".
_PARENTHESISED_ID = re.compile(r"\(([a-z0-9.-]+)\)")


@pytest.fixture
async def bot(fake_api: FakeBotAPI, tmp_path: Path) -> Any:
    fake_api.add_private_chat(USER, "Asha", username="asha")
    fake_api.add_private_chat(ADMIN, "Admin")
    fake_api.add_group(GROUP, "UPSC Warriors", admins=[ADMIN], members={ASHA: "Asha"})
    fake_api.add_channel(CHANNEL, "IOM Daily", "iomdaily", admins=[ADMIN])
    async with running_bot(fake_api, tmp_path, ManualClock(START)) as running:
        yield running


def buttons(call: Any) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b.get("callback_data") or b.get("url", "") for row in markup.get("inline_keyboard", []) for b in row]


def labels(call: Any) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def texts(bot: RunningBot, chat_id: int) -> list[str]:
    return [str(c.params.get("text", "")) for c in bot.fake.calls_to(chat_id) if c.method == "sendMessage"]


# --- 1. sources read as titles, with links ------------------------------------------------------
def _everything_rendered(bank: Bank) -> list[str]:
    out = [render.fact(f, bank, "en") for f in bank.facts.values()]
    out += [render.full_explanation(q, bank, "en") for q in bank.questions.values()]
    out += [render_learning.full_explanation(q, bank, "en") for q in bank.questions.values()]
    out += [render.topic_page(x, "en", with_summary=True) for x in bank.topics.values()]
    out += [render_learning.mains_key_points(m, bank, "en") for m in bank.mains.values()]
    return out


def test_no_rendered_fact_explanation_page_or_key_points_holds_a_seed_file_name_or_slug() -> None:
    seeds = [s.ref for s in BANK.sources.values() if s.kind == "seed"]
    assert seeds, "the bank cites seeds"
    for text in _everything_rendered(BANK):
        assert not SEED_FILE_NAME.search(text), text[:200]
        assert not any(seed in text for seed in seeds)
        assert ".txt" not in text
        slugs = set(_PARENTHESISED_ID.findall(text)) & set(BANK.sources)
        assert not slugs, slugs


def test_a_source_with_a_public_address_is_cited_as_a_link() -> None:
    fact = next(f for f in BANK.facts.values() if any(BANK.sources[s].url for s in f.source))
    source = next(BANK.sources[s] for s in fact.source if BANK.sources[s].url)
    assert f'<a href="{source.url}">{escape(source.title)}</a>' in render.fact(fact, BANK, "en")


def test_every_source_has_a_human_title_and_any_link_is_https() -> None:
    for source in BANK.sources.values():
        assert not source.title.startswith("Seed ") and not _PARENTHESISED_ID.search(source.title), source.title
        assert source.url is None or source.url.startswith("https://")


@pytest.mark.parametrize("title", ["Seed 001_9acafe643c3ba91c.txt (IOM Nepal page)", "notes.txt"])
def test_a_source_titled_by_a_file_name_is_refused(title: str) -> None:
    with pytest.raises(ValidationError, match="file name"):
        Source(id="S9", kind="seed", ref="009_0123456789abcdef.txt", title=title)


def test_a_source_link_must_be_an_https_address() -> None:
    with pytest.raises(ValidationError):
        Source(id="x", kind="web", ref="x.org", title="X", url="javascript:alert(1)")


async def test_a_fact_in_the_chat_cites_titles_not_file_names_and_has_no_link_preview(bot: RunningBot) -> None:
    for _ in range(len(BANK.facts_in("iom-nepal"))):
        call = (await bot.say(USER, "/fact iom nepal"))[-1]
        text = str(call.params["text"])
        assert "Source:" in text and not SEED_FILE_NAME.search(text)
        assert call.params.get("link_preview_options", {}).get("is_disabled") is True
    assert any('<a href="https://nepal.iom.int">IOM Nepal</a>' in x for x in texts(bot, USER))


# --- 2. first contact -----------------------------------------------------------------------------
async def test_a_bare_help_in_a_group_is_left_to_other_bots(bot: RunningBot) -> None:
    before = len(bot.fake.calls_to(GROUP))
    await bot.say(GROUP, "/help", user_id=ASHA)
    await bot.say(GROUP, "/start", user_id=ASHA)
    assert len(bot.fake.calls_to(GROUP)) == before


async def test_help_at_the_bot_in_a_group_shows_members_the_group_commands_only(bot: RunningBot) -> None:
    text = reply_text(await bot.say(GROUP, f"/help@{BOT_NAME}", user_id=ASHA))
    assert "/quiz" in text and "/leaderboard" in text
    assert "/subscribe" not in text and "/settime" not in text and "For admins" not in text
    assert "/export" not in text  # private-only commands are not offered in a group


async def test_help_at_the_bot_in_a_group_gives_admins_their_settings_in_one_line(bot: RunningBot) -> None:
    text = reply_text(await bot.say(GROUP, f"/help@{BOT_NAME}", user_id=ADMIN))
    admin_line = next(line for line in text.splitlines() if "For admins" in line)
    assert "/subscribe" in admin_line and "/settime" in admin_line and "/settings" in admin_line
    assert text.count("/subscribe") == 1


# --- 3. short titles on buttons -------------------------------------------------------------------
def test_every_topic_has_a_short_title_that_fits_a_button() -> None:
    for topic in BANK.topics.values():
        assert 0 < len(topic.short_title) <= SHORT_TITLE_LENGTH, topic.id


def test_a_short_title_over_the_limit_is_refused() -> None:
    topic = BANK.topics["colombo-process"].model_dump()
    topic["short_title"] = "x" * (SHORT_TITLE_LENGTH + 1)
    with pytest.raises(ValidationError, match="short_title"):
        Topic.model_validate(topic)


async def test_every_button_naming_a_topic_uses_its_short_title(bot: RunningBot) -> None:
    shorts = {x.short_title for x in BANK.topics.values()}
    topics_call = (await bot.say(USER, "/topics"))[-1]
    assert set(labels(topics_call)) == shorts
    page = (await bot.say(USER, "/topic colombo"))[-1]
    related = [label.removeprefix("🔗 ") for label in labels(page) if label.startswith("🔗")]
    assert related and set(related) <= shorts
    assert all(len(label) <= SHORT_TITLE_LENGTH + 2 for label in labels(topics_call))


# --- 4. stats that agree with /review -------------------------------------------------------------
async def _wrong_answer_in_the_group(bot: RunningBot, user: int) -> None:
    before = len(bot.fake.calls("sendPoll", GROUP))
    bot.fake.send_text(GROUP, "/quiz", user_id=user)
    call = (await bot.fake.wait_for_async("sendPoll", lambda c: c.params.get("chat_id") == GROUP, before + 1))[-1]
    poll_id = call.result["poll"]["id"]
    poll = bot.fake.polls[poll_id]
    wrong = next(i for i in range(len(poll["options"])) if i not in poll["correct_option_ids"])
    await bot.answer(poll_id, user, [wrong])


async def test_private_stats_say_whose_and_where_and_all_chats_agrees_with_review(bot: RunningBot) -> None:
    bot.fake.add_private_chat(ASHA, "Asha")
    await _wrong_answer_in_the_group(bot, ASHA)
    calls = await bot.say(ASHA, "/stats")
    assert "not answered any questions in this private chat" in reply_text(calls)
    assert "st:all" in buttons(calls[-1])
    calls = await bot.press(ASHA, ASHA, calls[-1].result["message_id"], "st:all")
    text = reply_text(calls)
    assert "Your answers</b> in all chats" in text and "Answered: <b>1</b>" in text
    assert "st:here" in buttons(calls[-1])
    # /review draws on the same answer: one card, due after the short relearning step.
    assert await bot.ctx.repo.count_cards(ASHA) == 1
    bot.clock.advance(minutes=11)
    await bot.say(ASHA, "/review")
    assert any("<b>1 question</b> due for review" in x for x in texts(bot, ASHA))


async def test_group_stats_name_the_group_and_open_all_chats_in_private(bot: RunningBot) -> None:
    await _wrong_answer_in_the_group(bot, ASHA)
    calls = await bot.say(GROUP, "/stats", user_id=ASHA)
    assert "Your answers</b> in <b>UPSC Warriors</b>" in reply_text(calls)
    message = next(c for c in reversed(calls) if c.method == "sendMessage")
    assert f"https://t.me/{BOT_NAME}?start=stats_all" in buttons(message)
    bot.fake.add_private_chat(ASHA, "Asha")
    text = reply_text(await bot.say(ASHA, "/start stats_all"))
    assert "in all chats" in text and "Answered: <b>1</b>" in text


# --- 5. study pages -------------------------------------------------------------------------------
async def test_a_study_page_puts_the_takeaways_first_and_unfolds_the_summary(bot: RunningBot) -> None:
    topic = BANK.topics["colombo-process"]
    calls = await bot.say(USER, "/topic colombo")
    folded = reply_text(calls)
    assert folded.index("Key takeaways") < folded.index("Exam relevance")
    assert escape(topic.summary) not in folded and len(folded) < len(escape(topic.summary)) + 2000
    assert buttons(calls[-1])[0] == "sum:colombo-process"
    assert [b for b in buttons(calls[-1]) if b.startswith("page:")] == [f"page:{r}" for r in topic.related]
    calls = await bot.press(USER, USER, calls[-1].result["message_id"], "sum:colombo-process")
    edited = calls[-1]
    assert edited.method == "editMessageText"
    assert escape(topic.summary) in edited.params["text"]
    assert edited.params["text"].index("Key takeaways") < edited.params["text"].index("Summary")
    assert "sum:colombo-process" not in buttons(edited)


async def test_a_related_topic_button_opens_that_page(bot: RunningBot) -> None:
    topic = BANK.topics["colombo-process"]
    calls = await bot.say(USER, "/topic colombo")
    other = BANK.topics[topic.related[0]]
    calls = await bot.press(USER, USER, calls[-1].result["message_id"], f"page:{other.id}")
    assert escape(other.title) in reply_text(calls)


# --- 6. nonsense gets every topic, not arbitrary suggestions ---------------------------------------
@pytest.mark.parametrize(
    ("command", "prefix"),
    [
        ("/quiz", "quiz"),
        ("/fact", "fact"),
        ("/topic", "page"),
        ("/test", "ts"),
        ("/mains", "mn"),
        ("/subscribe", "sub"),
    ],
)
async def test_a_topic_like_nothing_gets_all_topic_buttons(bot: RunningBot, command: str, prefix: str) -> None:
    calls = await bot.say(USER, f"{command} nonexistent-topic")
    assert "Nothing here is like “nonexistent-topic”" in reply_text(calls)
    assert len(buttons(calls[-1])) == len(BANK.topics)
    assert all(b.startswith(prefix + ":") for b in buttons(calls[-1]))


async def test_a_near_miss_still_goes_to_its_topic(bot: RunningBot) -> None:
    assert "Colombo Process" in reply_text(await bot.say(USER, "/topic colmbo"))


# --- 7. the group push quotes yesterday's question ------------------------------------------------
async def test_the_group_push_quotes_yesterdays_question_before_its_answer(bot: RunningBot) -> None:
    await bot.say(GROUP, "/subscribe", user_id=ADMIN)
    bot.clock.set(dt.datetime(2026, 3, 2, 2, 30, tzinfo=dt.UTC))
    await bot.push_tick()
    poll_id = next(c for c in reversed(bot.fake.calls_to(GROUP)) if c.method == "sendPoll").result["poll"]["id"]
    await bot.answer(poll_id, ASHA, [bot.fake.polls[poll_id]["correct_option_ids"][0]])
    question = BANK.questions[(await bot.ctx.repo.get_poll(poll_id)).question_id]  # type: ignore[union-attr]
    bot.clock.set(dt.datetime(2026, 3, 3, 2, 30, tzinfo=dt.UTC))
    await bot.push_tick()
    push = next(x for x in reversed(texts(bot, GROUP)) if "Today's study" in x)
    quote = t("summary.question", question=escape(quoted_question(question)))
    assert quote in push and push.index(quote) < push.index("✅ Answer:")
    assert escape(question.question[:40]) in push


def test_a_long_question_is_quoted_shortened() -> None:
    longest = max(BANK.questions.values(), key=lambda q: len(q.statements_message()))
    quote = quoted_question(longest, limit=120)
    assert len(quote) <= 120 and quote.endswith("…")


# --- 8. channels ------------------------------------------------------------------------------------
async def test_a_channel_confirmation_is_worded_for_the_channel_and_silent(bot: RunningBot) -> None:
    bot.fake.send_text(CHANNEL, "/subscribe")
    calls = await bot.replies(CHANNEL, 1)
    confirmation = calls[0]
    assert "This channel gets" in confirmation.params["text"] and "You'll" not in confirmation.params["text"]
    assert confirmation.params.get("disable_notification") is True
    bot.fake.send_text(CHANNEL, "/settime 07:30")
    await bot.settle()
    assert all(c.get("disable_notification") is True for c in bot.fake.calls("sendMessage", CHANNEL))


async def test_stats_posted_in_a_channel_are_removed_after_a_few_minutes(bot: RunningBot) -> None:
    bot.fake.send_text(CHANNEL, "/stats")
    calls = await bot.replies(CHANNEL, 1)
    figures = next(c for c in calls if c.method == "sendMessage")
    assert "Quizzes posted" in figures.params["text"]
    await bot.settle()  # the removal is scheduled once the send has returned
    bot.clock.advance(seconds=CHANNEL_CONFIRMATION_TTL.total_seconds() + 1)
    await cleanup_tick(StudyContext(bot.application))
    removed = {c.params["message_id"] for c in bot.fake.calls_to(CHANNEL) if c.method == "deleteMessage"}
    assert figures.result["message_id"] in removed


async def test_a_channel_push_says_todays_study_and_opens_with_yesterdays_votes(bot: RunningBot) -> None:
    bot.fake.send_text(CHANNEL, "/subscribe")
    await bot.replies(CHANNEL, 1)
    bot.clock.set(dt.datetime(2026, 3, 2, 2, 30, tzinfo=dt.UTC))
    await bot.push_tick()
    poll_id = next(c for c in reversed(bot.fake.calls_to(CHANNEL)) if c.method == "sendPoll").result["poll"]["id"]
    correct = bot.fake.polls[poll_id]["correct_option_ids"][0]
    bot.fake.vote_anonymous(poll_id, correct)
    bot.fake.vote_anonymous(poll_id, correct)
    bot.fake.vote_anonymous(poll_id, (correct + 1) % len(bot.fake.polls[poll_id]["options"]))
    await bot.settle()
    bot.clock.set(dt.datetime(2026, 3, 3, 2, 30, tzinfo=dt.UTC))
    await bot.push_tick()
    push = next(x for x in reversed(texts(bot, CHANNEL)) if "Today's study" in x)
    assert "Your daily study" not in push
    assert "Yesterday's quiz: 3 votes, 67% correct." in push
    assert "❓" in push and "✅ Answer:" in push


def test_every_unfolded_study_page_fits_one_message_and_the_folded_one_is_short() -> None:
    for topic in BANK.topics.values():
        assert len(render.topic_page(topic, "en", with_summary=True)) <= MessageLimit.MAX_TEXT_LENGTH, topic.id
        assert len(render.topic_page(topic, "en")) < len(render.topic_page(topic, "en", with_summary=True))
        assert escape(topic.summary) not in render.topic_page(topic, "en")
