"""Repeating jobs on PTB's JobQueue. Their state lives in the store, so a restart loses nothing.

On PostgreSQL several workers may run these jobs; the push runs only on the leader (an advisory
lock, see bot/storage/postgres.py), the others are idempotent per row.
"""

from __future__ import annotations

import logging
from contextlib import suppress

from telegram import Bot
from telegram.error import TelegramError

from bot.context import CONTEXT_KEY, AppContext, StudyApplication, StudyContext
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
#: On a shared database, a worker that is not the leader asks for leadership this often, so a dead
#: leader's push is taken over within seconds, not at the next minute tick.
LEADER_CHECK_INTERVAL_S = 10
#: bot_data key: whether this process led the push at its last look.
_LEADING = "studybot_leading"


async def _lead(context: StudyContext) -> tuple[bool, bool]:
    """(leads now, has just become the leader)."""
    leads = await context.app.repo.is_leader()
    was = bool(context.application.bot_data.get(_LEADING, False))
    context.application.bot_data[_LEADING] = leads
    return leads, leads and not was


async def push_tick(context: StudyContext) -> None:
    """Serve the chats whose time has come, on the leader only: several workers share one database,
    and one pushing keeps the per-bot rate limit (a new leader takes over within a tick or two)."""
    leads, _ = await _lead(context)
    if leads:
        await _push(context)


async def _push(context: StudyContext) -> None:
    ctx = context.app
    report = await ctx.push.run(ctx.now(), make_deliver(context.bot, ctx))
    if report.total:
        log.info("daily push: %s", report.summary())


async def leader_tick(context: StudyContext) -> None:
    """A worker that has just taken over from a dead leader pushes at once."""
    _, became = await _lead(context)
    if became:
        await _push(context)


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
    if application.bot_data[CONTEXT_KEY].repo.dialect == "postgresql":
        application.job_queue.run_repeating(
            leader_tick,
            interval=LEADER_CHECK_INTERVAL_S,
            first=LEADER_CHECK_INTERVAL_S,
            name="push-leader",
            job_kwargs={"max_instances": 1},
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
