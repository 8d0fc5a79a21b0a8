"""Drive the real Application over HTTP against the fake Bot API, with a controllable clock."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import serve
from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.context import CONTEXT_KEY, AppContext
from bot.push_delivery import make_deliver
from bot.services.push import PushReport
from tests.fakebot import FakeBotAPI

#: A Monday morning in India, before the default push time.
START = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def make_settings(fake: FakeBotAPI, db_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "DATABASE_PATH": str(db_path),
        "LOG_LEVEL": "DEBUG",
        "PUSH_RATE_PER_SECOND": 1000,
    }
    values.update(overrides)
    return load_settings(_env_file=None, **values)


@dataclass
class RunningBot:
    fake: FakeBotAPI
    clock: ManualClock
    application: Application
    ctx: AppContext

    async def push_tick(self) -> PushReport:
        """What the every-minute job does, at the clock's current time."""
        return await self.ctx.push.run(self.clock.now(), make_deliver(self.application.bot, self.ctx))

    async def say(self, chat_id: int, text: str, user_id: int | None = None, **kwargs: Any) -> list[Any]:
        """Send a message and wait for the bot's next outgoing call to that chat."""
        before = len(self.fake.calls_to(chat_id))
        self.fake.send_text(chat_id, text, user_id=user_id, **kwargs)
        return await self.replies(chat_id, before + 1)

    async def replies(self, chat_id: int, count: int) -> list[Any]:
        """Wait until the bot has made ``count`` sending calls to a chat; return them all."""
        await self.fake.wait_for_async(None, predicate=lambda c: _to_chat(c, chat_id), count=count, timeout=10.0)
        return self.fake.calls_to(chat_id)

    async def barrier(self, chat_id: int, user_id: int | None = None) -> None:
        """Updates are handled in order: once /help to a chat is answered, everything sent
        before it has been handled too."""
        await self.say(chat_id, "/help", user_id=user_id)


def _to_chat(call: Any, chat_id: int) -> bool:
    return call.method.startswith(("send", "edit", "delete")) and str(call.params.get("chat_id")) == str(chat_id)


@asynccontextmanager
async def running_bot(
    fake: FakeBotAPI, tmp_path: Path, clock: ManualClock | None = None, **overrides: Any
) -> AsyncIterator[RunningBot]:
    """The real bot, polling the fake Bot API, until the block ends."""
    clock = clock or ManualClock(START)
    settings = make_settings(fake, tmp_path / "studybot.sqlite3", **overrides)
    stop = asyncio.Event()
    started: asyncio.Future[Application] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(settings, stop, clock, with_jobs=False, ready=started.set_result))
    done, _ = await asyncio.wait({task, started}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    if started not in done:
        if task in done:
            task.result()  # raises what went wrong
        raise TimeoutError("the bot did not start")
    application = started.result()
    await fake.wait_for_long_poll_async()
    try:
        yield RunningBot(fake, clock, application, application.bot_data[CONTEXT_KEY])
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
