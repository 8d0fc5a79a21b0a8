"""/mistakes (the user's latest wrong answers, paged) and /mains (GS-II answer-writing prompts)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from bot.content.loader import Bank
from bot.content.models import MainsPrompt, Question
from bot.storage.repository import Repository

#: How far back /mistakes pages: the latest wrong answer to each of this many questions.
MISTAKES_KEPT = 50


@dataclass(frozen=True)
class Mistake:
    question: Question
    #: Index in the question's options.
    chosen: int
    answered_at: dt.datetime


@dataclass(frozen=True)
class MistakePage:
    mistake: Mistake
    #: 0 is the newest.
    index: int
    total: int

    @property
    def has_newer(self) -> bool:
        """Whether there is a newer mistake (a ◀ button)."""
        return self.index > 0

    @property
    def has_older(self) -> bool:
        """Whether there is an older mistake (a ▶ button)."""
        return self.index + 1 < self.total


class PracticeService:
    def __init__(self, bank: Bank, repo: Repository, rng: random.Random | None = None) -> None:
        self.bank = bank
        self.repo = repo
        self.rng = rng or random.Random()

    async def mistakes(self, user_id: int) -> list[Mistake]:
        """Newest first, one per question, only questions still in the bank."""
        found = []
        for answer in await self.repo.latest_mistakes(user_id, MISTAKES_KEPT):
            question = self.bank.question(answer.question_id)
            if question is not None and 0 <= answer.chosen_option < len(question.options):
                found.append(Mistake(question, answer.chosen_option, answer.answered_at))
        return found

    async def mistake_page(self, user_id: int, index: int) -> MistakePage | None:
        """One mistake to show; None when there is none at that index (or none at all)."""
        found = await self.mistakes(user_id)
        if not 0 <= index < len(found):
            return None
        return MistakePage(found[index], index, len(found))

    def mains_prompt(self, topic_id: str | None) -> MainsPrompt | None:
        """A prompt from a topic (None: any topic)."""
        prompts = sorted(self.bank.mains_in(topic_id), key=lambda m: m.id)
        return self.rng.choice(prompts) if prompts else None

    def mains_by_id(self, prompt_id: str) -> MainsPrompt | None:
        """A prompt by id (from a button); None when it left the bank."""
        return self.bank.mains.get(prompt_id)
