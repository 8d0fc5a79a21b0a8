"""/fact, /quiz, /topics, /topic and their inline buttons."""

from __future__ import annotations

from telegram import Chat, Update
from telegram.ext import ContextTypes

from bot.content.search import SearchResult
from bot.delivery.sender import send_fact, send_quiz
from bot.handlers.common import (
    ALL,
    MAX_ARGUMENT_LENGTH,
    app_ctx,
    argument,
    reply,
    topic_actions,
    topic_buttons,
)
from bot.handlers.groups import within_cooldown
from bot.render import messages as render
from bot.render.messages import escape
from bot.render.texts import t


async def resolve_topic(update: Update, context: ContextTypes.DEFAULT_TYPE, action: str) -> str | None:
    """The topic named in the command's argument: ``ALL`` when none, None when we asked the user to pick."""
    query = argument(context)
    if not query:
        return ALL
    if len(query) > MAX_ARGUMENT_LENGTH:
        await reply(update, t("error.too_long"))
        return None
    result = app_ctx(context).study.find_topic(query)
    if result.best is not None:
        return result.best.id
    await _ask_to_pick(update, query, result, action)
    return None


async def _ask_to_pick(update: Update, query: str, result: SearchResult, action: str) -> None:
    """No clear match: say so and offer the closest topics as buttons, never silence."""
    key = "topic.choose" if result.ambiguous else "topic.not_found"
    await reply(update, t(key, query=escape(query)), topic_buttons(result.choices, action))


async def fact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await within_cooldown(update, context, "fact"):
        return
    topic_id = await resolve_topic(update, context, "fact")
    if topic_id is not None and update.effective_chat:
        await deliver_fact(context, update.effective_chat, topic_id)


async def quiz(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await within_cooldown(update, context, "quiz"):
        return
    topic_id = await resolve_topic(update, context, "quiz")
    if topic_id is not None and update.effective_chat:
        user = update.effective_user
        await deliver_quiz(context, update.effective_chat, topic_id, user.id if user else None)


async def deliver_fact(context: ContextTypes.DEFAULT_TYPE, chat: Chat, topic_id: str) -> None:
    ctx = app_ctx(context)
    item = await ctx.study.next_fact(chat.id, None if topic_id == ALL else topic_id, ctx.now())
    if item is None:
        await context.bot.send_message(chat.id, t("error.empty_scope"))
        return
    await send_fact(context.bot, ctx, chat.id, item, topic_actions(item.topic))


async def deliver_quiz(context: ContextTypes.DEFAULT_TYPE, chat: Chat, topic_id: str, requested_by: int | None) -> None:
    ctx = app_ctx(context)
    question = await ctx.study.next_question(chat.id, None if topic_id == ALL else topic_id, ctx.now())
    if question is None:
        await context.bot.send_message(chat.id, t("error.empty_scope"))
        return
    # Telegram allows only anonymous polls in channels.
    anonymous = chat.type == Chat.CHANNEL
    await send_quiz(context.bot, ctx, chat.id, question, anonymous=anonymous, requested_by=requested_by)


async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    all_topics = list(app_ctx(context).bank.topics.values())
    await reply(update, render.topic_list(all_topics), topic_buttons(all_topics))


async def topic(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = app_ctx(context)
    query = argument(context)
    if not query:
        await topics(update, context)
        return
    if len(query) > MAX_ARGUMENT_LENGTH:
        await reply(update, t("error.too_long"))
        return
    result = ctx.study.find_topic(query)
    if result.best is None:
        await _ask_to_pick(update, query, result, "page")
        return
    await reply(update, render.topic_page(result.best, ctx.bank), topic_actions(result.best.id))
