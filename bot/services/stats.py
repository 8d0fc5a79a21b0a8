"""Per-user progress in one chat or in all of them: totals, accuracy, streaks and a per-topic breakdown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.content.loader import Bank
from bot.languages import ENGLISH
from bot.services.scoring import activity, score_per_hundred, upsc_score, weakest
from bot.storage.repository import Repository


@dataclass(frozen=True)
class TopicStats:
    topic_id: str
    title: str
    answered: int
    correct: int
    #: The topic's button title; the title itself when the topic has left the bank.
    short_title: str = ""

    @property
    def accuracy(self) -> int:
        return round(100 * self.correct / self.answered) if self.answered else 0


@dataclass(frozen=True)
class UserStats:
    answered: int
    correct: int
    streak: int
    best_streak: int
    topics: list[TopicStats]
    #: Answers per local day over the last two weeks, oldest first.
    activity: tuple[tuple[dt.date, int], ...] = ()

    @property
    def accuracy(self) -> int:
        return round(100 * self.correct / self.answered) if self.answered else 0

    @property
    def wrong(self) -> int:
        return self.answered - self.correct

    @property
    def score(self) -> Decimal:
        """UPSC Prelims marking: +2 right, -0.66 wrong."""
        return upsc_score(self.correct, self.wrong)

    @property
    def score_per_100(self) -> Decimal:
        return score_per_hundred(self.correct, self.wrong)

    @property
    def weakest(self) -> list[TopicStats]:
        return weakest(self.topics)


def streaks(days: set[dt.date] | frozenset[dt.date], today: dt.date) -> tuple[int, int]:
    """(current, best) runs of consecutive days. Today without an answer yet does not break the run."""
    best = run = 0
    previous = None
    for day in sorted(days):
        run = run + 1 if previous is not None and day - previous == dt.timedelta(days=1) else 1
        best = max(best, run)
        previous = day
    current = 0
    day = today if today in days else today - dt.timedelta(days=1)
    while day in days:
        current += 1
        day -= dt.timedelta(days=1)
    return current, best


class StatsService:
    def __init__(self, bank: Bank, repo: Repository) -> None:
        self.bank = bank
        self.repo = repo

    def _topic_stats(self, topic_id: str, answered: int, correct: int, lang: str) -> TopicStats:
        topic = self.bank.in_language(lang).topics.get(topic_id)
        if topic is None:
            return TopicStats(topic_id, topic_id, answered, correct, topic_id)
        return TopicStats(topic_id, topic.title, answered, correct, topic.short_title)

    async def current_streak(self, user_id: int, chat_id: int, tz: ZoneInfo, now: dt.datetime) -> int:
        """Only the current streak: what the daily push shows, without the per-topic tallies."""
        times = await self.repo.answer_times(user_id, chat_id)
        return streaks({t.astimezone(tz).date() for t in times}, now.astimezone(tz).date())[0]

    async def user_stats(
        self, user_id: int, chat_id: int | None, tz: ZoneInfo, now: dt.datetime, lang: str = ENGLISH
    ) -> UserStats:
        """A user's figures in one chat, or (``chat_id`` None) over every chat, as /review counts
        them; topics named in ``lang``."""
        tallies = await self.repo.topic_tallies(user_id, chat_id)
        times = await self.repo.answer_times(user_id, chat_id)
        days = frozenset(t.astimezone(tz).date() for t in times)
        current, best = streaks(days, now.astimezone(tz).date())
        topics = [self._topic_stats(t.topic_id, t.answered, t.correct, lang) for t in tallies]
        return UserStats(
            answered=sum(t.answered for t in tallies),
            correct=sum(t.correct for t in tallies),
            streak=current,
            best_streak=best,
            topics=topics,
            activity=activity(times, tz, now.astimezone(tz).date()),
        )
