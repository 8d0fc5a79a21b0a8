"""The learning services together, so the app context carries them as one collaborator."""

from __future__ import annotations

import random
from dataclasses import dataclass

from fsrs import Scheduler

from bot.content.loader import Bank
from bot.services.mock_test import MockTestService
from bot.services.my_data import MyDataService
from bot.services.practice import PracticeService
from bot.services.quiz_session import QuizSessionService
from bot.services.review import ReviewService
from bot.storage.repository import Repository


@dataclass(frozen=True)
class Learning:
    review: ReviewService
    tests: MockTestService
    practice: PracticeService
    data: MyDataService
    #: Group quiz sessions (/quiz 10 by an admin).
    sessions: QuizSessionService

    @classmethod
    def create(
        cls, bank: Bank, repo: Repository, rng: random.Random | None = None, scheduler: Scheduler | None = None
    ) -> Learning:
        """Build every learning service on one bank and store (``rng`` and ``scheduler`` for tests)."""
        rng = rng or random.Random()
        return cls(
            review=ReviewService(bank, repo, scheduler),
            tests=MockTestService(bank, repo, rng),
            practice=PracticeService(bank, repo, rng),
            data=MyDataService(bank, repo),
            sessions=QuizSessionService(bank, repo, rng),
        )
