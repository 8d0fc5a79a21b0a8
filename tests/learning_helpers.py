"""Helpers for the learning tests: the real content bank and answers recorded the way the bot does."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from bot.config import DEFAULT_CONTENT_DIR
from bot.content.loader import Bank, load_bank
from bot.content.models import Question
from bot.services.study import AnswerOutcome, StudyService
from tests.content_cache import parsed_once

#: A Monday morning in India.
NOW = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)


def bank() -> Bank:
    """The real content bank, loaded once per session (it is never changed)."""
    return parsed_once(load_bank, DEFAULT_CONTENT_DIR)


def questions(topic_id: str | None = None, count: int = 2) -> list[Question]:
    return sorted(bank().questions_in(topic_id), key=lambda q: q.id)[:count]


async def answer(
    study: StudyService,
    question: Question,
    user_id: int,
    *,
    correct: bool,
    now: dt.datetime,
    chat_id: int | None = None,
    purpose: str = "quiz",
    poll_id: str | None = None,
) -> AnswerOutcome:
    """Register a poll for ``question`` and record the user's answer to it, right or wrong."""
    plan = study.plan_quiz(question)
    record = await study.register_poll(
        plan,
        poll_id=poll_id or uuid.uuid4().hex,
        chat_id=user_id if chat_id is None else chat_id,
        message_id=1,
        now=now,
        purpose=purpose,
        requested_by=user_id,
    )
    shown = plan.correct if correct else (plan.correct + 1) % len(plan.options)
    outcome = await study.record_answer(record.poll_id, user_id, [shown], now)
    assert outcome is not None
    return outcome


def latest_poll(fake: Any, chat_id: int) -> tuple[str, dict[str, Any]]:
    """The newest poll the bot sent to a chat of the fake Bot API: (poll id, its record)."""
    found = [(pid, p) for pid, p in fake.polls.items() if p["chat_id"] == chat_id]
    assert found, f"no poll in chat {chat_id}"
    return max(found, key=lambda item: item[1]["message_id"])


def wrong_option(poll: dict[str, Any]) -> int:
    correct = poll["correct_option_ids"][0]
    return (correct + 1) % len(poll["options"])
