"""A chat's schedule: its zone, its local date, its push time, and whether today's has passed.

One value, computed in one place, for everything that asks "when is this chat's push?": the
minute job, /settings, /subscribe, /settime, /timezone and /pause.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.config import parse_hhmm
from bot.storage.repository import ChatRecord


@dataclass(frozen=True)
class Defaults:
    """The operator's zone and time, for chats that chose none."""

    zone: ZoneInfo
    time: dt.time


def chat_zone(chat: ChatRecord | None, default: ZoneInfo) -> ZoneInfo:
    """A chat's own time zone, or the operator's default."""
    return ZoneInfo(chat.timezone) if chat is not None and chat.timezone else default


@dataclass(frozen=True)
class Schedule:
    zone: ZoneInfo
    #: The push time of day, local.
    time: dt.time
    #: The chat's local date at ``now``.
    today: dt.date
    now: dt.datetime

    @classmethod
    def of(cls, chat: ChatRecord, now: dt.datetime, defaults: Defaults) -> Schedule:
        zone = chat_zone(chat, defaults.zone)
        time = parse_hhmm(chat.push_time) if chat.push_time else defaults.time
        return cls(zone, time, now.astimezone(zone).date(), now)

    def at(self, day: dt.date) -> dt.datetime:
        """When the push is due on a local date, as an aware datetime (DST-safe)."""
        return dt.datetime.combine(day, self.time, tzinfo=self.zone)

    @property
    def due_today(self) -> dt.datetime:
        return self.at(self.today)

    @property
    def passed(self) -> bool:
        """Whether today's push time has come."""
        return self.now >= self.due_today

    @property
    def local_now(self) -> dt.datetime:
        return self.now.astimezone(self.zone)
