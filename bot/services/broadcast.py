"""Operators' broadcasts: a draft, its confirmation, and a run through the daily push's machinery.

Each chat's send is claimed in the broadcast's ledger before it goes out and marked after, so a
restart resumes the broadcast and nobody gets it twice; a claim left by a process that died (a
different run id) is taken over, so at most the sends in flight at the moment of a kill can be
duplicated. Sending is left to a ``Send`` callable that raises the push's ``ChatGone``,
``TryLater`` or ``ChatMoved``, so this module knows nothing of Telegram.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from bot.services.groups import GroupService
from bot.services.push import ChatGone, ChatMoved
from bot.storage.repository import BroadcastRecord, Repository

log = logging.getLogger(__name__)

#: Who a broadcast can go to; ``all`` (every active chat) unless the operator names one.
AUDIENCES = ("all", "private", "groups", "channels")
#: The operator's progress message is edited this often (by the injectable clock).
PROGRESS_EVERY = dt.timedelta(seconds=10)
#: Sends under way at once. A kill can leave only these unsure (sent but not marked), so only
#: they can be sent twice; the rate limiter, not this, sets the pace.
IN_FLIGHT = 1

Send = Callable[[int], Awaitable[None]]


@dataclass
class BroadcastReport:
    #: The audience's size when the run began.
    total: int = 0
    examined: int = 0
    sent: int = 0
    #: Sent (or given up) by an earlier run of the same broadcast, before a restart.
    already: int = 0
    failed: int = 0
    deactivated: int = 0
    #: At the end: the ledger's count per state (sent, failed, gone), over every run of it.
    ledger: dict[str, int] = field(default_factory=dict)


#: Called with the report so far, and whether the broadcast is done.
Progress = Callable[[BroadcastReport, bool], Awaitable[None]]


class BroadcastService:
    def __init__(self, repo: Repository, groups: GroupService, run_id: str | None = None) -> None:
        self.repo = repo
        self.groups = groups
        #: This process: claims of another run were left by one that died.
        self.run_id = run_id or uuid.uuid4().hex
        self._tasks: set[asyncio.Task[Any]] = set()

    async def draft(
        self, admin_id: int, audience: str, text: str | None, source: tuple[int, int] | None, now: dt.datetime
    ) -> tuple[int, int]:
        """A broadcast waiting for its confirmation: its id, and how many chats it would reach."""
        broadcast_id = await self.repo.create_broadcast(admin_id, audience, text, source, now)
        return broadcast_id, await self.repo.count_audience(audience)

    async def confirm(
        self, broadcast_id: int, admin_id: int, progress_message: int, now: dt.datetime
    ) -> BroadcastRecord | None:
        """Start a draft (its own operator only); None when it is not a draft any more (pressed
        twice). The progress message is on record first, so a restart edits it too."""
        record = await self.repo.get_broadcast(broadcast_id)
        if record is None or record.admin_id != admin_id or record.state != "draft":
            return None
        await self.repo.set_broadcast_progress_message(broadcast_id, progress_message)
        if not await self.repo.set_broadcast_state(broadcast_id, "draft", "running", now):
            return None
        return await self.repo.get_broadcast(broadcast_id)

    async def audience_size(self, audience: str) -> int:
        return await self.repo.count_audience(audience)

    async def cancel(self, broadcast_id: int, admin_id: int, now: dt.datetime) -> bool:
        record = await self.repo.get_broadcast(broadcast_id)
        if record is None or record.admin_id != admin_id:
            return False
        return await self.repo.set_broadcast_state(broadcast_id, "draft", "cancelled", now)

    async def running(self) -> list[BroadcastRecord]:
        """Broadcasts a stop or a crash interrupted: they resume at start-up."""
        return await self.repo.broadcasts_in("running")

    async def run(
        self,
        record: BroadcastRecord,
        send: Send,
        now: Callable[[], dt.datetime],
        progress: Progress,
        batch_size: int = 500,
    ) -> BroadcastReport:
        """Send to every active chat of the audience once; ``progress`` is called about every
        PROGRESS_EVERY and once more at the end (the report then closes the broadcast)."""
        report = BroadcastReport(total=await self.repo.count_audience(record.audience))
        limit = asyncio.Semaphore(IN_FLIGHT)
        last_progress = now()

        async def serve(chat_id: int) -> None:
            nonlocal last_progress
            async with limit:
                await self._serve_one(record.broadcast_id, chat_id, send, now, report)
            report.examined += 1
            if now() - last_progress >= PROGRESS_EVERY:
                last_progress = now()
                await progress(report, False)

        async for batch in self.repo.audience_chats(record.audience, batch_size):
            await asyncio.gather(*(serve(chat_id) for chat_id in batch))
        report.ledger = await self.repo.broadcast_tally(record.broadcast_id)
        await self.repo.set_broadcast_state(record.broadcast_id, "running", "done", now())
        await progress(report, True)
        return report

    async def _serve_one(
        self, broadcast_id: int, chat_id: int, send: Send, now: Callable[[], dt.datetime], report: BroadcastReport
    ) -> None:
        if not await self.repo.claim_broadcast(broadcast_id, chat_id, self.run_id, now()):
            report.already += 1
            return
        try:
            try:
                await send(chat_id)
            except ChatMoved as moved:
                # The group became a supergroup: its rows (this claim too) move, then the send does.
                await self.groups.migrate(chat_id, moved.new_chat_id)
                chat_id = moved.new_chat_id
                await send(chat_id)
        except ChatGone as gone:
            await self.repo.update_chat(chat_id, active=False)
            await self.repo.finish_broadcast(broadcast_id, chat_id, "gone", now(), str(gone)[:200])
            report.deactivated += 1
            return
        except Exception as exc:  # TryLater and anything unexpected: this chat only
            await self.repo.finish_broadcast(broadcast_id, chat_id, "failed", now(), str(exc)[:200])
            report.failed += 1
            return
        await self.repo.finish_broadcast(broadcast_id, chat_id, "sent", now())
        report.sent += 1

    def start(self, run: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run a broadcast in the background (the confirming press is answered at once)."""
        task = asyncio.create_task(run)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a broadcast stopped with an error", exc_info=task.exception())

    async def stop(self) -> None:
        """At shutdown: stop the runs; their claims make the next start resume them."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
