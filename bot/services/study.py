"""Facts and quizzes: the no-repeat rotation, shuffled quiz plans and answer checking.

Free of Telegram types: handlers pass ids and texts in and render the plain results that come out.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram.constants import PollLimit

from bot.content.loader import Bank
from bot.content.models import Fact, Question
from bot.content.search import SearchResult, TopicIndex
from bot.storage.repository import AnswerRecord, PollRecord, Repository, Reschedule

ALL_TOPICS = "*"


@dataclass(frozen=True)
class QuizPlan:
    """One quiz as it will be shown: options in shuffled order and the way back to the content."""

    question: Question
    #: Sent as a message just before the poll when the statements do not fit in it.
    intro: str | None
    poll_question: str
    options: list[str]
    #: order[shown position] = index in question.options
    order: tuple[int, ...]
    correct: int
    explanation: str
    #: "Q3/10" in a mock test or a group session.
    label: str | None = None


@dataclass(frozen=True)
class AnswerOutcome:
    """A newly recorded answer, with what a follow-up message needs."""

    poll: PollRecord
    question: Question
    user_id: int
    chosen: int
    is_correct: bool


#: Inline mode with nothing typed yet offers today's fact and a few more.
EMPTY_QUERY_FACTS = 5
#: ReviewService.rescheduler: (user, question, right?, when) -> the card's rescheduling.
CardScheduler = Callable[[int, str, bool, dt.datetime], Reschedule]
#: Polls kept in memory for the answers still to come (a group's every member answers its quiz).
RECENT_POLLS = 4096


class RecentPolls:
    """The polls answered last, as stored when they were sent, the least recently used dropped first.

    What an answer is checked against (the question, the order shown, the right option) never
    changes once a poll is sent, so every worker may keep its own copy. The poll's chat can change
    (a group that became a supergroup) and the poll can be deleted (/forget, a migration): the
    store, not this copy, says where an answer goes and whether its poll is still on record.
    """

    def __init__(self, read: Callable[[str], Awaitable[PollRecord | None]], size: int = RECENT_POLLS) -> None:
        self._read = read
        self._size = size
        self._polls: OrderedDict[str, PollRecord] = OrderedDict()
        #: Reads under way: a group's members answer a new quiz together, and one read serves them all.
        self._reading: dict[str, asyncio.Task[PollRecord | None]] = {}

    async def get(self, poll_id: str) -> PollRecord | None:
        """The poll, from memory or else from the store; None when it is not on record."""
        poll = self._polls.get(poll_id)
        if poll is not None:
            self._polls.move_to_end(poll_id)
            return poll
        reading = self._reading.get(poll_id)
        if reading is None:
            reading = self._reading[poll_id] = asyncio.create_task(self._load(poll_id))
        # Shielded: one waiter cancelled does not cancel the read the others wait for.
        return await asyncio.shield(reading)

    async def _load(self, poll_id: str) -> PollRecord | None:
        try:
            poll = await self._read(poll_id)
        finally:
            del self._reading[poll_id]
        # A poll not on record is not remembered: its answer may have come before its record.
        if poll is not None:
            self.remember(poll)
        return poll

    def remember(self, poll: PollRecord) -> None:
        """Keep a poll as stored (read, or just sent by this process: its answers need not read it back)."""
        self._polls[poll.poll_id] = poll
        self._polls.move_to_end(poll.poll_id)
        if len(self._polls) > self._size:
            self._polls.popitem(last=False)

    def __len__(self) -> int:
        return len(self._polls)


class StudyService:
    """Chooses what a chat sees next and records what its members answer."""

    def __init__(self, bank: Bank, repo: Repository, rng: random.Random | None = None) -> None:
        self.bank = bank
        self.repo = repo
        self.rng = rng or random.Random()
        # One index per language: a localized topic carries the English names and its own, so a
        # Hindi chat finds topics by either; what is found is a topic id, the same in every language.
        self.indexes = {code: TopicIndex(list(bank.in_language(code).topics.values())) for code in bank.languages}
        self.polls = RecentPolls(repo.get_poll)

    def find_topic(self, query: str, lang: str) -> SearchResult:
        """The topics ``query`` names, searched by their names in ``lang`` (and English)."""
        index = self.indexes.get(lang) or self.indexes[self.bank.language]
        return index.search(query)

    def todays_fact(self, today: dt.date) -> Fact | None:
        """The same fact all day for everyone (inline mode's empty query), a new one each day."""
        facts = sorted(self.bank.facts.values(), key=lambda f: f.id)
        return facts[today.toordinal() % len(facts)] if facts else None

    def inline_facts(self, query: str, today: dt.date, limit: int, lang: str) -> list[Fact]:
        """Facts for inline mode: one fact by its id (a Share button's query); the facts of the
        topics ``query`` finds with /topic's fuzzy search; for an empty query, today's fact and the
        ones after it. At most ``limit``."""
        query = query.strip()
        if query in self.bank.facts:
            return [self.bank.facts[query]]
        if not query:
            ordered = sorted(self.bank.facts.values(), key=lambda f: f.id)
            first = self.todays_fact(today)
            start = ordered.index(first) if first is not None else 0
            return (ordered[start:] + ordered[:start])[: min(limit, EMPTY_QUERY_FACTS)]
        found = self.find_topic(query, lang)
        topics = [found.best] if found.best is not None else found.choices if found.ambiguous else []
        return [f for topic in topics for f in self.bank.facts_in(topic.id)][:limit]

    async def next_fact(self, chat_id: int, topic_id: str | None, now: dt.datetime) -> Fact | None:
        """A fact the chat has not seen in this scope since its last full cycle."""
        facts = {f.id: f for f in self.bank.facts_in(topic_id)}
        chosen = await self._rotate(chat_id, "fact", topic_id, list(facts), now)
        return facts[chosen] if chosen else None

    async def next_question(self, chat_id: int, topic_id: str | None, now: dt.datetime) -> Question | None:
        questions = {q.id: q for q in self.bank.questions_in(topic_id)}
        chosen = await self._rotate(chat_id, "question", topic_id, list(questions), now)
        return questions[chosen] if chosen else None

    async def _rotate(
        self, chat_id: int, kind: str, topic_id: str | None, ids: list[str], now: dt.datetime
    ) -> str | None:
        if not ids:
            return None
        scope = topic_id or ALL_TOPICS
        seen = await self.repo.seen_items(chat_id, kind, scope)
        fresh = [i for i in ids if i not in seen]
        if not fresh:
            # Every item in the scope has been seen: a new cycle begins.
            await self.repo.reset_seen(chat_id, kind, scope)
            fresh = ids
        chosen = self.rng.choice(sorted(fresh))
        await self.repo.mark_seen(chat_id, kind, scope, chosen, now)
        return chosen

    def plan_quiz(self, question: Question, label: str | None = None) -> QuizPlan:
        """Shuffle the options (unless the shape keeps UPSC's printed order); the plan remembers
        where the correct one went. ``label`` ("Q3/10") goes in front of the poll's question, or
        in front of the statements sent before it when the poll has no room for it."""
        order = list(range(len(question.options)))
        if not question.keeps_option_order:
            self.rng.shuffle(order)
        split = question.needs_split()
        poll_question = question.poll_question(split)
        if label is not None and len(f"{label} {poll_question}") > PollLimit.MAX_QUESTION_LENGTH and not split:
            # The label does not fit: the statements (if any) go first, and the label with them.
            split = bool(question.statements)
            poll_question = question.poll_question(split)
        labelled = f"{label} {poll_question}" if label is not None else poll_question
        fits = len(labelled) <= PollLimit.MAX_QUESTION_LENGTH
        return QuizPlan(
            question=question,
            intro=question.statements_message() if split else (label if label and not fits else None),
            poll_question=labelled if fits else poll_question,
            options=[question.options[i] for i in order],
            order=tuple(order),
            correct=order.index(question.answer),
            explanation=question.explanation,
            label=label,
        )

    async def register_poll(
        self,
        plan: QuizPlan,
        *,
        poll_id: str,
        chat_id: int,
        message_id: int | None,
        now: dt.datetime,
        purpose: str = "quiz",
        requested_by: int | None = None,
        anonymous: bool = False,
    ) -> PollRecord:
        record = PollRecord(
            poll_id,
            chat_id,
            message_id,
            plan.question.id,
            plan.order,
            plan.correct,
            now,
            purpose,
            requested_by,
            anonymous,
        )
        await self.repo.save_poll(record)
        # Its answers come to this process (or to another worker, which reads it once): a cold copy
        # costs every member answering together a wait for the read and a wake-up (bench/README.md).
        self.polls.remember(record)
        return record

    async def record_answer(
        self,
        poll_id: str,
        user_id: int,
        option_ids: list[int],
        now: dt.datetime,
        review: CardScheduler | None = None,
    ) -> AnswerOutcome | None:
        """Store an answer once; None for unknown polls, retracted votes and repeats.

        Telegram sends no per-user answers for anonymous polls, so one that claims to be for an
        anonymous poll is forged and ignored. With ``review`` (ReviewService.rescheduler), a new
        answer's review card is rescheduled with it, in the same transaction: both or neither.
        """
        if not option_ids:
            return None
        poll = await self.polls.get(poll_id)
        if poll is None or poll.is_anonymous:
            return None
        question = self.bank.question(poll.question_id)
        shown = option_ids[0]
        if question is None or not 0 <= shown < len(poll.option_order):
            return None
        chosen = poll.option_order[shown]
        correct = poll.option_order[poll.correct_option]
        is_correct = shown == poll.correct_option
        chat_id = await self.repo.record_answer(
            AnswerRecord(
                poll_id=poll_id,
                user_id=user_id,
                chat_id=poll.chat_id,
                question_id=question.id,
                topic_id=question.topic,
                chosen_option=chosen,
                correct_option=correct,
                is_correct=is_correct,
                answered_at=now,
            ),
            review(user_id, question.id, is_correct, now) if review is not None else None,
        )
        if chat_id is None:
            return None
        if chat_id != poll.chat_id:
            poll = dataclasses.replace(poll, chat_id=chat_id)  # moved to a supergroup since it was sent
        return AnswerOutcome(poll, question, user_id, chosen, is_correct)
