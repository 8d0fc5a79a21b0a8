"""End to end: inline mode, deep links and the Share buttons under facts and topic pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.app import ALLOWED_UPDATES
from bot.render.texts import t
from tests.fakebot import Call, FakeBotAPI
from tests.harness import RunningBot, reply_text, running_bot

USER = 501
GROUP = -100777


@pytest.fixture
async def bot(fake_api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[RunningBot]:
    fake_api.add_private_chat(USER, "Asha", username="asha")
    fake_api.add_group(GROUP, "UPSC 2027", admins=[USER])
    async with running_bot(fake_api, tmp_path) as running:
        yield running


def buttons(call: Call) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def inline(bot: RunningBot, query: str, user_id: int = USER) -> list[dict[str, Any]]:
    await bot.settle()
    update = bot.fake.send_inline_query(user_id, query)
    await bot.handled(update)
    return list(bot.fake.inline_answers[update["inline_query"]["id"]]["results"])


def start_payload(url: str) -> str:
    parts = urlsplit(url)
    assert parts.netloc == "t.me"
    return parse_qs(parts.query)["start"][0]


async def poll_after(bot: RunningBot, text: str, chat_id: int = USER) -> str:
    """Send ``text``; the question id of the poll it brings."""
    before = len(bot.fake.calls("sendPoll"))
    bot.fake.send_text(chat_id, text, user_id=USER)
    polls = await bot.fake.wait_for_async("sendPoll", count=before + 1)
    await bot.settle()
    record = await bot.ctx.repo.get_poll(polls[-1].result["poll"]["id"])
    assert record is not None
    return record.question_id


# --- inline mode ----------------------------------------------------------------------------------
async def test_polling_asks_for_inline_queries(bot: RunningBot) -> None:
    assert "inline_query" in ALLOWED_UPDATES
    assert "inline_query" in (bot.fake.last_allowed_updates or [])


async def test_an_inline_query_lists_the_facts_of_the_topic_it_finds(bot: RunningBot) -> None:
    results = await inline(bot, "colombo")
    expected = {f.id for f in bot.ctx.bank.facts_in("colombo-process")}
    assert {r["id"] for r in results} == expected
    for result in results:
        fact = bot.ctx.bank.facts[result["id"]]
        assert "Source:" in result["text"] or "📚" in result["text"]
        assert bot.ctx.bank.cite(fact.source).split(";")[0][:20] in result["text"]
        (button,) = result["reply_markup"]["inline_keyboard"][0]
        assert button["text"] == t("button.quiz_me_on_this")
        assert start_payload(button["url"]) == "quiz_colombo-process"


async def test_an_inline_query_is_as_typo_tolerant_as_topic(bot: RunningBot) -> None:
    best = bot.ctx.study.find_topic("cptsu", "en").best
    assert best is not None
    results = await inline(bot, "cptsu")
    assert results and {bot.ctx.bank.facts[r["id"]].topic for r in results} == {best.id}


async def test_an_empty_inline_query_offers_todays_fact_and_a_few_others(bot: RunningBot) -> None:
    results = await inline(bot, "")
    today = bot.ctx.study.todays_fact(bot.clock.now().astimezone(bot.ctx.settings.tz).date())
    assert today is not None
    assert results[0]["id"] == today.id and 1 < len(results) <= 5
    bot.clock.advance(days=1)
    assert (await inline(bot, ""))[0]["id"] != today.id


async def test_an_inline_query_that_matches_nothing_is_answered_with_no_results(bot: RunningBot) -> None:
    assert await inline(bot, "qqqqqqqqzzzz") == []


# --- Share buttons --------------------------------------------------------------------------------
async def test_a_fact_has_a_share_button_whose_query_brings_that_fact_inline(bot: RunningBot) -> None:
    calls = await bot.say(USER, "/fact colombo")
    (share,) = [b for b in buttons(calls[-1]) if "switch_inline_query" in b]
    assert share["text"] == t("button.share")
    results = await inline(bot, share["switch_inline_query"])
    assert [r["id"] for r in results] == [share["switch_inline_query"]]
    assert results[0]["text"] == calls[-1].result["text"]  # the very message /fact sent


async def test_a_topic_page_has_a_share_button_with_its_facts(bot: RunningBot) -> None:
    calls = await bot.say(USER, "/topic iom nepal")
    (share,) = [b for b in buttons(calls[-1]) if "switch_inline_query" in b]
    results = await inline(bot, share["switch_inline_query"])
    assert {bot.ctx.bank.facts[r["id"]].topic for r in results} == {"iom-nepal"}


# --- deep links -----------------------------------------------------------------------------------
async def test_a_topic_link_opens_the_topic_page(bot: RunningBot) -> None:
    text = reply_text(await bot.say(USER, "/start topic_iom-nepal"))
    assert bot.ctx.bank.topics["iom-nepal"].title in text and "Namaste" not in text


async def test_a_quiz_link_sends_a_quiz_on_that_topic(bot: RunningBot) -> None:
    question_id = await poll_after(bot, "/start quiz_colombo-process")
    assert bot.ctx.bank.questions[question_id].topic == "colombo-process"


async def test_a_question_link_sends_that_very_question(bot: RunningBot) -> None:
    question_id = sorted(bot.ctx.bank.questions)[7]
    assert await poll_after(bot, f"/start q_{question_id}") == question_id


@pytest.mark.parametrize("payload", ["topic_nosuch", "quiz_nosuch", "q_nosuch"])
async def test_a_link_to_something_the_bank_lacks_gets_the_greeting(bot: RunningBot, payload: str) -> None:
    assert "Namaste, Asha!" in reply_text(await bot.say(USER, f"/start {payload}"))
