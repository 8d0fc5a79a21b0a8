"""Group quiz sessions as Bot API calls: the intro, each question in turn, and the ranking.

The /quiz and /test handlers start and stop sessions through here, and the timer job sends the
next question when one's time is up, so a session moves the same way whoever drives it.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.context import AppContext
from bot.delivery.sender import send_quiz
from bot.render import messages as render
from bot.render.texts import t
from bot.services.quiz_session import SessionRanking, SessionStep

log = logging.getLogger(__name__)


async def start_session(bot: Bot, ctx: AppContext, chat_id: int, topic_id: str | None, size: int, lang: str) -> None:
    """The intro and the first question, or why not (a session is already running)."""
    started = await ctx.learning.sessions.start(chat_id, topic_id, size, ctx.now())
    if started.busy is not None:
        busy = started.busy
        await bot.send_message(chat_id, t("session.busy", lang, n=busy.current + 1, size=busy.size))
        return
    if started.step is None:
        await bot.send_message(chat_id, t("error.empty_scope", lang))
        return
    session = started.step.session
    topic = ctx.bank_in(lang).topics.get(topic_id) if topic_id else None
    await bot.send_message(chat_id, render.session_intro(session.size, session.open_period, topic, lang))
    await send_session_step(bot, ctx, started.step, lang)


async def send_session_step(bot: Bot, ctx: AppContext, step: SessionStep, lang: str) -> None:
    """The session's next question (its clock starts when it is sent), or the ranking."""
    session = step.session
    if step.ranking is not None:
        await send_ranking(bot, step.ranking, lang)
        return
    if step.question is None:  # pragma: no cover - a step has a question or a ranking
        return
    try:
        record, _ = await send_quiz(
            bot, ctx, session.chat_id, step.question, lang, purpose="session", open_period=session.open_period
        )
    except TelegramError:
        # Without its question the session could never move on: end it rather than leave it hanging.
        await ctx.learning.sessions.stop(session.chat_id, ctx.now())
        raise
    await ctx.learning.sessions.question_sent(step, record.poll_id, ctx.now())


async def send_ranking(bot: Bot, ranking: SessionRanking, lang: str) -> None:
    await bot.send_message(ranking.session.chat_id, render.session_ranking(ranking, lang))


async def expire_sessions(bot: Bot, ctx: AppContext) -> int:
    """Close session questions whose time is up and send what comes next; the count."""
    steps = await ctx.learning.sessions.expire_due(ctx.now())
    for step in steps:
        try:
            await send_session_step(bot, ctx, step, await ctx.language_of(step.session.chat_id))
        except TelegramError as exc:
            log.warning("quiz session %s: could not send the next step: %s", step.session.session_id, exc)
    return len(steps)
