"""poll_answer updates: each member's answer to a quiz the bot sent, stored once."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.delivery.learning import after_answer
from bot.handlers.common import app_ctx

log = logging.getLogger(__name__)


async def on_poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    answer = update.poll_answer
    if answer is None or answer.user is None or answer.voter_chat is not None:
        return  # an answer on behalf of a chat has no member to credit
    ctx = app_ctx(context)
    await ctx.repo.upsert_user(answer.user.id, answer.user.first_name, answer.user.username)
    outcome = await ctx.study.record_answer(answer.poll_id, answer.user.id, list(answer.option_ids), ctx.now())
    if outcome is None:
        log.debug("ignored poll answer for poll %s", answer.poll_id)
        return
    # The review card, the full explanation, the next review card or mock-test question.
    await after_answer(context.bot, ctx, outcome)
