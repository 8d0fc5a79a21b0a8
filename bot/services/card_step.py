"""One answer's step of its FSRS review card, as a value a store can run wherever it reads the card.

A closure would do in this process; a value also crosses to the SQLite answer writer's process
(bot/storage/answer_writer.py), which pickles a batch of them: the scheduler they share is
written once per batch. This module imports only ``fsrs`` and the repository's records, so that
process starts quickly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fsrs import Card, Rating, Scheduler

from bot.storage.repository import ReviewCard


def as_utc(now: dt.datetime) -> dt.datetime:
    """fsrs insists on tzinfo == timezone.utc, not merely an aware time."""
    return now.astimezone(dt.UTC)


@dataclass(frozen=True)  # no slots: a slotted dataclass pickles through dataclasses.fields, twice as slow
class CardStep:
    """The user's card for a question after an answer, as a function of the stored card (None for
    the first answer: a new card): a ``Reschedule``."""

    scheduler: Scheduler
    user_id: int
    question_id: str
    rating: Rating
    #: The answer's time, in UTC.
    now: dt.datetime

    def __call__(self, stored: str | None) -> ReviewCard:
        # A new card gets card_id and due from us, so that fsrs neither reads the wall clock nor sleeps.
        card = Card.from_json(stored) if stored else Card(card_id=int(self.now.timestamp() * 1000), due=self.now)
        card, _ = self.scheduler.review_card(card, self.rating, review_datetime=self.now)
        return ReviewCard(self.user_id, self.question_id, card.to_json(), as_utc(card.due))
