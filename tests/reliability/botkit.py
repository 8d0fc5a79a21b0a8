"""The real bot against the in-process emulator, with a cast of users and chats, for the reliability suite.

The end-to-end tests run the bot over HTTP (tests/harness.py); here thousands of generated updates
go through the same ``bot.app.serve`` with the emulator behind python-telegram-bot's ``BaseRequest``
(as the console does): no socket, so a fresh bot per example costs a few milliseconds and an update
about as much. Everything else is the harness's: ``RunningBot`` and its waiting on handled updates.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.error import ChatMigrated, Forbidden, NetworkError
from telegram.ext import TypeHandler

from bot.app import ALLOWED_UPDATES, serve
from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.context import CONTEXT_KEY, StudyContext
from bot.emulator.inprocess import EmulatorRequest
from bot.logging_setup import REDACTED
from bot.update_processor import PerChatUpdateProcessor
from tests.content_cache import bot_loads_bank_once
from tests.fakebot import Call, FakeBotAPI
from tests.harness import LAST_GROUP, START, RunningBot

#: A token shaped like BotFather's, so that a leak would be a real one (the log scan looks for it).
TOKEN = "7000000001:AAHc9Xq2rLm4Tz8wKp1sVd6Ny3Bf5Gh0JeQ"
#: The webhook secret of the suite's webhook tests (the log scan looks for it too).
WEBHOOK_SECRET = "rel-Secret_9f2c71d04ab8"
BOT_USERNAME = "studybot_test_bot"
EMULATOR_URL = "http://emulator.invalid/bot"

#: Users: (id, first name); who has a private chat with the bot is in PRIVATE_CHATS.
ASHA, RAVI, MEERA, ADMIN, OPERATOR, STRANGER = 101, 102, 103, 104, 900, 555
USERS: dict[str, int] = {
    "asha": ASHA,
    "ravi": RAVI,
    "meera": MEERA,  # answers in groups, never started the bot
    "admin": ADMIN,  # administrator of the groups and the channel
    "operator": OPERATOR,  # in ADMIN_IDS
    "stranger": STRANGER,  # in no chat at all
}
PRIVATE_CHATS = ("asha", "ravi", "admin", "operator")
GROUP, SUPERGROUP, CHANNEL = -501, -1001000000501, -1001000000777
CHANNEL_USERNAME = "relchannel"
CHATS: dict[str, int] = {
    **{name: USERS[name] for name in PRIVATE_CHATS},
    "group": GROUP,
    "supergroup": SUPERGROUP,
    "channel": CHANNEL,
}
MEMBERS = {ASHA: "Asha", RAVI: "Ravi", MEERA: "Meera"}


def reliability_settings(db_path: Path, **overrides: Any) -> Settings:
    """The settings the suite's bots run with: DEBUG logs, the operator, the emulator's token."""
    values: dict[str, Any] = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": EMULATOR_URL,
        "DATABASE_PATH": str(db_path),
        "LOG_LEVEL": "DEBUG",
        "PUSH_RATE_PER_SECOND": 1000,
        "ADMIN_IDS": str(OPERATOR),
    }
    values.update(overrides)
    return load_settings(_env_file=None, **values)


def add_cast(fake: FakeBotAPI) -> None:
    """Private chats, a basic group, a supergroup (the bot an admin there) and a channel."""
    for name in PRIVATE_CHATS:
        fake.add_private_chat(USERS[name], name.title())
    fake.add_user(MEERA, "Meera")
    fake.add_user(STRANGER, "Stranger")
    fake.add_group(GROUP, "Study circle", admins=[ADMIN], kind="group", members=MEMBERS)
    fake.add_group(SUPERGROUP, "UPSC 2027", admins=[ADMIN], members=MEMBERS, bot_is_admin=True)
    fake.add_channel(CHANNEL, "Daily IOM", CHANNEL_USERNAME, admins=[ADMIN])


class LeakScanner(logging.Handler):
    """Looks at every record as a handler would write it, and keeps the ones that show a secret."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__(logging.DEBUG)
        self.secrets = secrets
        self.records = 0
        #: Records in which something was redacted: the bot tried to log a secret and did not.
        self.redacted = 0
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records += 1
        try:
            text = record.getMessage()
        except Exception:
            text = str(record.msg)
        if record.exc_info and record.exc_info[0] is not None:
            text += logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            text += record.exc_text
        self.redacted += REDACTED in text
        for secret in self.secrets:
            if secret in text:
                self.leaks.append(f"{record.name} {record.levelname}: {text[:300]}")


@dataclass
class ErrorSeen:
    update: object
    error: BaseException


@dataclass
class LiveBot:
    """A running bot, what reached its error handler, and how to feed it updates one at a time."""

    run: RunningBot
    settings: Settings
    errors: list[ErrorSeen] = field(default_factory=list)
    _direct_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(10**9))

    @property
    def fake(self) -> FakeBotAPI:
        return self.run.fake

    @property
    def db_path(self) -> Path:
        return self.settings.database_path

    async def _record_error(self, update: object, context: StudyContext) -> None:
        if context.error is not None:
            self.errors.append(ErrorSeen(update, context.error))

    async def deliver(self, update: dict[str, Any]) -> dict[str, Any]:
        """Hand an update to the bot and wait until it (and whatever it started) is handled.

        Kinds the bot subscribes to go through the emulator's getUpdates; others (edited messages,
        kinds Telegram may add) are put straight into the Application's queue, as the webhook would
        put them if Telegram ever sent them. Returns the update as delivered (with its id).
        """
        kind = next(key for key in update if key != "update_id")
        if kind in ALLOWED_UPDATES:
            delivered = self.fake.push_update(update)
        else:
            delivered = {"update_id": next(self._direct_ids), kind: update[kind]}
            application = self.run.application
            await application.update_queue.put(Update.de_json(delivered, application.bot))
        await self.handled(delivered)
        return delivered

    async def handled(self, update: dict[str, Any]) -> None:
        """Wait until an update already in the emulator's queue, and what it started, is handled."""
        await self.run.handled(update)
        await self.idle()

    async def idle(self) -> None:
        processor = self.run.application.update_processor
        assert isinstance(processor, PerChatUpdateProcessor)
        await asyncio.wait_for(processor.join(), 10)

    def unexpected_errors(self, faults_injected: bool) -> list[ErrorSeen]:
        """Errors the error handler saw that are not the ones it exists for: a chat that blocked or
        removed the bot (Forbidden), a group that became a supergroup (ChatMigrated), and network
        failures when the test injected them."""
        return [e for e in self.errors if not expected_error(e.error, faults_injected)]

    def rejected_calls(self, faults_injected: bool) -> list[Call]:
        """Bot API calls the emulator refused for a reason the bot could have avoided."""
        return [c for c in self.fake.requests if not c.ok and not expected_refusal(c, faults_injected)]

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the bot's SQLite store directly (WAL: a reader never blocks the bot)."""
        with closing(sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)) as db:
            return list(db.execute(sql, params))


def expected_error(error: BaseException, faults_injected: bool) -> bool:
    if isinstance(error, Forbidden | ChatMigrated):
        return True
    return faults_injected and type(error) is NetworkError


def expected_refusal(call: Call, faults_injected: bool) -> bool:
    # 403: a user blocked the bot or it was removed from a chat, which it learns only by trying.
    return call.status == 403 or (faults_injected and call.status >= 500)


@asynccontextmanager
async def live_bot(
    db_path: Path,
    clock: ManualClock | None = None,
    *,
    setup: Callable[[FakeBotAPI], None] = add_cast,
    seed: int = 0,
    **overrides: Any,
) -> AsyncIterator[LiveBot]:
    """The real bot (``bot.app.serve``, long polling) against an in-process emulator set up by
    ``setup``, its random choices seeded, until the block ends."""
    fake = FakeBotAPI(token=TOKEN, bot_username=BOT_USERNAME).attach()
    setup(fake)
    clock = clock or ManualClock(START)
    settings = reliability_settings(db_path, **overrides)
    stop = asyncio.Event()
    started: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    with bot_loads_bank_once():
        task = asyncio.create_task(
            serve(
                settings,
                stop,
                clock,
                with_jobs=False,
                ready=started.set_result,
                request=lambda: EmulatorRequest(fake),
            )
        )
        done, _ = await asyncio.wait([task, started], timeout=15, return_when=asyncio.FIRST_COMPLETED)
    if started not in done:
        fake.detach()
        if task in done:
            task.result()
        raise TimeoutError("the bot did not start")
    application = started.result()
    ctx = application.bot_data[CONTEXT_KEY]
    # Shuffled options and picked questions follow the example, so that a failure replays.
    ctx.study.rng.seed(seed)
    ctx.learning.tests.rng.seed(seed + 1)
    live = LiveBot(RunningBot(fake, clock, application, ctx), settings)
    application.add_handler(TypeHandler(Update, live.run._mark_done), group=LAST_GROUP)
    application.add_error_handler(live._record_error)
    try:
        yield live
    finally:
        fake.detach()
        stop.set()
        await asyncio.wait_for(task, timeout=15)


def store_dump(live: LiveBot, tables: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of ``tables``, sorted, to compare a store before and after."""
    return {table: sorted(live.query(f"SELECT * FROM {table}"), key=repr) for table in tables}
