"""Sending a fact or a quiz to a chat: the one place that turns content into Bot API calls.

Both the on-demand commands and the daily push use these, so a quiz looks the same wherever it
comes from and every poll the bot sends is registered for answer checking.
"""

from __future__ import annotations

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode, PollType

from bot import render
from bot.content.models import Fact, Question
from bot.context import AppContext
from bot.services.study import QuizPlan
from bot.storage.repository import PollRecord


async def send_fact(
    bot: Bot, ctx: AppContext, chat_id: int, fact: Fact, keyboard: InlineKeyboardMarkup | None = None
) -> Message:
    return await bot.send_message(
        chat_id, render.fact(fact, ctx.bank), parse_mode=ParseMode.HTML, reply_markup=keyboard
    )


async def send_quiz(
    bot: Bot,
    ctx: AppContext,
    chat_id: int,
    question: Question,
    *,
    anonymous: bool = False,
    purpose: str = "quiz",
    requested_by: int | None = None,
    open_period: int | None = None,
) -> tuple[PollRecord, QuizPlan]:
    """Send a native quiz poll (with its statements first when they do not fit) and register it."""
    plan = ctx.study.plan_quiz(question)
    if plan.intro is not None:
        await bot.send_message(chat_id, render.statements_intro(question, ctx.bank), parse_mode=ParseMode.HTML)
    message = await bot.send_poll(
        chat_id,
        plan.poll_question,
        plan.options,
        is_anonymous=anonymous,
        type=PollType.QUIZ,
        correct_option_ids=[plan.correct],  # type: ignore[list-item]
        explanation=plan.explanation,
        open_period=open_period,
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
