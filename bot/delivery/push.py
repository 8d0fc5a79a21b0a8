"""The daily push as Telegram messages: a fact with a header and footer, then the day's quiz.

Telegram's answers are translated into the push service's terms here: a chat that blocked or
removed the bot is ``ChatGone``; a group that became a supergroup is ``ChatMoved``; floods,
timeouts and server errors are ``TryLater``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.context import AppContext
from bot.delivery.sender import SEND_ATTEMPTS, send_quiz, with_retries
from bot.render import messages as render
from bot.render.texts import t
from bot.services.push import ChatGone, ChatMoved, Deliver, DuePush, TryLater

#: BadRequest descriptions that mean the chat is gone for good.
_GONE = (
    "chat not found",
    "bot was kicked",
    "not enough rights to send",
    "have no rights to send",
    "chat_write_forbidden",
)


@contextmanager
def telegram_outcomes() -> Iterator[None]:
    """Telegram's answers in the push service's terms (the daily push and broadcasts)."""
    try:
        yield
    except ChatMigrated as exc:
        raise ChatMoved(exc.new_chat_id) from exc
    except Forbidden as exc:
        raise ChatGone(exc.message) from exc
    except BadRequest as exc:
        if any(marker in exc.message.lower() for marker in _GONE):
            raise ChatGone(exc.message) from exc
        raise
    except RetryAfter as exc:
        raise TryLater(f"flood wait: {exc.message}") from exc
    except NetworkError as exc:  # includes timeouts and Telegram's 5xx answers
        raise TryLater(exc.message) from exc


def make_deliver(bot: Bot, ctx: AppContext) -> Deliver:
    async def deliver(push: DuePush) -> None:
        with telegram_outcomes():
            await send_daily(bot, ctx, push)

    return deliver


async def daily_view(ctx: AppContext, push: DuePush) -> render.DailyPush:
    """What today's push says, gathered from the services: the fact, yesterday's result (groups and channels),
    the streak and the reviews due (private chats)."""
    chat, now = push.chat, ctx.now()
    view = render.DailyPush(
        local_date=push.local_date,
        late_since=push.scheduled if push.late else None,
        fact=await ctx.study.next_fact(chat.chat_id, chat.push_topic, now),
        kind="channel" if chat.is_channel else "group" if chat.is_group else "private",
    )
    if chat.is_group or chat.is_channel:
        return replace(view, yesterday=await ctx.groups.yesterday(chat.chat_id, before=now))
    # In a private chat the chat id is the user's id.
    streak = await ctx.stats.current_streak(chat.chat_id, chat.chat_id, ctx.chat_tz(chat), now)
    return replace(view, streak=streak, due_reviews=await ctx.learning.review.due_count(chat.chat_id, now))


async def send_daily(bot: Bot, ctx: AppContext, push: DuePush) -> None:
    chat = push.chat
    view = await daily_view(ctx, push)
    # The chat's push size: 1, 5 or 10 questions, each the next of the no-repeat rotation.
    questions = [await ctx.study.next_question(chat.chat_id, chat.push_topic, ctx.now()) for _ in range(chat.push_size)]
    # The daily push reads in the chat's language; what it chose (by id) is the same in any.
    lang = ctx.chat_settings.language(chat)
    bank = ctx.bank_in(lang)
    text = render.daily_push(view, bank, lang)
    await with_retries(lambda: bot.send_message(chat.chat_id, text), SEND_ATTEMPTS)
    chosen = [q for q in questions if q is not None]
    for n, question in enumerate(chosen, 1):
        label = t("test.label", lang, n=n, size=len(chosen)) if len(chosen) > 1 else None
        await send_quiz(
            bot,
            ctx,
            chat.chat_id,
            question,
            lang,
            anonymous=chat.is_channel,
            purpose="push",
            attempts=SEND_ATTEMPTS,
            label=label,
        )
