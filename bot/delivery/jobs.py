"""Repeating jobs on PTB's JobQueue. Their state lives in SQLite, so a restart loses nothing."""

from __future__ import annotations

import logging
from contextlib import suppress

from telegram import Bot
from telegram.error import TelegramError

from bot.context import AppContext, StudyApplication, StudyContext
from bot.delivery.broadcast import resume_broadcasts
from bot.delivery.learning import expire_tests
from bot.delivery.push import make_deliver
from bot.delivery.sessions import expire_sessions

log = logging.getLogger(__name__)

#: The push tick: every minute, chats whose local time has come are served.
PUSH_INTERVAL_S = 60
#: Channel confirmations are removed on this beat.
CLEANUP_INTERVAL_S = 30
#: Mock-test and quiz-session questions whose time ran out are settled on this beat (the test or
#: session then moves on).
TEST_TIMER_INTERVAL_S = 5


async def push_tick(context: StudyContext) -> None:
    ctx = context.app
    report = await ctx.push.run(ctx.now(), make_deliver(context.bot, ctx))
    if report.total:
        log.info("daily push: %s", report.summary())


async def test_timer_tick(context: StudyContext) -> None:
    ctx = context.app
    settled = await expire_tests(context.bot, ctx)
    if settled:
        log.info("mock tests: %d question(s) ran out of time", settled)
    closed = await expire_sessions(context.bot, ctx)
    if closed:
        log.info("quiz sessions: %d question(s) closed", closed)


async def cleanup_tick(context: StudyContext) -> None:
    await delete_due(context.bot, context.app)


async def delete_due(bot: Bot, ctx: AppContext) -> None:
    """Delete the channel confirmations whose time has come (their list lives in the store)."""
    for chat_id, message_id in await ctx.groups.due_deletions(ctx.now()):
        with suppress(TelegramError):
            await bot.delete_message(chat_id, message_id)
        await ctx.groups.deleted(chat_id, message_id)


async def resume_tick(context: StudyContext) -> None:
    """Once, at start-up: broadcasts a stop or a crash interrupted carry on."""
    await resume_broadcasts(context.bot, context.app)


def schedule_jobs(application: StudyApplication) -> None:
    """The first tick runs at start-up, so chats missed during downtime are caught up at once."""
    assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
    application.job_queue.run_once(resume_tick, when=0, name="resume-broadcasts")
    application.job_queue.run_repeating(
        push_tick, interval=PUSH_INTERVAL_S, first=1, name="daily-push", job_kwargs={"max_instances": 1}
    )
    application.job_queue.run_repeating(
        cleanup_tick, interval=CLEANUP_INTERVAL_S, first=5, name="channel-cleanup", job_kwargs={"max_instances": 1}
    )
    application.job_queue.run_repeating(
        test_timer_tick,
        interval=TEST_TIMER_INTERVAL_S,
        first=2,
        name="mock-test-timer",
        job_kwargs={"max_instances": 1},
    )
