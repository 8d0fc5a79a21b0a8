"""Drive the real Application over HTTP against the fake Bot API, with a controllable clock.

Synchronisation never sleeps: the harness adds a last-group handler that records every update
the Application has finished with, and waits for that. Updates of different chats are handled
concurrently, so ``settle`` waits for a marker update and then for the update processor to have
nothing left: every update enqueued before the marker was handed to the processor before it.

The bot takes the content bank from the session's cache (tests/content_cache.py) instead of
parsing content/ again for every test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.app import serve
from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.context import CONTEXT_KEY, AppContext
from bot.delivery.push import make_deliver
from bot.services.push import PushReport
from bot.update_processor import PerChatUpdateProcessor
from tests.content_cache import bot_loads_bank_once
from tests.fakebot import Call, FakeBotAPI

#: A Monday morning in India, before the default push time.
START = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
#: Runs after every other handler group.
LAST_GROUP = 1000
_probe_ids = itertools.count(1)


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


def reply_text(calls: list[Call]) -> str:
    """The text of the last message among ``calls``."""
    for call in reversed(calls):
        if call.method in ("sendMessage", "editMessageText"):
            return str(call.params.get("text", ""))
    raise AssertionError(f"no message among {[c.method for c in calls]}")


@dataclass
class RunningBot:
    fake: FakeBotAPI
    clock: ManualClock
    application: Application
    ctx: AppContext
    _done: set[int] = field(default_factory=set)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def _mark_done(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(update, Update):
            async with self._changed:
                self._done.add(update.update_id)
                self._changed.notify_all()

    async def handled(self, update: dict[str, Any], timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the Application has finished with an update the fake enqueued."""
        update_id = update["update_id"]
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: update_id in self._done)

    async def settle(self) -> None:
        """Wait until everything enqueued so far has been handled (a no-op update is the marker)."""
        probe = {
            "id": f"probe-{next(_probe_ids)}",
            "question": "probe",
            "options": [{"persistent_id": "0", "text": "a", "voter_count": 0}],
            "total_voter_count": 0,
            "is_closed": True,
            "is_anonymous": True,
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
            "type": "regular",
        }
        await self.handled(self.fake.push_update({"poll": probe}))
        processor = self.application.update_processor
        assert isinstance(processor, PerChatUpdateProcessor)
        await asyncio.wait_for(processor.join(), 10)

    async def say(self, chat_id: int, text: str, user_id: int | None = None, **kwargs: Any) -> list[Call]:
        """Send a message, wait until it is handled, and return the calls the bot made to that chat
        (all of them, oldest first; what this message caused is at the end)."""
        await self.settle()
        await self.handled(self.fake.send_text(chat_id, text, user_id=user_id, **kwargs))
        return self.fake.calls_to(chat_id)

    async def press(self, chat_id: int, user_id: int, message_id: int, data: str) -> list[Call]:
        """Press an inline button and wait until the press is handled."""
        await self.settle()
        await self.handled(self.fake.press_button(chat_id, user_id, message_id, data))
        return self.fake.calls_to(chat_id)

    async def answer(self, poll_id: str, user_id: int, option_ids: list[int]) -> None:
        """Answer a poll and wait until the answer (and whatever follows it) is handled."""
        await self.handled(self.fake.answer_poll(poll_id, user_id, option_ids))

    async def replies(self, chat_id: int, count: int) -> list[Call]:
        """Wait until the bot has made ``count`` sending calls to a chat; return them all."""
        await self.fake.wait_for_async(None, predicate=lambda c: _to_chat(c, chat_id), count=count, timeout=10.0)
        return self.fake.calls_to(chat_id)

    async def barrier(self, chat_id: int | None = None, user_id: int | None = None) -> None:
        """Everything sent so far has been handled."""
        await self.settle()

    async def push_tick(self) -> PushReport:
        """What the every-minute job does, at the clock's current time."""
        return await self.ctx.push.run(self.clock.now(), make_deliver(self.application.bot, self.ctx))


def _to_chat(call: Call, chat_id: int) -> bool:
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
    with bot_loads_bank_once():  # open_context takes the bank parsed once per session
        task = asyncio.create_task(serve(settings, stop, clock, with_jobs=False, ready=started.set_result))
        either: list[asyncio.Future[Any]] = [task, started]
        done, _ = await asyncio.wait(either, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    if started not in done:
        if task in done:
            task.result()  # raises what went wrong
        raise TimeoutError("the bot did not start")
    application = started.result()
    running = RunningBot(fake, clock, application, application.bot_data[CONTEXT_KEY])
    application.add_handler(TypeHandler(Update, running._mark_done), group=LAST_GROUP)
    await fake.wait_for_long_poll_async()
    try:
        yield running
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
