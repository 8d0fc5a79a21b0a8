"""A chat's push settings: parsing what users type and storing the result."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from rapidfuzz import fuzz, process

from bot.languages import ENGLISH, LANGUAGES
from bot.services.parsing import read_days, read_time
from bot.services.schedule import Defaults, Schedule
from bot.storage.repository import ChatRecord, Repository

MAX_PAUSE_DAYS = 365
#: How many quiz questions a daily push may carry (UPSC channels post 5–10 a day).
PUSH_SIZES = (1, 5, 10)


@cache
def _zone_names() -> dict[str, str]:
    """Folded IANA name -> canonical name, for every zone tzdata knows."""
    return {name.casefold(): name for name in available_timezones() if "/" in name or name == "UTC"}


#: Words and abbreviations people type for the zones most users of the bot live in.
_ZONE_WORDS = {
    "ist": "Asia/Kolkata",
    "india": "Asia/Kolkata",
    "bharat": "Asia/Kolkata",
    "indian standard time": "Asia/Kolkata",
    "calcutta": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "bombay": "Asia/Kolkata",
    "chennai": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "nepal": "Asia/Kathmandu",
    "npt": "Asia/Kathmandu",
    "bangladesh": "Asia/Dhaka",
    "sri lanka": "Asia/Colombo",
    "pakistan": "Asia/Karachi",
    "pkt": "Asia/Karachi",
    "uae": "Asia/Dubai",
    "gst": "Asia/Dubai",
    "saudi arabia": "Asia/Riyadh",
    "qatar": "Asia/Qatar",
    "uk": "Europe/London",
    "utc": "UTC",
    "gmt": "UTC",
}
#: UTC offsets that are not whole hours, by the zone that keeps them all year.
_ODD_OFFSETS = {
    "+05:30": "Asia/Kolkata",
    "+05:45": "Asia/Kathmandu",
    "+06:30": "Asia/Yangon",
    "+04:30": "Asia/Kabul",
    "+03:30": "Asia/Tehran",
    "+09:30": "Australia/Darwin",
    "-03:30": "America/St_Johns",
}
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*([0-9]{1,2})(?:[:.]?([0-9]{2}))?$", re.ASCII)
#: Old names tzdata keeps as links, shown as today's name.
_CANONICAL = {"Asia/Calcutta": "Asia/Kolkata", "Asia/Katmandu": "Asia/Kathmandu", "Asia/Dacca": "Asia/Dhaka"}
#: A fuzzy match this good, with no rival as good, is taken as meant.
_SURE = 90


@dataclass(frozen=True)
class ZoneLookup:
    #: The zone to set; ``guessed`` when it was read from a nickname, an offset or a near miss.
    zone: str | None
    suggestions: list[str]
    guessed: bool = False


def _offset_zone(folded: str) -> str | None:
    """``+05:30``, ``+5:30``, ``UTC+5:30``, ``GMT-3`` … as a zone with that offset all year."""
    match = _OFFSET.match(folded.replace("_", " "))
    if not match:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or minutes >= 60:
        return None
    if minutes == 0:
        # Etc/GMT-5 is UTC+5: the Etc names have the sign the other way round.
        return "UTC" if hours == 0 else f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
    return _ODD_OFFSETS.get(f"{sign}{hours:02d}:{minutes:02d}")


def find_timezone(query: str) -> ZoneLookup:
    """An IANA zone by name, nickname (IST, India), offset (+05:30) or a single close match;
    suggestions only when several zones are about as close."""
    names = _zone_names()
    folded = " ".join(query.strip().casefold().split())
    key = folded.replace(" ", "_")
    if key in names:
        return ZoneLookup(names[key], [])
    if folded in _ZONE_WORDS:
        return ZoneLookup(_ZONE_WORDS[folded], [], guessed=True)
    if (by_offset := _offset_zone(folded)) is not None:
        return ZoneLookup(by_offset, [], guessed=True)
    # A bare city ("kolkata") matches the last part of a zone name.
    by_city = [name for k, name in names.items() if k.rsplit("/", 1)[-1] == key]
    if len(by_city) == 1:
        return ZoneLookup(by_city[0], [], guessed=True)
    matches = process.extract(key, list(names), scorer=fuzz.WRatio, limit=3, score_cutoff=70)
    if not by_city and matches and matches[0][1] >= _SURE and (len(matches) == 1 or matches[1][1] < _SURE):
        zone = names[matches[0][0]]
        return ZoneLookup(_CANONICAL.get(zone, zone), [], guessed=True)
    return ZoneLookup(None, by_city + [names[m[0]] for m in matches if names[m[0]] not in by_city][:3])


def parse_days(text: str) -> int | None:
    """Days to pause (``7``, ``3 days``, ``2 weeks``) from 1 to MAX_PAUSE_DAYS, else None."""
    return read_days(text, MAX_PAUSE_DAYS).value


def parse_time(text: str) -> str | None:
    """A time of day normalised to ``HH:MM`` (``7:30``, ``7.30``, ``0730``, ``7:30 pm`` …), or None."""
    return read_time(text).value


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
    push_size: int = 1
    #: The language the chat reads (its own, or the operator's default).
    language: str = ENGLISH


class ChatSettingsService:
    def __init__(
        self, repo: Repository, default_tz: ZoneInfo, default_time: dt.time, default_language: str = ENGLISH
    ) -> None:
        self.repo = repo
        self.default_tz = default_tz
        self.default_time = default_time
        self.default_language = default_language

    def language(self, chat: ChatRecord | None) -> str:
        """The language a chat reads: its own, or the operator's DEFAULT_LANGUAGE."""
        return chat.language if chat is not None and chat.language in LANGUAGES else self.default_language

    async def set_language(self, chat_id: int, language: str) -> None:
        """The chat's choice (/language): one of LANGUAGES, kept even when it is the default."""
        if language not in LANGUAGES:
            raise ValueError(f"language {language!r} is not one of {LANGUAGES}")
        await self.repo.update_chat(chat_id, language=language)

    def resolve(self, chat: ChatRecord, now: dt.datetime) -> PushSettings:
        schedule = self.schedule(chat, now)
        next_push = None
        if chat.subscribed:
            day = schedule.today
            if chat.paused_until is not None and day <= chat.paused_until:
                day = chat.paused_until + dt.timedelta(days=1)
            next_push = schedule.at(day)
            if next_push < now:
                next_push = schedule.at(day + dt.timedelta(days=1))
        return PushSettings(
            subscribed=chat.subscribed,
            active=chat.active,
            push_time=schedule.time.strftime("%H:%M"),
            timezone=schedule.zone.key,
            topic_id=chat.push_topic,
            paused_until=chat.paused_until,
            next_push=next_push,
            push_size=chat.push_size,
            language=self.language(chat),
        )

    def schedule(self, chat: ChatRecord, now: dt.datetime) -> Schedule:
        """The chat's schedule at ``now``."""
        return Schedule.of(chat, now, Defaults(self.default_tz, self.default_time))

    async def subscribe(self, chat: ChatRecord, topic_id: str | None, now: dt.datetime) -> bool:
        """Subscribe (or change the topic). True for a new subscriber whose push time has already
        passed today: they should see today's push at once rather than wait a day for a first one."""
        await self.repo.update_chat(chat.chat_id, subscribed=True, push_topic=topic_id, active=True)
        if chat.subscribed:
            return False
        return self.schedule(chat, now).passed

    async def get(self, chat_id: int) -> ChatRecord | None:
        """The chat's record (every chat that wrote is on record: see ``record_chat``)."""
        return await self.repo.get_chat(chat_id)

    async def record_chat(
        self, chat_id: int, type: str, title: str | None, username: str | None, starts_in: str | None = None
    ) -> None:
        """Keep a chat that wrote on record, with its current title and username; a chat with no
        language on record starts in ``starts_in`` (a private chat: its user's Telegram language)."""
        await self.repo.upsert_chat(chat_id, type, title, username, starts_in)

    async def record_user(self, user_id: int, first_name: str, username: str | None) -> None:
        """Keep a user on record: their first name is what leaderboards show."""
        await self.repo.upsert_user(user_id, first_name, username)

    async def set_active(self, chat_id: int, active: bool) -> None:
        """Blocked or removed: nothing is sent until it comes back, with its old settings."""
        await self.repo.update_chat(chat_id, active=active)

    async def deactivate(self, chat_id: int) -> None:
        """The chat blocked or removed the bot: nothing is sent to it until it comes back."""
        await self.set_active(chat_id, False)

    async def set_push_size(self, chat_id: int, size: int) -> None:
        """Quiz questions per daily push: one of PUSH_SIZES."""
        if size not in PUSH_SIZES:
            raise ValueError(f"push size {size} is not one of {PUSH_SIZES}")
        await self.repo.update_chat(chat_id, push_size=size)

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
        schedule = self.schedule(chat, now)
        if schedule.passed:
            await self.repo.skip_delivery(chat.chat_id, schedule.today, now)
        else:
            await self.repo.unskip_delivery(chat.chat_id, schedule.today)

    async def pause(self, chat: ChatRecord, days: int, now: dt.datetime) -> dt.date:
        """Skip the next ``days`` pushes; returns the last paused local day. Today counts only
        when today's push has not gone out yet."""
        schedule = self.schedule(chat, now)
        first = schedule.today + dt.timedelta(days=1) if schedule.passed else schedule.today
        until = first + dt.timedelta(days=days - 1)
        await self.repo.update_chat(chat.chat_id, paused_until=until)
        return until

    async def resume(self, chat_id: int) -> None:
        await self.repo.update_chat(chat_id, paused_until=None)
