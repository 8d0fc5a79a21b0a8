"""Group study chats and channels: leaderboards, cooldowns, daily summaries, channel results."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.storage.repository import ChannelTotals, ChatRecord, LeaderboardRow, PollSummary, Repository

log = logging.getLogger(__name__)

LEADERBOARD_SIZE = 10


@dataclass(frozen=True)
class RankedRow:
    rank: int
    row: LeaderboardRow

    @property
    def accuracy(self) -> int:
        return round(100 * self.row.correct / self.row.answered) if self.row.answered else 0


@dataclass(frozen=True)
class Leaderboard:
    period: str  # "week" or "all"
    top: list[RankedRow]
    #: The asking member's own place when it is outside the top list.
    own: RankedRow | None


def week_start(now: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Monday 00:00 of the current week in the chat's time zone."""
    local = now.astimezone(tz)
    monday = local.date() - dt.timedelta(days=local.weekday())
    return dt.datetime.combine(monday, dt.time(0, 0), tzinfo=tz)


def rank(rows: list[LeaderboardRow]) -> list[RankedRow]:
    """Most correct first; ties by accuracy, then by who got there first."""
    far_future = dt.datetime.max.replace(tzinfo=dt.UTC)

    def key(row: LeaderboardRow) -> tuple[int, float, dt.datetime, int]:
        accuracy = row.correct / row.answered if row.answered else 0.0
        return (-row.correct, -accuracy, row.reached or far_future, row.user_id)

    return [RankedRow(i, row) for i, row in enumerate(sorted(rows, key=key), 1)]


class Cooldown:
    """Per-chat cooldown for /quiz and /fact in groups: one "wait" notice, then silence."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        self._last: dict[tuple[int, str], tuple[dt.datetime, bool]] = {}

    def check(self, chat_id: int, action: str, now: dt.datetime) -> tuple[bool, int, bool]:
        """(allowed, seconds left, whether to say so). Allowed calls start a new cooldown."""
        key = (chat_id, action)
        last = self._last.get(key)
        if last is None or self.seconds <= 0 or (now - last[0]).total_seconds() >= self.seconds:
            self._last[key] = (now, False)
            return True, 0, False
        left = max(1, int(self.seconds - (now - last[0]).total_seconds()))
        started, warned = last
        self._last[key] = (started, True)
        return False, left, not warned


class GroupService:
    def __init__(self, repo: Repository) -> None:
        self.repo = repo

    async def leaderboard(
        self, chat_id: int, user_id: int | None, period: str, tz: ZoneInfo, now: dt.datetime
    ) -> Leaderboard:
        since = week_start(now, tz) if period == "week" else None
        ranked = rank(await self.repo.leaderboard_rows(chat_id, since))
        top = ranked[:LEADERBOARD_SIZE]
        own = next((r for r in ranked[LEADERBOARD_SIZE:] if r.row.user_id == user_id), None)
        return Leaderboard(period, top, own)

    async def migrate(self, old_chat_id: int, new_chat_id: int) -> bool:
        """A group became a supergroup: its settings, scores, rotation and ledger move to the new id.

        Telegram says so twice (a service message in each chat) and a send to the old id says so
        again; whichever comes first moves the chat and the rest find nothing to move (False).
        """
        moved = await self.repo.migrate_chat(old_chat_id, new_chat_id)
        if moved:
            log.info("group %s became supergroup %s: its settings and history moved there", old_chat_id, new_chat_id)
        return moved

    async def yesterday(self, chat_id: int, before: dt.datetime) -> PollSummary | None:
        return await self.repo.last_push_poll_summary(chat_id, before)

    async def record_channel_poll(self, poll_id: str, voter_counts: list[int], total: int) -> bool:
        return await self.repo.record_poll_results(poll_id, voter_counts, total)

    async def channel_totals(self, chat_id: int) -> ChannelTotals:
        return await self.repo.channel_totals(chat_id)

    async def find_channel(self, username: str) -> ChatRecord | None:
        """The channel the bot knows by ``@username``; None for anything else (a person, a group)."""
        chat_id = await self.repo.find_chat_by_username(username.lstrip("@"))
        record = await self.repo.get_chat(chat_id) if chat_id is not None else None
        return record if record is not None and record.is_channel else None

    async def delete_later(self, chat_id: int, message_id: int, at: dt.datetime) -> None:
        """Remember to delete a message (a channel's confirmation) at ``at``, across restarts."""
        await self.repo.schedule_deletion(chat_id, message_id, at)

    async def due_deletions(self, now: dt.datetime) -> list[tuple[int, int]]:
        """(chat, message) pairs whose time to go has come."""
        return await self.repo.due_deletions(now)

    async def deleted(self, chat_id: int, message_id: int) -> None:
        """The message is gone (or could not be deleted): forget it."""
        await self.repo.forget_deletion(chat_id, message_id)
