"""Repeating jobs on PTB's JobQueue. Their state lives in SQLite, so a restart loses nothing."""

from __future__ import annotations

import logging
from contextlib import suppress

from telegram.error import TelegramError

from bot.context import StudyApplication, StudyContext
from bot.delivery.learning import expire_tests
from bot.delivery.push import make_deliver

log = logging.getLogger(__name__)

#: The push tick: every minute, chats whose local time has come are served.
PUSH_INTERVAL_S = 60
#: Channel confirmations are removed on this beat.
CLEANUP_INTERVAL_S = 30
#: Mock-test questions whose time ran out are settled on this beat (the test then moves on).
TEST_TIMER_INTERVAL_S = 5


async def push_tick(context: StudyContext) -> None:
    """Serve the chats whose time has come, on the leader only: several workers share one database,
    and one pushing keeps the per-bot rate limit (a new leader takes over within a tick or two)."""
    ctx = context.app
    if not await ctx.repo.is_leader():
        return
    report = await ctx.push.run(ctx.now(), make_deliver(context.bot, ctx))
    if report.total:
        log.info("daily push: %s", report.summary())


async def test_timer_tick(context: StudyContext) -> None:
    ctx = context.app
    settled = await expire_tests(context.bot, ctx)
    if settled:
        log.info("mock tests: %d question(s) ran out of time", settled)


async def cleanup_tick(context: StudyContext) -> None:
    """Delete the channel confirmations whose time has come (their list lives in the store)."""
    ctx = context.app
    for chat_id, message_id in await ctx.groups.due_deletions(ctx.now()):
        with suppress(TelegramError):
            await context.bot.delete_message(chat_id, message_id)
        await ctx.groups.deleted(chat_id, message_id)


def schedule_jobs(application: StudyApplication) -> None:
    """The first tick runs at start-up, so chats missed during downtime are caught up at once."""
    assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
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
