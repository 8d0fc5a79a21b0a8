"""Progress in the exam's own terms: UPSC Prelims marking, weakest topics and recent activity.

Pure functions on plain values, shared by /stats and the mock-test result card.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

#: UPSC Prelims GS paper I: +2 for a right answer, a third of that off for a wrong one (as the
#: issue states it, 0.66), nothing for a question left blank.
MARKS_CORRECT = Decimal("2")
MARKS_WRONG = Decimal("0.66")
#: How many days the activity chart and sparkline cover, today included.
ACTIVITY_DAYS = 14
WEAKEST_COUNT = 3
_CENTS = Decimal("0.01")
_BARS = "▁▂▃▄▅▆▇█"


def upsc_score(correct: int, wrong: int) -> Decimal:
    """The Prelims score for ``correct`` right and ``wrong`` wrong answers (unanswered score 0)."""
    return (MARKS_CORRECT * correct - MARKS_WRONG * wrong).quantize(_CENTS, ROUND_HALF_UP)


def score_per_hundred(correct: int, wrong: int) -> Decimal:
    """The score scaled to 100 questions at the same rates (200 is perfect), for comparing
    progress between users and weeks with different numbers of answers."""
    answered = correct + wrong
    if not answered:
        return Decimal("0.00")
    raw = (MARKS_CORRECT * correct - MARKS_WRONG * wrong) * 100 / answered
    return raw.quantize(_CENTS, ROUND_HALF_UP)


def format_marks(value: Decimal) -> str:
    """``12.68``, ``-0.66``, ``20`` — two decimals only when there are any."""
    text = f"{value:.2f}"
    return text.removesuffix(".00")


class Tally(Protocol):
    @property
    def topic_id(self) -> str: ...
    @property
    def answered(self) -> int: ...
    @property
    def correct(self) -> int: ...


T = TypeVar("T", bound=Tally)


def weakest(topics: Iterable[T], count: int = WEAKEST_COUNT) -> list[T]:
    """The topics with the lowest accuracy (more answers first on a tie); perfect ones are not weak."""
    candidates = [x for x in topics if x.answered and x.correct < x.answered]
    candidates.sort(key=lambda x: (x.correct / x.answered, -x.answered, x.topic_id))
    return candidates[:count]


def activity(
    times: Iterable[dt.datetime], tz: ZoneInfo, today: dt.date, days: int = ACTIVITY_DAYS
) -> tuple[tuple[dt.date, int], ...]:
    """Answers per local day for the ``days`` days ending today, oldest first (zero days included)."""
    counts = Counter(t.astimezone(tz).date() for t in times)
    first = today - dt.timedelta(days=days - 1)
    return tuple((day, counts.get(day, 0)) for day in (first + dt.timedelta(days=i) for i in range(days)))


def sparkline(counts: Sequence[int]) -> str:
    """One block character per value, scaled to the largest; a day with no answers is a dot."""
    top = max(counts, default=0)
    if top <= 0:
        return "·" * len(counts)
    return "".join("·" if c <= 0 else _BARS[min(len(_BARS) - 1, (c * len(_BARS) - 1) // top)] for c in counts)
