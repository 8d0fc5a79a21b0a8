"""Mock tests (/test): ten questions one after another, each with a time limit, then a result card.

The test lives in SQLite, so a restart loses neither the test nor where it was. A question is
settled once — by its answer or, after its time has run out, as unanswered (``expire_due``, run
by a repeating job and called directly by tests) — and only the one that settles it moves the
test on, so an answer racing the timeout never skips a question.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from bot.content.loader import Bank
from bot.content.models import Question
from bot.services.scoring import MARKS_CORRECT, upsc_score
from bot.storage.repository import MockTest, MockTestItem, Repository

TEST_SIZE = 10
#: Seconds per question (the poll's open_period): UPSC's 120 minutes for 100 questions is 72 s.
SECONDS_PER_QUESTION = 60
#: An answer can reach us a moment after its poll closed; a question is given up only after this.
CLOSE_GRACE = dt.timedelta(seconds=3)

CORRECT, WRONG, UNANSWERED = "correct", "wrong", "unanswered"


@dataclass(frozen=True)
class Missed:
    """A question got wrong or left unanswered, for the result card's explanations."""

    position: int
    question: Question
    #: Index in the question's options, None when unanswered.
    chosen: int | None


@dataclass(frozen=True)
class MockTestResult:
    test: MockTest
    correct: int
    wrong: int
    unanswered: int
    missed: list[Missed]

    @property
    def score(self) -> Decimal:
        """UPSC marking: +2 right, -0.66 wrong, 0 unanswered."""
        return upsc_score(self.correct, self.wrong)

    @property
    def max_score(self) -> Decimal:
        """The score with every question right."""
        return MARKS_CORRECT * self.test.size

    @property
    def time_taken(self) -> dt.timedelta:
        """From the first question to the result."""
        end = self.test.finished_at or self.test.started_at
        return end - self.test.started_at


@dataclass(frozen=True)
class MockTestStep:
    """What to do next in a test: send ``question`` at ``position``, or show ``result``."""

    test: MockTest
    position: int
    question: Question | None = None
    result: MockTestResult | None = None


@dataclass(frozen=True)
class MockTestStart:
    #: The first question to send; None when ``busy`` (or nothing to ask).
    step: MockTestStep | None
    #: The test already running for this user (one at a time).
    busy: MockTest | None = None


class MockTestService:
    def __init__(self, bank: Bank, repo: Repository, rng: random.Random | None = None) -> None:
        self.bank = bank
        self.repo = repo
        self.rng = rng or random.Random()

    async def start(
        self,
        user_id: int,
        chat_id: int,
        topic_id: str | None,
        now: dt.datetime,
        size: int = TEST_SIZE,
        seconds: int = SECONDS_PER_QUESTION,
    ) -> MockTestStart:
        """A new test of up to ``size`` random questions from a topic (None: all topics)."""
        running = await self.repo.running_mock_test(user_id)
        if running is not None:
            return MockTestStart(None, busy=running)
        pool = sorted(q.id for q in self.bank.questions_in(topic_id))
        if not pool:
            return MockTestStart(None)
        chosen = self.rng.sample(pool, min(size, len(pool)))
        test = await self.repo.create_mock_test(user_id, chat_id, topic_id, chosen, seconds, now)
        if test is None:  # started by a concurrent /test a moment ago
            return MockTestStart(None, busy=await self.repo.running_mock_test(user_id))
        return MockTestStart(MockTestStep(test, 0, self.bank.questions[chosen[0]]))

    async def running(self, user_id: int) -> MockTest | None:
        """The user's running test, if any."""
        return await self.repo.running_mock_test(user_id)

    async def question_sent(self, step: MockTestStep, poll_id: str, now: dt.datetime) -> None:
        """The step's question went out as ``poll_id``: its clock starts now."""
        closes_at = now + dt.timedelta(seconds=step.test.open_period)
        await self.repo.set_mock_test_poll(step.test.test_id, step.position, poll_id, closes_at)

    async def answered(
        self, poll_id: str, user_id: int, chosen: int, is_correct: bool, now: dt.datetime
    ) -> MockTestStep | None:
        """Settle the open question of a test with its owner's answer; None when the poll is not
        one, no longer the open one, or was answered by someone else (a forwarded poll keeps its id)."""
        item = await self.repo.mock_test_item_by_poll(poll_id)
        if item is None:
            return None
        outcome = CORRECT if is_correct else WRONG
        return await self._settle(item, outcome, chosen, now, owner=user_id)

    async def expire_due(self, now: dt.datetime) -> list[MockTestStep]:
        """Settle every question whose time ran out as unanswered (it scores 0) and move its test on."""
        steps = []
        for item in await self.repo.expired_mock_test_items(now - CLOSE_GRACE):
            step = await self._settle(item, UNANSWERED, None, now)
            if step is not None:
                steps.append(step)
        return steps

    async def abandon(self, user_id: int, now: dt.datetime) -> MockTest | None:
        """Give up the user's running test; the test given up, or None when there was none."""
        test = await self.repo.running_mock_test(user_id)
        if test is None or not await self.repo.end_mock_test(test.test_id, "abandoned", now):
            return None
        return test

    async def _settle(
        self, item: MockTestItem, outcome: str, chosen: int | None, now: dt.datetime, owner: int | None = None
    ) -> MockTestStep | None:
        test = await self.repo.get_mock_test(item.test_id)
        if test is None or test.state != "running" or test.current != item.position:
            return None
        if owner is not None and owner != test.user_id:
            return None
        if not await self.repo.close_mock_test_item(item.test_id, item.position, outcome, chosen):
            return None
        if not await self.repo.advance_mock_test(test.test_id, item.position):
            return None
        position = item.position + 1
        if position < test.size:
            items = await self.repo.mock_test_items(test.test_id)
            question = self.bank.question(items[position].question_id)
            if question is not None:
                return MockTestStep(test, position, question)
            # The question left the bank since the test began: it counts as unanswered.
            return await self._settle(items[position], UNANSWERED, None, now)
        await self.repo.end_mock_test(test.test_id, "finished", now)
        return MockTestStep(test, position, result=await self.result(test.test_id))

    async def result(self, test_id: int) -> MockTestResult | None:
        """A test's tally and the questions missed (wrong or unanswered)."""
        test = await self.repo.get_mock_test(test_id)
        if test is None:
            return None
        items = await self.repo.mock_test_items(test_id)
        counts = {CORRECT: 0, WRONG: 0, UNANSWERED: 0}
        missed = []
        for item in items:
            outcome = item.outcome or UNANSWERED
            counts[outcome] += 1
            question = self.bank.question(item.question_id)
            if outcome != CORRECT and question is not None:
                missed.append(Missed(item.position, question, item.chosen_option))
        return MockTestResult(test, counts[CORRECT], counts[WRONG], counts[UNANSWERED], missed)
