"""poll_answer updates: each member's answer to a quiz the bot sent, stored once."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import StudyContext
from bot.delivery.learning import after_answer

log = logging.getLogger(__name__)


async def on_poll_answer(update: Update, context: StudyContext) -> None:
    answer = update.poll_answer
    if answer is None or answer.user is None or answer.voter_chat is not None:
        return  # an answer on behalf of a chat has no member to credit
    ctx = context.app
    # The member is kept on record here rather than by group -1's remember (registry.RememberHandler).
    user = answer.user
    if not user.is_bot:
        await ctx.chat_settings.record_user(user.id, user.first_name, user.username)
    # The answer and its review card are stored together.
    review = ctx.learning.review.rescheduler
    outcome = await ctx.study.record_answer(answer.poll_id, user.id, list(answer.option_ids), ctx.now(), review)
    if outcome is None:
        log.debug("ignored poll answer for poll %s", answer.poll_id)
        return
    # The full explanation, the next review card or mock-test question.
    await after_answer(context.bot, ctx, outcome)
