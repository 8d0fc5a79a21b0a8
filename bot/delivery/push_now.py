"""``python -m bot push-now [--all]``: serve today's push to every chat that is due and not yet served."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from bot.app import build_application, initialized, open_context
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.push import make_deliver
from bot.services.push import PushReport


class Progress:
    """done/total, rate and ETA on one self-rewriting terminal line (only on a terminal)."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total = total
        self.out = out
        self.started = time.monotonic()
        self.last_draw = 0.0

    def __call__(self, report: PushReport) -> None:
        now = time.monotonic()
        if now - self.last_draw < 0.2 and report.examined < self.total:
            return
        self.last_draw = now
        elapsed = max(now - self.started, 1e-6)
        rate = report.sent / elapsed
        left = max(self.total - report.examined, 0)
        eta = left / (report.examined / elapsed) if report.examined else 0.0
        self.out.write(f"\r{report.examined}/{self.total} chats, {rate:.1f} pushes/s, ETA {eta:.0f} s ")
        self.out.flush()


async def push_now(settings: Settings, *, ignore_time: bool, clock: Clock | None = None) -> PushReport:
    ctx = await open_context(settings, clock)
    try:
        application = build_application(ctx)
        async with initialized(application, settings.telegram_api_base_url):
            total = await ctx.repo.count_subscribed()
            progress = Progress(total, sys.stderr) if sys.stderr.isatty() else None
            report = await ctx.push.run(
                ctx.now(),
                make_deliver(application.bot, ctx),
                ignore_time=ignore_time,
                take_skipped=True,
                progress=progress,
            )
            if progress is not None:
                sys.stderr.write("\n")
    finally:
        await ctx.repo.close()
    return report
