"""Spaced review: every answered question becomes an FSRS card; /review brings back the due ones.

The scheduling itself is the ``fsrs`` package's. This module maps answers to its ratings (wrong →
Again, right → Good), always passes the review time from the injected clock, and runs /review
sessions: one due question at a time, the next after each answer, up to a session's size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fsrs import Rating, Scheduler

from bot.content.loader import Bank
from bot.content.models import Question
from bot.services.card_step import CardStep, as_utc
from bot.storage.repository import Repository, Reschedule, ReviewCard, ReviewSession

#: Questions per /review session: enough for a sitting, few enough to finish.
SESSION_SIZE = 10
#: A missed question comes back after this (FSRS's learning and relearning step). The package's
#: default first step is one minute, which would repeat a question almost at once in a chat.
STEP = dt.timedelta(minutes=10)
#: How many due cards are looked at at once when skipping cards whose question left the bank.
_LOOKAHEAD = 50


def make_scheduler(*, fuzz: bool = True) -> Scheduler:
    """The FSRS scheduler studybot uses (fuzz spreads reviews of cards learnt on the same day)."""
    return Scheduler(learning_steps=(STEP,), relearning_steps=(STEP,), enable_fuzzing=fuzz)


@dataclass(frozen=True)
class ReviewTurn:
    """What /review (or an answer in a session) leads to."""

    #: The next question to send; None when the session is over (or never began).
    question: Question | None
    #: Questions due now, the returned one included.
    due: int
    #: Answers given in this session so far, and how many were right.
    answered: int = 0
    correct: int = 0
    #: When the next card falls due (shown when nothing more is due now).
    next_due: dt.datetime | None = None
    #: Whether the user has any cards at all (none: they have not answered anything yet).
    has_cards: bool = True

    @property
    def finished(self) -> bool:
        """Whether the session is over (no question to send)."""
        return self.question is None


class ReviewService:
    def __init__(self, bank: Bank, repo: Repository, scheduler: Scheduler | None = None) -> None:
        self.bank = bank
        self.repo = repo
        self.scheduler = scheduler or make_scheduler()

    def rescheduler(self, user_id: int, question_id: str, is_correct: bool, now: dt.datetime) -> Reschedule:
        """The user's card for a question after an answer, as a function of the stored card (None
        for the first answer: a new card), for the store to run where it reads the card."""
        rating = Rating.Good if is_correct else Rating.Again
        return CardStep(self.scheduler, user_id, question_id, rating, as_utc(now))

    async def record(self, user_id: int, question_id: str, is_correct: bool, now: dt.datetime) -> ReviewCard:
        """Schedule the user's card for a question after an answer (a new card on the first one)."""
        reschedule = self.rescheduler(user_id, question_id, is_correct, now)
        # Read and written in one go: one trip to the store (bench/README.md).
        return await self.repo.reschedule_card(user_id, question_id, reschedule, as_utc(now))

    async def due_count(self, user_id: int, now: dt.datetime) -> int:
        """How many of the user's cards are due at ``now``."""
        return await self.repo.count_due(user_id, as_utc(now))

    async def _next_due_question(self, user_id: int, now: dt.datetime) -> Question | None:
        """The longest-overdue card's question. Cards whose question left the bank are dropped,
        so that they are never counted as due again."""
        while True:
            cards = await self.repo.due_cards(user_id, now, _LOOKAHEAD)
            if not cards:
                return None
            for card in cards:
                question = self.bank.questions.get(card.question_id)
                if question is not None:
                    return question
                await self.repo.delete_card(user_id, card.question_id)

    async def _turn(self, user_id: int, now: dt.datetime, answered: int, correct: int, more: bool) -> ReviewTurn:
        question = await self._next_due_question(user_id, now) if more else None
        due = await self.repo.count_due(user_id, now)
        if question is None:
            return ReviewTurn(
                None,
                due,
                answered,
                correct,
                next_due=await self.repo.next_due(user_id),
                has_cards=await self.repo.count_cards(user_id) > 0,
            )
        return ReviewTurn(question, due, answered, correct)

    async def start(self, user_id: int, chat_id: int, now: dt.datetime) -> ReviewTurn:
        """Begin a session (replacing any earlier one) with the longest-overdue question."""
        now = as_utc(now)
        turn = await self._turn(user_id, now, 0, 0, more=True)
        if turn.question is None:
            await self.repo.end_review_session(user_id)
        else:
            await self.repo.save_review_session(ReviewSession(user_id, chat_id, None, 0, 0, now))
        return turn

    async def sent(self, user_id: int, poll_id: str) -> None:
        """The session's next question went out as ``poll_id``: only its answer moves the session on."""
        session = await self.repo.get_review_session(user_id)
        if session is not None:
            await self.repo.save_review_session(
                ReviewSession(user_id, session.chat_id, poll_id, session.sent + 1, session.correct, session.started_at)
            )

    async def answered(self, user_id: int, poll_id: str, is_correct: bool, now: dt.datetime) -> ReviewTurn | None:
        """The next turn after an answer to the session's current poll; None for any other poll.

        Call after :meth:`record`, so the card just answered is already rescheduled.
        """
        session = await self.repo.get_review_session(user_id)
        if session is None or session.poll_id is None or session.poll_id != poll_id:
            return None
        now = as_utc(now)
        correct = session.correct + int(is_correct)
        turn = await self._turn(user_id, now, session.sent, correct, more=session.sent < SESSION_SIZE)
        if turn.finished:
            await self.repo.end_review_session(user_id)
        else:
            await self.repo.save_review_session(
                ReviewSession(user_id, session.chat_id, None, session.sent, correct, session.started_at)
            )
        return turn
