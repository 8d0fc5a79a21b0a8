"""Inline mode: ``@<bot> colombo`` in any chat lists matching facts a student can send."""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import InlineQueryLimit

from bot.context import StudyContext
from bot.handlers.support import MAX_ARGUMENT_LENGTH
from bot.render import keyboards
from bot.render import messages as render

#: The results do not depend on who asks, so Telegram may cache them for everyone this long.
CACHE_SECONDS = 300


async def on_inline_query(update: Update, context: StudyContext) -> None:
    """Facts matching the query (the same fuzzy search as /topic), each with its source and a
    "Quiz me on this" button that opens the private chat with a quiz on its topic."""
    query = update.inline_query
    if query is None:
        return
    ctx = context.app
    text = query.query[:MAX_ARGUMENT_LENGTH]
    facts = ctx.study.inline_facts(text, ctx.now().astimezone(ctx.settings.tz).date(), InlineQueryLimit.RESULTS)
    username = context.bot.username or ""
    results = [
        InlineQueryResultArticle(
            id=fact.id,  # content ids are short and unique, well within Telegram's 64 bytes
            title=ctx.bank.topics[fact.topic].title,
            description=render.inline_description(fact),
            input_message_content=InputTextMessageContent(render.fact(fact, ctx.bank)),
            reply_markup=keyboards.quiz_me(username, fact.topic),
        )
        for fact in facts
    ]
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=False)
