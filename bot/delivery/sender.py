"""Sending a fact or a quiz to a chat: the one place that turns content into Bot API calls.

Both the on-demand commands and the daily push use these, so a quiz looks the same wherever it
comes from and every poll the bot sends is registered for answer checking.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Bot, InlineKeyboardMarkup, InputPollOption, Message
from telegram.constants import PollType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.content.models import Fact, Question
from bot.content.twins import twin
from bot.context import AppContext
from bot.render import messages as render
from bot.services.study import QuizPlan
from bot.storage.repository import PollRecord

T = TypeVar("T")


#: The daily push tries each Bot API call this often on network errors and 5xx answers before the
#: chat is left for the next tick; flood waits are retried by the rate limiter instead.
SEND_ATTEMPTS = 3
RETRY_DELAY_S = 0.25


async def with_retries(call: Callable[[], Awaitable[T]], attempts: int = 1) -> T:
    """Await ``call()``, again after a short backoff when the network or Telegram's server failed."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except (RetryAfter, Forbidden, BadRequest):
            raise
        except NetworkError:
            if attempt == attempts:
                raise
            await asyncio.sleep(RETRY_DELAY_S * 2 ** (attempt - 1))
    raise ValueError("attempts must be at least 1")


async def send_fact(
    bot: Bot, ctx: AppContext, chat_id: int, fact: Fact, lang: str, keyboard: InlineKeyboardMarkup | None = None
) -> Message:
    """A fact (chosen by id, in any language) as the chat reads it."""
    bank = ctx.bank_in(lang)
    return await bot.send_message(chat_id, render.fact(twin(bank, fact), bank, lang), reply_markup=keyboard)


async def send_quiz(
    bot: Bot,
    ctx: AppContext,
    chat_id: int,
    question: Question,
    lang: str,
    *,
    anonymous: bool = False,
    purpose: str = "quiz",
    requested_by: int | None = None,
    open_period: int | None = None,
    attempts: int = 1,
    label: str | None = None,
) -> tuple[PollRecord, QuizPlan]:
    """Send a native quiz poll (with its statements first when they do not fit) and register it.

    The question (chosen by id, in any language) is asked as the chat reads it: its text in
    ``lang``, its answer and option order shared by every language, so the answer is checked
    and recorded the same whatever the language. Each of the two calls is retried on its own,
    so a failed poll never repeats the statements.
    """
    bank = ctx.bank_in(lang)
    plan = ctx.study.plan_quiz(twin(bank, question), label)
    if plan.intro is not None:
        intro = render.quiz_intro(plan, bank, lang)
        await with_retries(lambda: bot.send_message(chat_id, intro), attempts)
    message = await with_retries(
        lambda: bot.send_poll(
            chat_id,
            plan.poll_question,
            # Poll texts are plain content, never HTML: the Defaults' parse mode is switched off.
            [InputPollOption(option, text_parse_mode=None) for option in plan.options],
            is_anonymous=anonymous,
            type=PollType.QUIZ,
            correct_option_ids=[plan.correct],  # type: ignore[list-item]
            explanation=plan.explanation,
            explanation_parse_mode=None,
            question_parse_mode=None,
            open_period=open_period,
        ),
        attempts,
    )
    if message.poll is None:  # pragma: no cover - Telegram always returns the poll
        raise RuntimeError("sendPoll returned no poll")
    record = await ctx.study.register_poll(
        plan,
        poll_id=message.poll.id,
        chat_id=chat_id,
        message_id=message.message_id,
        now=ctx.now(),
        purpose=purpose,
        requested_by=requested_by,
        anonymous=anonymous,
    )
    return record, plan
