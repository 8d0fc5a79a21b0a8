"""Operators' broadcasts as Bot API calls: each chat's message (a text, or a copy of the message
the operator replied to), the progress message edited as it runs, and the resume at start-up."""

from __future__ import annotations

import logging
from contextlib import suppress

from telegram import Bot
from telegram.error import TelegramError

from bot.context import AppContext
from bot.delivery.push import telegram_outcomes
from bot.render import operators as render
from bot.services.broadcast import BroadcastReport, Send
from bot.storage.repository import BroadcastRecord

log = logging.getLogger(__name__)


def make_send(bot: Bot, record: BroadcastRecord) -> Send:
    async def send(chat_id: int) -> None:
        with telegram_outcomes():
            if record.text is not None:
                await bot.send_message(chat_id, record.text)
            else:
                assert record.source_chat_id is not None and record.source_message_id is not None
                await bot.copy_message(chat_id, record.source_chat_id, record.source_message_id)

    return send


async def run_broadcast(bot: Bot, ctx: AppContext, record: BroadcastRecord) -> BroadcastReport:
    """Send a confirmed broadcast, editing the operator's progress message as it goes."""

    # The progress message is the operator's: in their private chat's language.
    lang = await ctx.language_of(record.admin_id)

    async def progress(report: BroadcastReport, done: bool) -> None:
        if record.progress_message is None:
            return
        text = render.broadcast_progress(record.broadcast_id, report, done, lang)
        with suppress(TelegramError):  # a lost progress edit must not stop the broadcast
            await bot.edit_message_text(text, chat_id=record.admin_id, message_id=record.progress_message)

    report = await ctx.broadcasts.run(record, make_send(bot, record), ctx.now, progress)
    log.info("broadcast %d done: sent %d, failed %d", record.broadcast_id, report.sent, report.failed)
    return report


async def resume_broadcasts(bot: Bot, ctx: AppContext) -> int:
    """Start again every broadcast a stop or a crash interrupted; how many there were."""
    records = await ctx.broadcasts.running()
    for record in records:
        log.info("resuming broadcast %d", record.broadcast_id)
        ctx.broadcasts.start(run_broadcast(bot, ctx, record))
    return len(records)
