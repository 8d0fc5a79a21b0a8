"""The one object that carries the bot's collaborators, and the typed context handlers receive.

``AppContext`` is kept in ``application.bot_data``; ``StudyContext`` (PTB's CallbackContext with a
``.app`` property) is what every handler and job is given, so none of them looks it up by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.clock import Clock
from bot.config import Settings
from bot.content.loader import Bank
from bot.services.broadcast import BroadcastService
from bot.services.chat_settings import ChatSettingsService
from bot.services.groups import Cooldown, GroupService
from bot.services.learning import Learning
from bot.services.operators import AlertThrottle, OperatorService
from bot.services.push import PushService
from bot.services.schedule import chat_zone
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
    operators: OperatorService
    broadcasts: BroadcastService
    #: When this process started serving (for /admin's uptime).
    started_at: dt.datetime
    #: How often an error may reach the operators.
    alerts: AlertThrottle

    def use_bank(self, bank: Bank) -> None:
        """Put a newly loaded bank in place, with every service that reads it (/reload).

        Handlers already running finish with the services they hold; the next update sees the
        new ones.
        """
        self.bank = bank
        self.study = StudyService(bank, self.repo)
        self.stats = StatsService(bank, self.repo)
        self.learning = Learning.create(bank, self.repo)

    def now(self) -> dt.datetime:
        return self.clock.now()

    def bank_in(self, lang: str) -> Bank:
        """The content as a chat in ``lang`` reads it: the same ids, answers and option order."""
        return self.bank.in_language(lang)

    async def language_of(self, chat_id: int) -> str:
        """The language a chat reads, from its record (for jobs and poll answers, which come
        without the chat's update)."""
        return self.chat_settings.language(await self.chat_settings.get(chat_id))

    def chat_tz(self, chat: ChatRecord | None) -> ZoneInfo:
        """A chat's own time zone, or the operator's default."""
        return chat_zone(chat, self.settings.tz)


class StudyContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context for handlers and jobs, with the bot's collaborators at ``.app``."""

    #: The language of the update's chat, once read (PTB builds one context per update): see
    #: :func:`bot.handlers.support.chat_language`.
    language: str | None = None

    @property
    def app(self) -> AppContext:
        ctx: AppContext = self.application.bot_data[CONTEXT_KEY]
        return ctx


#: The Application with the bot's own context type.
StudyApplication = Application[
    ExtBot[Any], StudyContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], JobQueue[StudyContext]
]
