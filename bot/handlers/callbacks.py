"""Inline buttons: ``page:<topic>``, ``fact:<topic|*>``, ``quiz:<topic|*>``."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import ALL, app_ctx, reply, topic_actions
from bot.handlers.groups import within_cooldown
from bot.handlers.study import deliver_fact, deliver_quiz
from bot.render import messages as render
from bot.render.texts import t

ACTIONS = ("page", "fact", "quiz")


def parse(data: str | None, topic_ids: set[str]) -> tuple[str, str] | None:
    """(action, topic id) from callback data, or None when it is stale or tampered with."""
    if not data:
        return None
    action, _, topic_id = data.partition(":")
    if action not in ACTIONS or not (topic_id in topic_ids or (topic_id == ALL and action != "page")):
        return None
    return action, topic_id


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    ctx = app_ctx(context)
    parsed = parse(query.data, set(ctx.bank.topics))
    chat = update.effective_chat
    if parsed is None or chat is None:
        await query.answer(t("error.stale_button"), show_alert=False)
        return
    action, topic_id = parsed
    if action != "page" and await within_cooldown(update, context, action):
        return
    await query.answer()
    if action == "page":
        topic = ctx.bank.topics[topic_id]
        await reply(update, render.topic_page(topic, ctx.bank), topic_actions(topic_id))
    elif action == "fact":
        await deliver_fact(context, chat, topic_id)
    else:
        await deliver_quiz(context, chat, topic_id, query.from_user.id)
