"""Group quiz sessions (``/quiz 10`` by an admin): N questions one after another, each open for a
set time, then a ranking by UPSC marks.

Everyone in the group answers the same poll, so a question is not settled by an answer: it closes
when its time is up (``expire_due``, run by the repeating timer job and called directly by tests),
and only the caller that closes it sends the next one. The session lives in SQLite and survives
restarts; scores are read from the stored answers to its polls.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from bot.content.loader import Bank
from bot.content.models import Question
from bot.services.scoring import upsc_score
from bot.storage.repository import QuizSession, Repository, SessionScore

MIN_SIZE, MAX_SIZE = 2, 20
#: ``/test`` in a group starts a session of the mock test's length.
DEFAULT_SIZE = 10
#: Seconds each question stays open (the poll's open_period).
SECONDS_PER_QUESTION = 30
#: An answer can reach us a moment after its poll closed; a question is closed only after this.
CLOSE_GRACE = dt.timedelta(seconds=3)


@dataclass(frozen=True)
class RankedScore:
    rank: int
    score: SessionScore

    @property
    def marks(self) -> Decimal:
        return upsc_score(self.score.correct, self.score.wrong)


@dataclass(frozen=True)
class SessionRanking:
    session: QuizSession
    #: Best first; members who answered nothing are not listed.
    ranked: list[RankedScore]
    #: Questions that were sent (a stopped session sent fewer than its size).
    asked: int


@dataclass(frozen=True)
class SessionStep:
    """What to do next: send ``question`` (number ``position + 1``), or show ``ranking``."""

    session: QuizSession
    position: int
    question: Question | None = None
    ranking: SessionRanking | None = None


@dataclass(frozen=True)
class SessionStart:
    step: SessionStep | None
    #: The session already running in the group (one at a time).
    busy: QuizSession | None = None


def rank(scores: list[SessionScore]) -> list[RankedScore]:
    """Best marks first; equal marks go to more correct answers, then to whoever finished first.
    Members with equal marks and correct answers share a rank."""
    ordered = sorted(scores, key=lambda s: (-upsc_score(s.correct, s.wrong), -s.correct, s.last_answer))
    ranked: list[RankedScore] = []
    for i, score in enumerate(ordered):
        previous = ranked[-1] if ranked else None
        same = previous is not None and (previous.score.correct, previous.score.wrong) == (score.correct, score.wrong)
        ranked.append(RankedScore(previous.rank if same and previous else i + 1, score))
    return ranked


class QuizSessionService:
    def __init__(self, bank: Bank, repo: Repository, rng: random.Random | None = None) -> None:
        self.bank = bank
        self.repo = repo
        self.rng = rng or random.Random()

    async def start(
        self,
        chat_id: int,
        topic_id: str | None,
        size: int,
        now: dt.datetime,
        seconds: int = SECONDS_PER_QUESTION,
    ) -> SessionStart:
        """A new session of ``size`` random questions (fewer if the topic has fewer)."""
        running = await self.repo.running_quiz_session(chat_id)
        if running is not None:
            return SessionStart(None, busy=running)
        pool = sorted(q.id for q in self.bank.questions_in(topic_id))
        if not pool:
            return SessionStart(None)
        chosen = self.rng.sample(pool, min(size, len(pool)))
        session = await self.repo.create_quiz_session(chat_id, topic_id, chosen, seconds, now)
        if session is None:  # started by a concurrent command a moment ago
            return SessionStart(None, busy=await self.repo.running_quiz_session(chat_id))
        return SessionStart(SessionStep(session, 0, self.bank.questions[chosen[0]]))

    async def running(self, chat_id: int) -> QuizSession | None:
        return await self.repo.running_quiz_session(chat_id)

    async def question_sent(self, step: SessionStep, poll_id: str, now: dt.datetime) -> None:
        """The step's question went out as ``poll_id``: its clock starts now."""
        closes_at = now + dt.timedelta(seconds=step.session.open_period)
        await self.repo.set_quiz_session_poll(step.session.session_id, step.position, poll_id, closes_at)

    async def expire_due(self, now: dt.datetime) -> list[SessionStep]:
        """Close every question whose time is up and move its session on (next question or ranking)."""
        steps = []
        for item in await self.repo.expired_quiz_session_items(now - CLOSE_GRACE):
            if not await self.repo.close_quiz_session_item(item.session_id, item.position):
                continue  # another tick closed it
            step = await self._next(item.session_id, item.position + 1, now)
            if step is not None:
                steps.append(step)
        return steps

    async def stop(self, chat_id: int, now: dt.datetime) -> SessionRanking | None:
        """End the group's running session now; its ranking so far, or None when none was running."""
        session = await self.repo.running_quiz_session(chat_id)
        if session is None or not await self.repo.end_quiz_session(session.session_id, "stopped", now):
            return None
        return await self.ranking(session.session_id)

    async def ranking(self, session_id: int) -> SessionRanking | None:
        session = await self.repo.get_quiz_session(session_id)
        if session is None:
            return None
        items = await self.repo.quiz_session_items(session_id)
        asked = sum(1 for item in items if item.poll_id is not None)
        return SessionRanking(session, rank(await self.repo.quiz_session_scores(session_id)), asked)

    async def last_ranking(self, chat_id: int) -> SessionRanking | None:
        """The group's latest ended session, for /leaderboard."""
        session = await self.repo.last_quiz_session(chat_id)
        return await self.ranking(session.session_id) if session is not None else None

    async def _next(self, session_id: int, position: int, now: dt.datetime) -> SessionStep | None:
        session = await self.repo.get_quiz_session(session_id)
        if session is None or session.state != "running":
            return None
        items = await self.repo.quiz_session_items(session_id)
        while position < session.size:
            question = self.bank.questions.get(items[position].question_id)
            if question is not None:
                return SessionStep(session, position, question)
            # The question left the bank since the session began: skip it.
            await self.repo.close_quiz_session_item(session_id, position)
            position += 1
        await self.repo.end_quiz_session(session_id, "finished", now)
        ranking = await self.ranking(session_id)
        return SessionStep(session, position, ranking=ranking)
