"""Inline mode: ``@<bot> colombo`` in any chat lists matching facts a student can send."""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import InlineQueryLimit

from bot.content.twins import twin
from bot.context import StudyContext
from bot.handlers.support import MAX_ARGUMENT_LENGTH, chat_language
from bot.render import keyboards
from bot.render import messages as render

#: Telegram may cache the results this long (for the one who asked: they are in their language).
CACHE_SECONDS = 300


async def on_inline_query(update: Update, context: StudyContext) -> None:
    """Facts matching the query (the same fuzzy search as /topic), each with its source and a
    "Quiz me on this" button that opens the private chat with a quiz on its topic."""
    query = update.inline_query
    if query is None:
        return
    ctx = context.app
    # No chat here: the facts read in the language of the asker's private chat.
    lang = await chat_language(update, context)
    bank = ctx.bank_in(lang)
    text = query.query[:MAX_ARGUMENT_LENGTH]
    today = ctx.now().astimezone(ctx.settings.tz).date()
    facts = [twin(bank, f) for f in ctx.study.inline_facts(text, today, InlineQueryLimit.RESULTS, lang)]
    username = context.bot.username or ""
    results = [
        InlineQueryResultArticle(
            id=fact.id,  # content ids are short and unique, well within Telegram's 64 bytes
            title=bank.topics[fact.topic].title,
            description=render.inline_description(fact),
            input_message_content=InputTextMessageContent(render.fact(fact, bank, lang)),
            reply_markup=keyboards.quiz_me(username, fact.topic, lang),
        )
        for fact in facts
    ]
    # Personal: another asker may read another language, so one asker's results are not everyone's.
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=True)
