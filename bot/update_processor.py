"""Updates handled concurrently across chats, in order within each chat.

PTB handles updates one at a time by default, so a reply that waits for a busy group's per-chat
rate limit (20 messages a minute) held up every other chat. Here each chat (or, for poll
answers, each user, whose private chat has the same id) gets a queue of its own, drained by one
task: the first update of a chat starts that task, which then runs whatever arrived for the chat
meanwhile, in order, so a flooded chat occupies one place of the processor's bound and waits only
for itself.

``do_process_update`` only hands the update over (it waits only while every place is taken), so
PTB is told ``max_concurrent_updates == 1`` and awaits it inline instead of starting a task for
every update: the bound and the concurrency are this class's own. That saves the
event loop a task and a wrapper per update (bench/README.md). Since PTB then no longer
waits for the updates it handed over, ``join`` does: ``Application.stop`` is followed by it.

In long polling, each ``getUpdates`` confirms to Telegram every update fetched before it, so
whatever was fetched but not yet handled is lost if the process dies (kill -9, OOM, power).
PTB's Updater fetches as fast as Telegram answers, into an unbounded queue: a kill could lose
every update of a backlog. ``FetchedUpdates`` holds the Updater back while one ``getUpdates``
batch (100 updates) is fetched and not yet handled, so a kill loses at most that batch; the rest
is still unconfirmed at Telegram, which sends it again to the next run. Only the first
``COUNTED_PER_CHAT`` updates waiting in one chat's queue count toward that bound: a group flooded
past its rate limit must not stop the fetching for every other chat (what this module is for), so
what a flooded chat queues beyond them is not held back, and a kill may lose it too.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Coroutine, Hashable
from typing import Any

from telegram import Update
from telegram.constants import PollingLimit
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

#: Chats handled at the same moment; the rest wait for a free place.
MAX_CONCURRENT_CHATS = 256
#: Updates fetched by long polling and not yet handled, at most: one getUpdates batch.
MAX_FETCHED_UNHANDLED = int(PollingLimit.MAX_LIMIT)
#: Updates of one chat's queue that count toward MAX_FETCHED_UNHANDLED (see the module's docstring).
COUNTED_PER_CHAT = 10


class FetchedUpdates(asyncio.Queue[object]):
    """The Application's update queue, whose ``put`` (the Updater's) waits while ``bound`` updates
    it took are not yet handled (see the module's docstring), and then until half of them are: woken
    for each update handled, the Updater would take turns with the handlers one update at a time, a
    task switch per update (bench/README.md). The update processor reports each update it finished
    with ``handled``; updates that did not come through here (webhook mode) are not counted."""

    def __init__(self, bound: int = MAX_FETCHED_UNHANDLED) -> None:
        super().__init__()
        self.bound = bound
        self._unhandled: set[int] = set()
        self._room = asyncio.Event()
        self._room.set()

    @property
    def unhandled(self) -> int:
        """Updates taken and not yet handled."""
        return len(self._unhandled)

    async def put(self, item: object) -> None:
        if isinstance(item, Update):  # not PTB's stop signal, which must never wait
            while len(self._unhandled) >= self.bound:
                self._room.clear()
                await self._room.wait()
            self._unhandled.add(item.update_id)
        await super().put(item)

    def handled(self, update: object) -> None:
        """``update`` no longer holds polling back: the update processor is done with it (handled,
        failed or dropped at a stop), or it waits behind its flooded chat. Saying so twice is harmless."""
        if isinstance(update, Update):
            self._unhandled.discard(update.update_id)
            if len(self._unhandled) <= self.bound // 2:
                self._room.set()


def order_key(update: object) -> Hashable | None:
    """Updates with the same key are handled one after another, in the order they came."""
    if not isinstance(update, Update):
        return None
    # Poll answers first: the busiest updates, and ones without a chat, for which PTB's
    # effective_chat walks every kind of update each time it is read (it caches only a chat found).
    answer = update.poll_answer
    if answer is not None:
        if answer.user is not None:
            return answer.user.id
        return answer.voter_chat.id if answer.voter_chat is not None else None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, sequential within one (see the module's docstring)."""

    def __init__(self, max_concurrent_chats: int = MAX_CONCURRENT_CHATS, fetched: FetchedUpdates | None = None) -> None:
        # 1 for PTB: it then awaits each hand-over inline, which returns once the update is queued.
        super().__init__(1)
        self._bound = max_concurrent_chats
        #: Told of every update finished, so long polling fetches more (see FetchedUpdates).
        self.fetched = fetched
        self._queues: dict[Hashable, deque[tuple[object, Awaitable[Any]]]] = {}
        #: The draining tasks (one per chat being handled, or per update without a chat).
        self._workers: set[asyncio.Task[None]] = set()
        self._place_freed = asyncio.Event()
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = False

    @property
    def max_concurrent_chats(self) -> int:
        """Chats (or updates without a chat) handled at the same moment."""
        return self._bound

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Queue the update behind its chat's, or start handling it; returns without waiting for it.

        PTB calls it under its semaphore of one place, held only for this hand-over (or while every
        place of this processor is taken).
        """
        key = order_key(update)
        while True:
            if key is not None and (queue := self._queues.get(key)) is not None:
                self._pending += 1
                queue.append((update, coroutine))  # the chat's running task takes this one next
                if len(queue) > COUNTED_PER_CHAT and self.fetched is not None:
                    self.fetched.handled(update)
                return
            if len(self._workers) < self._bound:
                break
            self._place_freed.clear()
            await self._place_freed.wait()
        self._pending += 1
        self._idle.clear()
        queue = deque([(update, coroutine)])
        if key is not None:
            self._queues[key] = queue
        worker = asyncio.create_task(self._drain(key, queue))
        self._workers.add(worker)
        worker.add_done_callback(self._worker_done)

    async def _drain(self, key: Hashable | None, queue: deque[tuple[object, Awaitable[Any]]]) -> None:
        try:
            while queue and not self._stopping:
                await self._run(*queue.popleft())
        finally:
            if key is not None:
                del self._queues[key]
            self._drop(queue)

    def _worker_done(self, worker: asyncio.Task[None]) -> None:
        self._workers.discard(worker)
        self._place_freed.set()

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await coroutine
        except Exception:
            # Application.process_update sends handler errors to the error handler; this is
            # only a last line so that one chat's failure never drops the updates behind it.
            log.exception("an update failed outside its handlers")
        finally:
            self._finished(update)

    def _finished(self, update: object) -> None:
        self._pending -= 1
        if self.fetched is not None:
            self.fetched.handled(update)
        if self._pending == 0:
            self._idle.set()

    def _drop(self, queue: deque[tuple[object, Awaitable[Any]]]) -> None:
        if queue:
            log.warning("stopping: %d update(s) of one chat were not handled", len(queue))
        while queue:
            update, coroutine = queue.popleft()
            if isinstance(coroutine, Coroutine):
                coroutine.close()
            self._finished(update)

    def stop_queued(self) -> None:
        """Before a stop: finish the updates being handled, but start none that wait behind them.

        A chat flooded past its rate limit could otherwise hold a graceful stop for minutes.
        """
        self._stopping = True

    async def join(self) -> None:
        """Wait until every update handed over so far has been handled (or dropped by a stop)."""
        await self._idle.wait()

    async def initialize(self) -> None:
        """Nothing to set up: queues come and go with their chats."""

    async def shutdown(self) -> None:
        """Wait for the updates still being handled (Application.stop no longer does)."""
        await self.join()
