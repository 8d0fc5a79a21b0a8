"""The update processor's guarantees: in order within a chat, concurrent across chats, a flooded
chat holding one place of the bound, queued updates dropped on stop, and ``join`` waiting for
every update handed over (PTB no longer waits for them: it awaits only the hand-over)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from telegram import PollAnswer, Update, User

from bot.update_processor import FetchedUpdates, PerChatUpdateProcessor


def answer(update_id: int, user_id: int) -> Update:
    """A poll answer: its order key is its user."""
    user = User(user_id, f"member{user_id}", False)
    return Update(update_id, poll_answer=PollAnswer("poll", (0,), user=user, option_persistent_ids=("0",)))


class Script:
    """Handlers that record when they start and finish, each waiting for its own gate."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.finished: list[int] = []
        self.gates: dict[int, asyncio.Event] = {}
        self.changed = asyncio.Condition()

    def handle(self, update_id: int, *, gated: bool = False) -> Awaitable[None]:
        gate = self.gates.setdefault(update_id, asyncio.Event())
        if not gated:
            gate.set()

        async def run() -> None:
            await self._note(self.started, update_id)
            await gate.wait()
            await self._note(self.finished, update_id)

        return run()

    async def _note(self, into: list[int], update_id: int) -> None:
        async with self.changed:
            into.append(update_id)
            self.changed.notify_all()

    async def until(self, condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(5), self.changed:
            await self.changed.wait_for(condition)


async def test_updates_of_one_chat_are_handled_one_after_another_in_the_order_they_came() -> None:
    processor, script = PerChatUpdateProcessor(), Script()
    await processor.process_update(answer(1, 7), script.handle(1, gated=True))
    for update_id in (2, 3):
        await processor.process_update(answer(update_id, 7), script.handle(update_id))
    await script.until(lambda: script.started == [1])
    assert script.started == [1]  # 2 and 3 wait behind the first
    script.gates[1].set()
    await asyncio.wait_for(processor.join(), 5)
    assert script.started == script.finished == [1, 2, 3]


async def test_a_busy_chat_does_not_hold_up_another() -> None:
    processor, script = PerChatUpdateProcessor(), Script()
    await processor.process_update(answer(1, 7), script.handle(1, gated=True))
    await processor.process_update(answer(2, 8), script.handle(2))
    await script.until(lambda: script.finished == [2])
    assert 1 not in script.finished
    script.gates[1].set()
    await asyncio.wait_for(processor.join(), 5)


async def test_a_flooded_chat_holds_one_place_and_the_next_chat_waits_only_for_a_free_one() -> None:
    processor, script = PerChatUpdateProcessor(max_concurrent_chats=2), Script()
    for update_id in (1, 2, 3):  # chat 7, flooded: one place
        await processor.process_update(answer(update_id, 7), script.handle(update_id, gated=True))
    await processor.process_update(answer(4, 8), script.handle(4, gated=True))  # the second place
    third = asyncio.create_task(processor.process_update(answer(5, 9), script.handle(5)))
    await script.until(lambda: script.started == [1, 4])
    assert not third.done()  # both places taken: the hand-over waits (and holds up the fetcher)
    script.gates[4].set()  # chat 8 is done and leaves its place
    await asyncio.wait_for(third, 5)
    await script.until(lambda: 5 in script.finished)
    assert script.finished == [4, 5]
    for update_id in (1, 2, 3):
        script.gates[update_id].set()
    await asyncio.wait_for(processor.join(), 5)
    assert script.finished == [4, 5, 1, 2, 3]


async def test_a_stop_finishes_the_running_update_and_drops_the_ones_queued_behind_it() -> None:
    processor, script = PerChatUpdateProcessor(), Script()
    await processor.process_update(answer(1, 7), script.handle(1, gated=True))
    for update_id in (2, 3):
        await processor.process_update(answer(update_id, 7), script.handle(update_id))
    await script.until(lambda: script.started == [1])
    processor.stop_queued()
    script.gates[1].set()
    await asyncio.wait_for(processor.join(), 5)
    assert script.finished == [1]


async def test_join_waits_for_every_update_handed_over() -> None:
    processor, script = PerChatUpdateProcessor(), Script()
    await processor.process_update(answer(1, 7), script.handle(1, gated=True))
    joined = asyncio.create_task(processor.join())
    await script.until(lambda: script.started == [1])
    assert not joined.done()
    script.gates[1].set()
    await asyncio.wait_for(joined, 5)
    assert script.finished == [1]


async def test_ptb_is_told_one_place_so_it_hands_updates_over_without_a_task_each() -> None:
    assert PerChatUpdateProcessor(max_concurrent_chats=64).max_concurrent_updates == 1
    assert PerChatUpdateProcessor(max_concurrent_chats=64).max_concurrent_chats == 64


async def test_polling_holds_back_at_a_batch_unhandled_and_resumes_once_half_of_it_is_handled() -> None:
    fetched = FetchedUpdates(bound=10)
    updates = [answer(n, n) for n in range(1, 12)]
    for update in updates[:10]:
        await fetched.put(update)
    eleventh = asyncio.ensure_future(fetched.put(updates[10]))
    await asyncio.sleep(0)
    assert not eleventh.done()
    for update in updates[:4]:
        fetched.handled(update)
        await asyncio.sleep(0)
    assert not eleventh.done() and fetched.unhandled == 6
    fetched.handled(updates[4])
    await asyncio.wait_for(eleventh, 1)
    assert fetched.unhandled == 6


async def test_updates_fetched_and_not_handled_never_exceed_the_bound() -> None:
    fetched = FetchedUpdates(bound=10)
    seen: list[int] = []

    async def updater() -> None:
        for n in range(1, 101):
            await fetched.put(answer(n, n))
            seen.append(fetched.unhandled)

    async def handler() -> None:
        for _ in range(100):
            update = await fetched.get()
            await asyncio.sleep(0)
            fetched.handled(update)

    await asyncio.wait_for(asyncio.gather(updater(), handler()), 5)
    assert max(seen) == 10
