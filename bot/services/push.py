"""The daily push: who is due, the delivery ledger, and a run over every subscribed chat.

Exactly once per chat per local date: a chat's day is claimed in the ledger before anything is
sent and marked sent afterwards. A push has parts (the fact message, then each quiz); the ledger
counts the parts that went out, so a push that failed or was killed half-way is resumed where it
stopped. A crash leaves a claim that another run may take over once its lease has run out, so the
worst case is the one part that was in flight sent twice, never a missed day. Sending is left to
a ``Deliver`` callable so this module knows nothing of Telegram.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from bot.services.groups import GroupService
from bot.services.schedule import Defaults, Schedule
from bot.storage.faults import is_store_fault
from bot.storage.repository import ChatRecord, Repository

log = logging.getLogger(__name__)

#: A claim older than this belongs to a run that died mid-send and may be taken over.
CLAIM_LEASE = dt.timedelta(minutes=2)
#: A push sent more than this after its time says that it is late.
LATE_AFTER = dt.timedelta(minutes=15)
#: How many chats are sent to at once: one slow chat never holds up the rest.
CONCURRENCY = 32


class ChatGone(Exception):
    """The chat blocked or removed the bot, or no longer exists: stop sending to it."""


class TryLater(Exception):
    """A temporary failure (5xx, timeout, flood wait): leave the chat for the next tick."""


class ChatMoved(Exception):
    """The group became a supergroup with a new id: move the chat there and send there."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"the group moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


@dataclass(frozen=True)
class DuePush:
    chat: ChatRecord
    local_date: dt.date
    scheduled: dt.datetime
    late: bool
    #: Parts of this day's push (fact message, then each quiz) that went out before this attempt.
    parts_sent: int = 0


Deliver = Callable[[DuePush], Awaitable[None]]


@dataclass
class PushReport:
    #: Chats looked at, due or not (progress), and how many of them were due.
    examined: int = 0
    total: int = 0
    sent: int = 0
    #: Sent earlier today (by another run, or at once to a new subscriber).
    already: int = 0
    #: Not sent now and not sent before: a day skipped by a time change, or a claim another run
    #: holds or that has used up its attempts. Never counted as served.
    skipped: int = 0
    failed: int = 0
    deactivated: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"sent {self.sent}, already served {self.already}, skipped {self.skipped}, failed {self.failed}, "
            f"deactivated {self.deactivated}"
        )


def due_push(
    chat: ChatRecord, now: dt.datetime, default_tz: ZoneInfo, default_time: dt.time, ignore_time: bool = False
) -> DuePush | None:
    """The chat's push for its current local date, if its time has come and it is not paused.

    A missed push is caught up until local midnight: after that the day is gone and the next one
    starts fresh (a student does not want yesterday's quiz at breakfast).
    """
    if not chat.subscribed or not chat.active:
        return None
    schedule = Schedule.of(chat, now, Defaults(default_tz, default_time))
    today = schedule.today
    if chat.paused_until is not None and today <= chat.paused_until:
        return None
    if not schedule.passed and not ignore_time:
        return None
    late = now - schedule.due_today > LATE_AFTER
    return DuePush(chat, today, schedule.due_today, late and not ignore_time)


class PushService:
    def __init__(
        self, repo: Repository, default_tz: ZoneInfo, default_time: dt.time, groups: GroupService | None = None
    ) -> None:
        self.repo = repo
        self.default_tz = default_tz
        self.default_time = default_time
        #: Moves a group that became a supergroup, as the service messages do.
        self.groups = groups or GroupService(repo)

    async def run(
        self,
        now: dt.datetime,
        deliver: Deliver,
        *,
        ignore_time: bool = False,
        take_skipped: bool = False,
        progress: Callable[[PushReport], None] | None = None,
        batch_size: int = 500,
    ) -> PushReport:
        """Serve every due chat once. Chats stream from the store in batches; memory stays flat.

        ``take_skipped`` (push-now) also serves days skipped by a change of time: whatever was
        not sent today is sent.
        """
        report = PushReport()
        limit = asyncio.Semaphore(CONCURRENCY)

        async def serve(push: DuePush) -> None:
            async with limit:
                try:
                    await self._serve_one(push, now, deliver, report, take_skipped=take_skipped)
                except Exception as exc:
                    if not is_store_fault(exc):
                        raise
                    # The store failed for this chat (a lost connection): the others go on, and its
                    # claim, if it was taken, is taken over at a run after the lease.
                    log.warning("push to chat %s: the store failed (%s)", push.chat.chat_id, exc)
                    report.failed += 1
                    report.errors.append(f"{push.chat.chat_id}: store: {exc}")
            report.examined += 1
            if progress is not None:
                progress(report)

        async for batch in self.repo.subscribed_chats(batch_size):
            due = [p for c in batch if (p := due_push(c, now, self.default_tz, self.default_time, ignore_time))]
            report.total += len(due)
            report.examined += len(batch) - len(due)
            await asyncio.gather(*(serve(p) for p in due))
        return report

    async def serve_now(self, chat: ChatRecord, now: dt.datetime, deliver: Deliver) -> PushReport:
        """Today's push for one chat at once (a new subscriber after today's time), through the
        ledger like any other, so the day counts as served and the minute job sends nothing more."""
        report = PushReport(examined=1)
        push = due_push(chat, now, self.default_tz, self.default_time, ignore_time=True)
        if push is not None:
            report.total = 1
            await self._serve_one(push, now, deliver, report, take_skipped=True)
        return report

    async def _serve_one(
        self, push: DuePush, now: dt.datetime, deliver: Deliver, report: PushReport, *, take_skipped: bool = False
    ) -> None:
        chat_id = push.chat.chat_id
        if not await self.repo.claim_delivery(chat_id, push.local_date, now, CLAIM_LEASE, take_skipped=take_skipped):
            delivery = await self.repo.get_delivery(chat_id, push.local_date)
            if delivery is not None and delivery.state == "sent":
                report.already += 1
            else:
                report.skipped += 1
            return
        if (claimed := await self.repo.get_delivery(chat_id, push.local_date)) is not None:
            push = replace(push, parts_sent=claimed.parts_sent)
        outcome = await _attempt(deliver, push)
        if isinstance(outcome, ChatMoved):
            followed = await self._follow(push, outcome.new_chat_id, now)
            if followed is None:
                report.already += 1
                return
            push = followed
            outcome = await _attempt(deliver, push)
        await self._record(push, outcome, now, report)

    async def part_sent(self, push: DuePush, parts_sent: int) -> None:
        """Record, as each part goes out, how many parts of the day's push were sent: a later
        attempt starts after them."""
        await self.repo.mark_delivery_parts(push.chat.chat_id, push.local_date, parts_sent)

    async def _follow(self, push: DuePush, new_chat_id: int, now: dt.datetime) -> DuePush | None:
        """The day's push for the supergroup a group became, once the chat has moved there; None
        when the new id has been served that day already."""
        old_chat_id = push.chat.chat_id
        await self.groups.migrate(old_chat_id, new_chat_id)
        delivery = await self.repo.get_delivery(new_chat_id, push.local_date)
        # This run's claim moved with the chat. If it did not, the chat had moved before this run
        # claimed the old id (a service message handled in between) or the new id had the day
        # already: that claim on the dead id is closed and the day claimed on the new id, if it can.
        ours = delivery is not None and delivery.state == "claimed" and delivery.claimed_at == now
        if not ours:
            await self.repo.finish_delivery(old_chat_id, push.local_date, "failed", now, f"moved to {new_chat_id}")
            if not await self.repo.claim_delivery(new_chat_id, push.local_date, now, CLAIM_LEASE):
                return None
        chat = await self.repo.get_chat(new_chat_id)
        return replace(push, chat=chat or replace(push.chat, chat_id=new_chat_id))

    async def _record(self, push: DuePush, outcome: Exception | None, now: dt.datetime, report: PushReport) -> None:
        """The ledger and the report after a claimed push was sent, or failed with ``outcome``."""
        chat_id = push.chat.chat_id
        if outcome is None:
            await self.repo.finish_delivery(chat_id, push.local_date, "sent", now)
            report.sent += 1
        elif isinstance(outcome, ChatGone):
            await self.repo.update_chat(chat_id, active=False)
            await self.repo.finish_delivery(chat_id, push.local_date, "failed", now, f"chat gone: {outcome}")
            report.deactivated += 1
        else:
            # TryLater and anything unexpected: the chat is left for the next tick, not dropped.
            if not isinstance(outcome, TryLater):
                log.error("push to chat %s failed", chat_id, exc_info=outcome)
            await self.repo.finish_delivery(chat_id, push.local_date, "failed", now, str(outcome)[:200])
            report.failed += 1
            report.errors.append(f"{chat_id}: {outcome}")


async def _attempt(deliver: Deliver, push: DuePush) -> Exception | None:
    """Send one push; what it failed with, if it did."""
    try:
        await deliver(push)
    except Exception as exc:
        return exc
    return None
