"""The one object that carries the bot's collaborators, kept in ``application.bot_data``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import Settings
from bot.content.loader import Bank
from bot.services.chat_settings import ChatSettingsService
from bot.services.groups import Cooldown, GroupService
from bot.services.learning import Learning
from bot.services.push import PushService
from bot.services.stats import StatsService
from bot.services.study import StudyService
from bot.storage.repository import ChatRecord, Repository

CONTEXT_KEY = "studybot"


@dataclass
class AppContext:
    settings: Settings
    clock: Clock
    repo: Repository
    bank: Bank
    study: StudyService
    stats: StatsService
    chat_settings: ChatSettingsService
    push: PushService
    groups: GroupService
    cooldown: Cooldown
    #: Spaced review, mock tests, mistakes and Mains practice, your data.
    learning: Learning

    def now(self) -> dt.datetime:
        return self.clock.now()

    def chat_tz(self, chat: ChatRecord | None) -> ZoneInfo:
        """A chat's own time zone, or the operator's default."""
        return ZoneInfo(chat.timezone) if chat and chat.timezone else self.settings.tz
