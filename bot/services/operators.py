"""What the bot's operators (ADMIN_IDS) see and do: the /admin overview, a bank reload's
outcome, and how often an error may reach them. Free of Telegram types."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.content.loader import Bank, Problem, carry_over, check_bank
from bot.services.push import LATE_AFTER, due_push
from bot.storage.repository import OperatorCounts, Repository

#: An error of one type reaches the operators at most once in this long.
ALERT_WINDOW = dt.timedelta(minutes=10)


@dataclass
class TodaysPush:
    """Today's daily push over the chats that are due (each in its own local date)."""

    due: int = 0
    sent: int = 0
    #: Sent, but more than LATE_AFTER after the chat's time (after downtime, say).
    late: int = 0
    failed: int = 0
    #: Due and neither sent nor given up yet (claimed, or not reached).
    pending: int = 0


@dataclass(frozen=True)
class Overview:
    counts: OperatorCounts
    push: TodaysPush
    #: (topics, facts, questions, mains prompts) in the bank now.
    content: tuple[int, int, int, int]
    uptime: dt.timedelta


@dataclass(frozen=True)
class ReloadOutcome:
    """A reload that was refused (``problems``) or taken (the ids added and removed)."""

    problems: list[Problem] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def content_counts(bank: Bank) -> tuple[int, int, int, int]:
    return len(bank.topics), len(bank.facts), len(bank.questions), len(bank.mains)


def _ids(bank: Bank) -> set[str]:
    return {*bank.topics, *bank.facts, *bank.questions, *bank.mains}


def compare_banks(old: Bank, new: Bank) -> ReloadOutcome:
    """The ids (topics, facts, questions, Mains prompts) the new bank adds and drops."""
    before, after = _ids(old), _ids(new)
    return ReloadOutcome(added=sorted(after - before), removed=sorted(before - after))


def reload_bank(old: Bank, content_dir: Path, today: dt.date) -> tuple[ReloadOutcome, Bank | None]:
    """Load the bank again: its problems and no bank when invalid; else what changed, and the new
    bank still resolving the questions only the old one had (polls already sent stay answerable)."""
    result = check_bank(content_dir, today)
    if result.problems:
        return ReloadOutcome(problems=result.problems), None
    return compare_banks(old, result.bank), carry_over(old, result.bank)


class OperatorService:
    def __init__(self, repo: Repository, default_tz: ZoneInfo, default_time: dt.time) -> None:
        self.repo = repo
        self.default_tz = default_tz
        self.default_time = default_time

    async def overview(self, bank: Bank, now: dt.datetime, started_at: dt.datetime) -> Overview:
        """Everything /admin shows. "Today" for answers is the operator's default time zone."""
        local_midnight = dt.datetime.combine(now.astimezone(self.default_tz).date(), dt.time(), self.default_tz)
        counts = await self.repo.operator_counts(local_midnight, now - dt.timedelta(days=7))
        return Overview(counts, await self.todays_push(now), content_counts(bank), now - started_at)

    async def todays_push(self, now: dt.datetime) -> TodaysPush:
        """Streams the subscribed chats like the push does, so memory stays flat."""
        report = TodaysPush()
        async for batch in self.repo.subscribed_chats():
            for chat in batch:
                push = due_push(chat, now, self.default_tz, self.default_time)
                if push is None:
                    continue
                report.due += 1
                delivery = await self.repo.get_delivery(chat.chat_id, push.local_date)
                if delivery is None or delivery.state == "claimed":
                    report.pending += 1
                elif delivery.state == "sent":
                    report.sent += 1
                    if delivery.sent_at is not None and delivery.sent_at - push.scheduled > LATE_AFTER:
                        report.late += 1
                elif delivery.state == "failed":
                    report.failed += 1
                else:
                    report.pending += 1  # a day skipped by a change of time: push-now may still serve it
        return report


class AlertThrottle:
    """At most one alert per error type per ALERT_WINDOW (the clock is the caller's)."""

    def __init__(self, window: dt.timedelta = ALERT_WINDOW) -> None:
        self.window = window
        self._last: dict[str, dt.datetime] = {}

    def allow(self, kind: str, now: dt.datetime) -> bool:
        """True (and the window restarts) when ``kind`` was not alerted within the window."""
        last = self._last.get(kind)
        if last is not None and now - last < self.window:
            return False
        self._last[kind] = now
        return True
