"""The daily push as Telegram messages: a fact with a header and footer, then the day's quiz.

Telegram's answers are translated into the push service's terms here: a chat that blocked or
removed the bot is ``ChatGone``; a group that became a supergroup is ``ChatMoved``; floods,
timeouts and server errors are ``TryLater``.
"""

from __future__ import annotations

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.context import AppContext
from bot.delivery.sender import SEND_ATTEMPTS, send_quiz, with_retries
from bot.render import messages as render
from bot.render.messages import escape, safe_name
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


def make_deliver(bot: Bot, ctx: AppContext) -> Deliver:
    async def deliver(push: DuePush) -> None:
        try:
            await send_daily(bot, ctx, push)
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

    return deliver


async def footer(ctx: AppContext, push: DuePush) -> str | None:
    chat = push.chat
    if chat.is_channel:
        return None
    if chat.is_group:
        return t("push.group_nudge")
    tz = ctx.chat_tz(chat)
    # In a private chat the chat id is the user's id.
    streak = await ctx.stats.current_streak(chat.chat_id, chat.chat_id, tz, ctx.now())
    line = t("push.streak", days=streak) if streak else t("push.nudge")
    due = await ctx.learning.review.due_count(chat.chat_id, ctx.now())
    if due:
        line += "\n" + t("push.review_due", count=due)
    return line


async def group_summary(ctx: AppContext, push: DuePush) -> str | None:
    """How the group did on the previous daily quiz, with its answer (and full explanation)."""
    summary = await ctx.groups.yesterday(push.chat.chat_id, before=ctx.now())
    if summary is None:
        return None
    if summary.answered:
        fastest = t("summary.fastest", name=safe_name(summary.fastest)) if summary.fastest else ""
        percent = round(100 * summary.correct / summary.answered)
        lines = [t("summary.yesterday", answered=summary.answered, percent=percent, fastest=fastest)]
    else:
        lines = [t("summary.none")]
    question = ctx.bank.questions.get(summary.question_id)
    if question is not None:
        lines.append(t("summary.answer", answer=escape(question.options[question.answer])))
        lines.append(escape(question.full_text))
    return "\n".join(lines)


async def send_daily(bot: Bot, ctx: AppContext, push: DuePush) -> None:
    chat = push.chat
    now = ctx.now()
    fact = await ctx.study.next_fact(chat.chat_id, chat.push_topic, now)
    question = await ctx.study.next_question(chat.chat_id, chat.push_topic, now)
    parts = [t("push.header", date=escape(push.local_date.strftime("%A %d %B")))]
    if chat.is_group and (summary := await group_summary(ctx, push)):
        parts.append(summary)
    if push.late:
        parts.append(t("push.late", time=push.scheduled.strftime("%H:%M")))
    if fact is not None:
        parts.append(render.fact(fact, ctx.bank))
    line = await footer(ctx, push)
    if line:
        parts.append(line)
    text = "\n\n".join(parts)
    await with_retries(lambda: bot.send_message(chat.chat_id, text), SEND_ATTEMPTS)
    if question is not None:
        await send_quiz(
            bot, ctx, chat.chat_id, question, anonymous=chat.is_channel, purpose="push", attempts=SEND_ATTEMPTS
        )
