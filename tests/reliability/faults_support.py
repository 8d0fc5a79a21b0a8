"""What the kill, storage-fault and Telegram-fault tests share: many subscribed chats, ``python -m bot``
subprocesses, a SIGKILL fired by the emulator at an exact request, and the emulator's record of sends.

The kill test runs at the issue's scale (10,000 chats, 20 kills) unless ``STUDYBOT_RELIABILITY_CHATS`` /
``STUDYBOT_RELIABILITY_KILLS`` say otherwise; so does the Telegram-faults push (10,000 chats, about a minute
with the bot and the emulator in one process) unless ``STUDYBOT_RELIABILITY_FAULT_CHATS`` says otherwise
(tests/reliability/README.md).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.app import build_application, initialized, open_context
from bot.clock import ManualClock
from bot.context import AppContext, StudyApplication
from bot.delivery.http import AiohttpRequest
from bot.storage.sqlite import SqliteRepository
from tests.content_cache import bot_loads_bank_once
from tests.fakebot import Call, FakeBotAPI
from tests.harness import make_settings
from tests.test_e2e_process import bot_env

#: The issue's figures; an environment variable may change them (a quick local run, a nightly one).
CHATS = int(os.environ.get("STUDYBOT_RELIABILITY_CHATS", "10000"))
KILLS = int(os.environ.get("STUDYBOT_RELIABILITY_KILLS", "20"))
FAULT_CHATS = int(os.environ.get("STUDYBOT_RELIABILITY_FAULT_CHATS", "10000"))
FIRST_CHAT = 100_000
#: The headers of the daily push's first part: a private chat's, a group's or channel's.
DAILY_HEADERS = ("Your daily study", "Today's study")


async def stored_chats(
    fake: FakeBotAPI, db_path: Path, count: int, first: int = FIRST_CHAT, *, subscribed: bool = True
) -> list[int]:
    """``count`` private chats the emulator knows and the store has (subscribed unless told), written
    in one transaction."""
    chats = list(range(first, first + count))
    repo = await SqliteRepository.open(db_path)
    try:
        async with repo.transaction():
            for chat_id in chats:
                fake.add_private_chat(chat_id, f"Student {chat_id}")
                await repo.upsert_chat(chat_id, "private", f"Student {chat_id}", None)
                if subscribed:
                    await repo.update_chat(chat_id, subscribed=True)
    finally:
        await repo.close()
    return chats


async def start_cli(fake: FakeBotAPI, workdir: Path, *args: str, **env: str) -> asyncio.subprocess.Process:
    """``python -m bot ARGS`` against ``fake``; stdout piped, stderr appended to workdir/bot.log
    (a full pipe nobody reads would stall the child)."""
    values = {"LOG_LEVEL": "WARNING", "TIMEZONE": "UTC", "PUSH_RATE_PER_SECOND": "5000"} | env
    with (workdir / "bot.log").open("ab") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=bot_env(fake, workdir, **values), cwd=workdir,
            stdout=asyncio.subprocess.PIPE, stderr=log,
        )  # fmt: skip


def is_send(call: Call) -> bool:
    return call.method.startswith("send")


@dataclass
class Killer:
    """SIGKILLs a process from inside the emulator, the moment it has taken the N-th matching request
    (recorded and acted on, not yet answered): the worst moment, since the bot never hears that it
    went out."""

    fake: FakeBotAPI
    matches: Callable[[Call], bool] = is_send
    seen: int = 0
    _pid: int | None = None
    _at: int | None = None
    fired: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.fake.on_call = self._on_call

    def arm(self, pid: int, at: int) -> None:
        """Kill ``pid`` when the count of matching requests reaches ``at`` (counted from the start)."""
        self._pid, self._at = pid, at

    def disarm(self) -> None:
        self._pid = self._at = None

    def _on_call(self, call: Call) -> None:
        if not self.matches(call):
            return
        self.seen += 1
        if self._pid is not None and self._at is not None and self.seen >= self._at:
            os.kill(self._pid, signal.SIGKILL)
            self.fired.append(self.seen)
            self._pid = self._at = None


def claimed_chats(db_path: Path) -> dict[int, str]:
    """Chats whose day is claimed and not finished (the pushes a killed run had in flight), each with
    the part it was sending: the first one its ledger row does not count as sent."""
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT chat_id, parts_sent FROM deliveries WHERE state = 'claimed'").fetchall()
    return {chat_id: "fact" if parts_sent == 0 else "poll" for chat_id, parts_sent in rows}


def push_part(call: Call) -> str | None:
    """``fact`` or ``poll`` for a daily-push send Telegram took (a push of one quiz)."""
    if not call.ok:
        return None
    if call.method == "sendMessage" and any(header in str(call.params.get("text")) for header in DAILY_HEADERS):
        return "fact"
    return "poll" if call.method == "sendPoll" else None


def push_parts(calls: list[Call]) -> Counter[tuple[int, str]]:
    """(chat, part) -> how many times Telegram took it."""
    return Counter((int(c.params["chat_id"]), part) for c in calls if (part := push_part(c)))


GROUP = -100_777_000_001
FIRST_MEMBER = 700_000


async def group_polls(db_path: Path, count: int) -> list[str]:
    """``count`` quiz polls of one group, in the store as if the bot had sent them."""
    import datetime as dt

    from bot.config import DEFAULT_CONTENT_DIR
    from bot.content.loader import load_bank
    from bot.storage.repository import PollRecord
    from tests.content_cache import parsed_once

    bank = parsed_once(load_bank, DEFAULT_CONTENT_DIR)
    questions = [q for q in bank.questions.values() if len(q.options) == 4][:count]
    polls = [f"poll-{n}" for n in range(count)]
    repo = await SqliteRepository.open(db_path)
    try:
        await repo.upsert_chat(GROUP, "supergroup", "Kill -9 study group", None)
        now = dt.datetime.now(dt.UTC)
        for poll_id, question in zip(polls, questions, strict=True):
            order = tuple(range(len(question.options)))
            await repo.save_poll(PollRecord(poll_id, GROUP, 1, question.id, order, question.answer, now, "quiz"))
    finally:
        await repo.close()
    return polls


async def answer_stream(fake: FakeBotAPI, db_path: Path, polls: int, members: int) -> list[dict[str, Any]]:
    """Every member's answer to each of ``polls`` group polls (in the store), queued in the emulator."""
    return [fake.push_update(poll_answer(p, m)) for p in await group_polls(db_path, polls) for m in range(members)]


def poll_answer(poll_id: str, member: int) -> dict[str, object]:
    """The ``poll_answer`` update of group member number ``member`` (option by member)."""
    user = {"id": FIRST_MEMBER + member, "is_bot": False, "first_name": f"Member {member}"}
    return {"poll_answer": {"poll_id": poll_id, "user": user, "option_ids": [member % 4]}}


def stored_answers(db_path: Path) -> set[tuple[object, ...]]:
    """Every answer row, whole."""
    with sqlite3.connect(db_path) as db:
        return set(db.execute("SELECT * FROM answers").fetchall())


#: The bot's read timeout in pushing_bot: a hung request costs this much real time.
READ_TIMEOUT_S = 0.5


@asynccontextmanager
async def pushing_bot(
    fake: FakeBotAPI, tmp_path: Path, clock: ManualClock, **settings: Any
) -> AsyncIterator[tuple[AppContext, StudyApplication]]:
    """What ``push-now`` and the minute job run, in this process: the context, the Application and
    its transport (with a short read timeout)."""
    values = {"TIMEZONE": "UTC", "PUSH_RATE_PER_SECOND": 5000} | settings
    config = make_settings(fake, tmp_path / "data" / "bot.sqlite3", **values)
    with bot_loads_bank_once():
        ctx = await open_context(config, clock)
    try:
        application = build_application(ctx, lambda: AiohttpRequest(read_timeout=READ_TIMEOUT_S))
        async with initialized(application, config.telegram_api_base_url):
            yield ctx, application
    finally:
        await ctx.repo.close()
