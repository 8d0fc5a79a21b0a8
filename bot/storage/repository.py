"""The storage interface the services depend on, and the plain records it trades in.

No Telegram types and no SQL here: a PostgreSQL store implements the same Protocol and the
services and handlers do not change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ChatRecord:
    chat_id: int
    type: str
    title: str | None = None
    username: str | None = None
    timezone: str | None = None
    push_time: str | None = None
    push_topic: str | None = None
    subscribed: bool = False
    active: bool = True
    paused_until: dt.date | None = None
    #: ``en`` or ``hi``; None follows the operator's DEFAULT_LANGUAGE.
    language: str | None = None
    #: Quiz questions per daily push.
    push_size: int = 1

    @property
    def is_channel(self) -> bool:
        return self.type == "channel"

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")


@dataclass(frozen=True)
class PollRecord:
    poll_id: str
    chat_id: int
    message_id: int | None
    question_id: str
    #: option_order[shown position] = index of that option in the content's list.
    option_order: tuple[int, ...]
    correct_option: int
    sent_at: dt.datetime
    purpose: str = "quiz"
    requested_by: int | None = None
    is_anonymous: bool = False


@dataclass(frozen=True)
class AnswerRecord:
    poll_id: str
    user_id: int
    chat_id: int
    question_id: str
    topic_id: str
    chosen_option: int
    correct_option: int
    is_correct: bool
    answered_at: dt.datetime


@dataclass(frozen=True)
class TopicTally:
    topic_id: str
    answered: int
    correct: int


@dataclass(frozen=True)
class Delivery:
    chat_id: int
    local_date: dt.date
    state: str
    attempts: int
    claimed_at: dt.datetime
    sent_at: dt.datetime | None = None


@dataclass(frozen=True)
class OperatorCounts:
    """What /admin reports from the store, counted in one go."""

    users: int
    #: Chat type (private, group, supergroup, channel) -> chats of that type, active or not.
    chats: dict[str, int]
    #: Chat type -> chats of that type that blocked or removed the bot.
    inactive: dict[str, int]
    subscribed: int
    answers_today: int
    answers_week: int
    answers_all: int
    store_bytes: int


@dataclass(frozen=True)
class LeaderboardRow:
    user_id: int
    name: str
    answered: int
    correct: int
    #: When the member last answered correctly: ties go to whoever got there first.
    reached: dt.datetime | None


@dataclass(frozen=True)
class PollSummary:
    poll_id: str
    question_id: str
    sent_at: dt.datetime
    answered: int
    correct: int
    fastest: str | None


@dataclass(frozen=True)
class ChannelTotals:
    polls: int
    polls_with_votes: int
    votes: int
    correct: int


class GroupRepository(Protocol):
    """Groups and channels: leaderboards, poll results, daily quiz summaries."""

    async def leaderboard_rows(self, chat_id: int, since: dt.datetime | None) -> list[LeaderboardRow]: ...
    async def last_push_poll_summary(self, chat_id: int, before: dt.datetime) -> PollSummary | None: ...
    async def record_poll_results(self, poll_id: str, voter_counts: list[int], total: int) -> bool: ...
    async def channel_totals(self, chat_id: int) -> ChannelTotals: ...
    async def find_chat_by_username(self, username: str) -> int | None: ...
    async def schedule_deletion(self, chat_id: int, message_id: int, delete_at: dt.datetime) -> None: ...
    async def due_deletions(self, now: dt.datetime, limit: int = 100) -> list[tuple[int, int]]: ...
    async def forget_deletion(self, chat_id: int, message_id: int) -> None: ...


@dataclass(frozen=True)
class ReviewCard:
    """A user's spaced-review card for one question."""

    user_id: int
    question_id: str
    #: The fsrs package's Card, as its own JSON.
    card: str
    due_at: dt.datetime


#: A review card rescheduled after an answer, from the stored card's fsrs JSON (None: no card
#: yet). A plain function without I/O: a store may run it on its database thread.
Reschedule = Callable[[str | None], ReviewCard]


@dataclass(frozen=True)
class ReviewSession:
    """A running /review: the poll whose answer brings the next card, and the tally so far."""

    user_id: int
    chat_id: int
    poll_id: str | None
    sent: int
    correct: int
    started_at: dt.datetime


@dataclass(frozen=True)
class MockTest:
    test_id: int
    user_id: int
    chat_id: int
    topic_id: str | None
    size: int
    #: Position of the question now open (== size once finished).
    current: int
    open_period: int
    state: str  # running, finished, abandoned
    started_at: dt.datetime
    finished_at: dt.datetime | None = None


@dataclass(frozen=True)
class MockTestItem:
    test_id: int
    position: int
    question_id: str
    poll_id: str | None = None
    closes_at: dt.datetime | None = None
    outcome: str | None = None  # correct, wrong, unanswered; None while open or unsent
    #: Index in the content's options (not the shuffled position).
    chosen_option: int | None = None


@dataclass(frozen=True)
class QuizSession:
    """A group's quiz session: ``size`` questions, each open ``open_period`` seconds."""

    session_id: int
    chat_id: int
    topic_id: str | None
    size: int
    #: Position of the question now open (== size once finished).
    current: int
    open_period: int
    state: str  # running, finished, stopped
    started_at: dt.datetime
    finished_at: dt.datetime | None = None


@dataclass(frozen=True)
class QuizSessionItem:
    session_id: int
    position: int
    question_id: str
    poll_id: str | None = None
    closes_at: dt.datetime | None = None
    closed: bool = False


@dataclass(frozen=True)
class SessionScore:
    """One member's answers in a quiz session."""

    user_id: int
    name: str
    correct: int
    wrong: int
    #: When they last answered: ties go to whoever finished first.
    last_answer: dt.datetime


class SessionRepository(Protocol):
    """Group quiz sessions: their questions, their timer, and the members' scores."""

    async def create_quiz_session(
        self, chat_id: int, topic_id: str | None, questions: list[str], seconds: int, now: dt.datetime
    ) -> QuizSession | None: ...
    async def get_quiz_session(self, session_id: int) -> QuizSession | None: ...
    async def running_quiz_session(self, chat_id: int) -> QuizSession | None: ...
    async def last_quiz_session(self, chat_id: int) -> QuizSession | None: ...
    async def quiz_session_items(self, session_id: int) -> list[QuizSessionItem]: ...
    async def set_quiz_session_poll(
        self, session_id: int, position: int, poll_id: str, closes_at: dt.datetime
    ) -> None: ...
    async def close_quiz_session_item(self, session_id: int, position: int) -> bool: ...
    async def end_quiz_session(self, session_id: int, state: str, now: dt.datetime) -> bool: ...
    async def expired_quiz_session_items(self, cutoff: dt.datetime) -> list[QuizSessionItem]: ...
    async def quiz_session_scores(self, session_id: int) -> list[SessionScore]: ...


@dataclass(frozen=True)
class ForgetReport:
    """What /forget deleted, for the user's confirmation."""

    answers: int
    cards: int
    tests: int
    chat_settings: bool
    profile: bool

    @property
    def nothing(self) -> bool:
        """True when there was nothing to delete (the confirmation pressed a second time)."""
        return not (self.answers or self.cards or self.tests or self.chat_settings or self.profile)


class LearningRepository(Protocol):
    """Spaced repetition, mistakes, mock tests, export and forget."""

    # spaced review
    async def get_card(self, user_id: int, question_id: str) -> ReviewCard | None: ...
    async def save_card(self, card: ReviewCard, now: dt.datetime) -> None: ...
    #: Read, reschedule (a plain function of the stored card's JSON, None for none) and store.
    async def reschedule_card(
        self, user_id: int, question_id: str, reschedule: Reschedule, now: dt.datetime
    ) -> ReviewCard: ...
    async def delete_card(self, user_id: int, question_id: str) -> None: ...
    async def due_cards(self, user_id: int, now: dt.datetime, limit: int) -> list[ReviewCard]: ...
    async def count_due(self, user_id: int, now: dt.datetime) -> int: ...
    async def count_cards(self, user_id: int) -> int: ...
    async def next_due(self, user_id: int) -> dt.datetime | None: ...
    async def get_review_session(self, user_id: int) -> ReviewSession | None: ...
    async def save_review_session(self, session: ReviewSession) -> None: ...
    async def end_review_session(self, user_id: int) -> None: ...

    # mistakes and export
    async def latest_mistakes(self, user_id: int, limit: int) -> list[AnswerRecord]: ...
    async def user_answers(self, user_id: int) -> list[AnswerRecord]: ...

    # mock tests
    async def create_mock_test(
        self, user_id: int, chat_id: int, topic_id: str | None, questions: list[str], seconds: int, now: dt.datetime
    ) -> MockTest | None: ...
    async def get_mock_test(self, test_id: int) -> MockTest | None: ...
    async def running_mock_test(self, user_id: int) -> MockTest | None: ...
    async def mock_test_items(self, test_id: int) -> list[MockTestItem]: ...
    async def mock_test_item_by_poll(self, poll_id: str) -> MockTestItem | None: ...
    async def set_mock_test_poll(self, test_id: int, position: int, poll_id: str, closes_at: dt.datetime) -> None: ...
    async def close_mock_test_item(
        self, test_id: int, position: int, outcome: str, chosen_option: int | None
    ) -> bool: ...
    async def advance_mock_test(self, test_id: int, position: int) -> bool: ...
    async def end_mock_test(self, test_id: int, state: str, now: dt.datetime) -> bool: ...
    async def expired_mock_test_items(self, cutoff: dt.datetime) -> list[MockTestItem]: ...

    # your data
    async def forget_user(self, user_id: int) -> ForgetReport: ...


@dataclass(frozen=True)
class BroadcastRecord:
    broadcast_id: int
    admin_id: int
    #: ``all``, ``private``, ``groups`` or ``channels``: active chats of that kind.
    audience: str
    #: HTML to send; None when the source message is copied instead.
    text: str | None
    source_chat_id: int | None
    source_message_id: int | None
    state: str
    progress_message: int | None


class BroadcastRepository(Protocol):
    """Operators' broadcasts and their ledger (one claim per broadcast and chat)."""

    async def create_broadcast(
        self, admin_id: int, audience: str, text: str | None, source: tuple[int, int] | None, now: dt.datetime
    ) -> int: ...
    async def get_broadcast(self, broadcast_id: int) -> BroadcastRecord | None: ...
    async def set_broadcast_state(self, broadcast_id: int, old: str, new: str, now: dt.datetime) -> bool:
        """Move a broadcast from ``old`` to ``new``; False when it was not in ``old`` (pressed twice)."""
        ...

    async def set_broadcast_progress_message(self, broadcast_id: int, message_id: int) -> None: ...
    async def broadcasts_in(self, state: str) -> list[BroadcastRecord]: ...
    async def count_audience(self, audience: str) -> int: ...
    def audience_chats(self, audience: str, batch_size: int = 500) -> AsyncIterator[list[int]]: ...
    async def claim_broadcast(self, broadcast_id: int, chat_id: int, run: str, now: dt.datetime) -> bool:
        """Claim one chat's send. A chat with no row, a failed one (up to its attempts), or one
        claimed by another run (a process that died mid-send) may be claimed; a sent one never."""
        ...

    async def finish_broadcast(
        self, broadcast_id: int, chat_id: int, state: str, now: dt.datetime, error: str | None = None
    ) -> None: ...
    async def broadcast_tally(self, broadcast_id: int) -> dict[str, int]: ...


class Repository(GroupRepository, LearningRepository, SessionRepository, BroadcastRepository, Protocol):
    """Everything the services store and read."""

    #: "sqlite" or "postgresql".
    dialect: str

    async def close(self) -> None: ...
    async def ping(self) -> bool:
        """True when the store answers a query."""
        ...

    async def is_leader(self) -> bool:
        """Whether this process should run the minute push now (one process at a time per database)."""
        ...

    # chats and users
    async def upsert_chat(
        self, chat_id: int, type: str, title: str | None, username: str | None, language: str | None = None
    ) -> None:
        """Keep a chat on record; ``language`` is set only where none is on record yet."""
        ...

    async def get_chat(self, chat_id: int) -> ChatRecord | None: ...
    async def update_chat(self, chat_id: int, **changes: object) -> None: ...
    async def migrate_chat(self, old_id: int, new_id: int) -> bool:
        """A group became a supergroup: move every row the old id owns to the new id, at once and
        once (the old chat's settings win; pending deletions are dropped). False when there was
        nothing to move: the old id is unknown or was moved already."""
        ...

    async def upsert_user(self, user_id: int, first_name: str, username: str | None) -> None: ...

    # the no-repeat rotation
    async def seen_items(self, chat_id: int, kind: str, scope: str) -> set[str]: ...
    async def mark_seen(self, chat_id: int, kind: str, scope: str, item_id: str, at: dt.datetime) -> None: ...
    async def reset_seen(self, chat_id: int, kind: str, scope: str) -> None: ...

    # polls and answers
    async def save_poll(self, poll: PollRecord) -> None: ...
    async def get_poll(self, poll_id: str) -> PollRecord | None: ...
    #: The chat the answer is stored in (its poll's now); None for a repeat or an unknown poll.
    #: With ``reschedule``, a new answer's review card too, in the same transaction.
    async def record_answer(self, answer: AnswerRecord, reschedule: Reschedule | None = None) -> int | None: ...
    #: ``chat_id`` None: the user's answers in every chat (what review cards come from).
    async def topic_tallies(self, user_id: int, chat_id: int | None) -> list[TopicTally]: ...
    async def answer_times(self, user_id: int, chat_id: int | None) -> list[dt.datetime]: ...

    # the daily push
    def subscribed_chats(self, batch_size: int = 500) -> AsyncIterator[list[ChatRecord]]: ...
    async def count_subscribed(self) -> int: ...
    async def claim_delivery(
        self, chat_id: int, day: dt.date, now: dt.datetime, lease: dt.timedelta, *, take_skipped: bool = False
    ) -> bool: ...
    async def finish_delivery(
        self, chat_id: int, local_date: dt.date, state: str, now: dt.datetime, error: str | None = None
    ) -> None: ...
    async def skip_delivery(self, chat_id: int, local_date: dt.date, now: dt.datetime) -> None: ...
    async def unskip_delivery(self, chat_id: int, local_date: dt.date) -> None: ...
    async def get_delivery(self, chat_id: int, local_date: dt.date) -> Delivery | None: ...

    # operators
    async def operator_counts(self, today_since: dt.datetime, week_since: dt.datetime) -> OperatorCounts: ...
