"""A chat's push settings: parsing what users type and storing the result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from rapidfuzz import fuzz, process

from bot.config import parse_hhmm
from bot.services.parsing import parse_int
from bot.services.push import chat_zone, scheduled_time
from bot.storage.repository import ChatRecord, Repository

MAX_PAUSE_DAYS = 365


@cache
def _zone_names() -> dict[str, str]:
    """Folded IANA name -> canonical name, for every zone tzdata knows."""
    return {name.casefold(): name for name in available_timezones() if "/" in name or name == "UTC"}


@dataclass(frozen=True)
class ZoneLookup:
    zone: str | None
    suggestions: list[str]


def find_timezone(query: str) -> ZoneLookup:
    """An IANA zone by name, case-insensitively; near misses ("kolkata", "Asia/Calcuta") get suggestions."""
    names = _zone_names()
    folded = query.strip().replace(" ", "_").casefold()
    if folded in names:
        return ZoneLookup(names[folded], [])
    # A bare city ("kolkata") matches the last part of a zone name.
    by_city = [name for key, name in names.items() if key.rsplit("/", 1)[-1] == folded]
    if len(by_city) == 1:
        return ZoneLookup(None, by_city)
    matches = process.extract(folded, list(names), scorer=fuzz.WRatio, limit=3, score_cutoff=70)
    return ZoneLookup(None, by_city + [names[m[0]] for m in matches if names[m[0]] not in by_city][:3])


def parse_days(text: str) -> int | None:
    """Days to pause: a whole number from 1 to MAX_PAUSE_DAYS, else None."""
    return parse_int(text, low=1, high=MAX_PAUSE_DAYS)


def parse_time(text: str) -> str | None:
    """``HH:MM`` normalised (``7:30`` -> ``07:30``), or None."""
    try:
        return parse_hhmm(text).strftime("%H:%M")
    except ValueError:
        return None


@dataclass(frozen=True)
class PushSettings:
    """What /settings shows, resolved against the operator's defaults."""

    subscribed: bool
    active: bool
    push_time: str
    timezone: str
    topic_id: str | None
    paused_until: dt.date | None
    next_push: dt.datetime | None


class ChatSettingsService:
    def __init__(self, repo: Repository, default_tz: ZoneInfo, default_time: dt.time) -> None:
        self.repo = repo
        self.default_tz = default_tz
        self.default_time = default_time

    def resolve(self, chat: ChatRecord, now: dt.datetime) -> PushSettings:
        tz = chat_zone(chat, self.default_tz)
        today = now.astimezone(tz).date()
        next_push = None
        if chat.subscribed:
            day = today
            if chat.paused_until is not None and day <= chat.paused_until:
                day = chat.paused_until + dt.timedelta(days=1)
            at = scheduled_time(chat, day, tz, self.default_time)
            if at < now:
                at = scheduled_time(chat, day + dt.timedelta(days=1), tz, self.default_time)
            next_push = at
        return PushSettings(
            subscribed=chat.subscribed,
            active=chat.active,
            push_time=chat.push_time or self.default_time.strftime("%H:%M"),
            timezone=chat.timezone or self.default_tz.key,
            topic_id=chat.push_topic,
            paused_until=chat.paused_until,
            next_push=next_push,
        )

    async def subscribe(self, chat: ChatRecord, topic_id: str | None, now: dt.datetime) -> bool:
        """Subscribe (or change the topic). True for a new subscriber whose push time has already
        passed today: they should see today's push at once rather than wait a day for a first one."""
        await self.repo.update_chat(chat.chat_id, subscribed=True, push_topic=topic_id, active=True)
        if chat.subscribed:
            return False
        tz = chat_zone(chat, self.default_tz)
        return now >= scheduled_time(chat, now.astimezone(tz).date(), tz, self.default_time)

    async def deactivate(self, chat_id: int) -> None:
        """The chat blocked or removed the bot: nothing is sent to it until it comes back."""
        await self.repo.update_chat(chat_id, active=False)

    async def unsubscribe(self, chat_id: int) -> None:
        await self.repo.update_chat(chat_id, subscribed=False)

    async def set_time(self, chat: ChatRecord, hhmm: str, now: dt.datetime) -> None:
        await self.repo.update_chat(chat.chat_id, push_time=hhmm)
        await self._reconsider_today(replace(chat, push_time=hhmm), now)

    async def set_timezone(self, chat: ChatRecord, zone: str, now: dt.datetime) -> None:
        await self.repo.update_chat(chat.chat_id, timezone=zone)
        await self._reconsider_today(replace(chat, timezone=zone), now)

    async def _reconsider_today(self, chat: ChatRecord, now: dt.datetime) -> None:
        """A new time applies from its next occurrence: if it is still ahead today, today's push
        comes then; if it has passed, today is skipped (unless something was sent already)."""
        if not chat.subscribed:
            return
        tz = chat_zone(chat, self.default_tz)
        today = now.astimezone(tz).date()
        if scheduled_time(chat, today, tz, self.default_time) > now:
            await self.repo.unskip_delivery(chat.chat_id, today)
        else:
            await self.repo.skip_delivery(chat.chat_id, today, now)

    async def pause(self, chat: ChatRecord, days: int, now: dt.datetime) -> dt.date:
        """Skip the next ``days`` pushes; returns the last paused local day. Today counts only
        when today's push has not gone out yet."""
        tz = chat_zone(chat, self.default_tz)
        first = now.astimezone(tz).date()
        if now >= scheduled_time(chat, first, tz, self.default_time):
            first += dt.timedelta(days=1)
        until = first + dt.timedelta(days=days - 1)
        await self.repo.update_chat(chat.chat_id, paused_until=until)
        return until

    async def resume(self, chat_id: int) -> None:
        await self.repo.update_chat(chat_id, paused_until=None)
