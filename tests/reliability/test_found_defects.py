"""Regression tests for what the generated updates found, one behaviour each (see README.md's list)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.render.texts import t
from tests.reliability.botkit import ASHA, OPERATOR, LiveBot, live_bot
from tests.reliability.generated import Press, Run, Say, perform


@pytest.fixture
async def run(tmp_path: Path) -> AsyncIterator[Run]:
    async with live_bot(tmp_path / "store.sqlite3") as live:
        yield Run(live, delivered=[])


def newest_message(live: LiveBot, chat_id: int) -> dict[str, Any]:
    return live.fake.sent_messages(chat_id)[-1]


def button_data(message: dict[str, Any]) -> list[str]:
    return [
        b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row if "callback_data" in b
    ]


def clean(run: Run) -> None:
    assert run.live.unexpected_errors(faults_injected=False) == []
    assert run.live.rejected_calls(faults_injected=False) == []


async def test_a_second_read_the_summary_press_edits_nothing(run: Run) -> None:
    await perform(run, Say("asha", "asha", "/topic colombo", "auto"))
    page = newest_message(run.live, ASHA)
    summary = next(d for d in button_data(page) if d.startswith("sum:"))
    await perform(run, Press("asha", "asha", "own_with_buttons", 0, summary))
    edits = len(run.live.fake.calls("editMessageText", ASHA))
    await perform(run, Press("asha", "asha", "own_with_buttons", 0, summary))  # the unfolded page, pressed again
    assert len(run.live.fake.calls("editMessageText", ASHA)) == edits == 1
    assert len(run.live.fake.callback_answers) == 2  # each press answered
    clean(run)


async def test_a_button_pressed_under_a_poll_is_answered_as_stale_and_edits_nothing(run: Run) -> None:
    await perform(run, Say("operator", "operator", "/forget", "auto"))
    cancel = next(d for d in button_data(newest_message(run.live, OPERATOR)) if d.endswith(":no"))
    await perform(run, Say("asha", "asha", "/quiz", "auto"))
    await perform(run, Press("asha", "asha", "poll", 0, cancel))
    assert run.live.fake.calls("editMessageText") == []
    assert list(run.live.fake.callback_answers.values())[-1].get("text") == t("error.stale_button")
    clean(run)


async def test_a_button_under_an_inaccessible_message_sends_its_outcome_as_a_new_message(run: Run) -> None:
    await perform(run, Say("asha", "asha", "/topic colombo", "auto"))
    summary = next(d for d in button_data(newest_message(run.live, ASHA)) if d.startswith("sum:"))
    sent = len(run.live.fake.sent_messages(ASHA))
    await perform(run, Press("asha", "asha", "missing", 0, summary))  # Telegram sends it with date 0
    callback = run.delivered[-1]["callback_query"]
    assert callback["message"]["date"] == 0
    assert run.live.fake.calls("editMessageText") == []
    assert len(run.live.fake.sent_messages(ASHA)) == sent + 1  # the unfolded page, anew
    clean(run)


async def test_ptb_reads_an_inaccessible_message_as_a_message_dated_zero(run: Run) -> None:
    """Why ``isinstance(query.message, Message)`` is no test of whether it can be edited."""
    await perform(run, Press("asha", "asha", "missing", 0, "sum:colombo-process"))
    update = Update.de_json(run.delivered[-1], run.live.run.application.bot)
    assert update.callback_query is not None and update.callback_query.message is not None
    assert not update.callback_query.message.is_accessible


async def test_a_press_under_a_message_the_user_wrote_is_answered_as_stale_and_edits_nothing(run: Run) -> None:
    await perform(run, Say("asha", "asha", "/settings", "auto"))
    await perform(run, Press("asha", "asha", "incoming", 0, "set:size:10"))  # under Asha's own "/settings"
    assert run.live.fake.calls("editMessageText") == []
    assert list(run.live.fake.callback_answers.values())[-1].get("text") == t("error.stale_button")
    clean(run)


async def test_choosing_the_language_a_chat_already_reads_by_default_edits_nothing(run: Run) -> None:
    await perform(run, Say("asha", "asha", "/settings", "auto"))
    english = next(d for d in button_data(newest_message(run.live, ASHA)) if d == "set:lang:en")
    await perform(run, Press("asha", "asha", "own_with_buttons", 0, english))
    assert run.live.query("SELECT language FROM chats WHERE chat_id = ?", ASHA) == [("en",)]  # now a choice
    assert run.live.fake.calls("editMessageText") == []  # yet the page reads the same
    clean(run)


async def test_a_language_pressed_twice_edits_once(run: Run) -> None:
    await perform(run, Say("asha", "asha", "/language", "auto"))
    hindi = next(d for d in button_data(newest_message(run.live, ASHA)) if d.endswith(":hi"))
    await perform(run, Press("asha", "asha", "own_with_buttons", 0, hindi))
    await perform(run, Press("asha", "asha", "own_with_buttons", 0, hindi))  # the page says so already
    assert len(run.live.fake.calls("editMessageText")) == 1
    clean(run)
