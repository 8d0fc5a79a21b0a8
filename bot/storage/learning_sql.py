"""Queries for learning: spaced-repetition cards, mistakes, mock tests, export and forget."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.storage.repository import (
    AnswerRecord,
    ForgetReport,
    MockTest,
    MockTestItem,
    Reschedule,
    ReviewCard,
    ReviewSession,
)
from bot.storage.sql_base import QueryBase, from_row, parse_ts, ts

#: A user's card for a question (its fsrs JSON), and storing one, new or replacing the old.
GET_CARD = "SELECT card FROM review_cards WHERE user_id = ? AND question_id = ?"
SAVE_CARD = (
    "INSERT INTO review_cards (user_id, question_id, card, due_at, updated_at) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (user_id, question_id) DO UPDATE SET card = excluded.card, due_at = excluded.due_at,"
    " updated_at = excluded.updated_at"
)


def card_params(card: ReviewCard, now: dt.datetime) -> tuple[Any, ...]:
    """SAVE_CARD's parameters."""
    return (card.user_id, card.question_id, card.card, ts(card.due_at), ts(now))


async def reschedule_in(
    store: QueryBase, user_id: int, question_id: str, reschedule: Reschedule, now: dt.datetime
) -> ReviewCard:
    """The statements of ``reschedule_card``, in the caller's transaction."""
    row = await store._one(GET_CARD + store.row_lock, (user_id, question_id))
    card = reschedule(row[0] if row else None)
    await store._write(SAVE_CARD, card_params(card, now))
    return card


class LearningQueries(QueryBase):
    # --- spaced review --------------------------------------------------------------------------
    async def reschedule_card(
        self, user_id: int, question_id: str, reschedule: Reschedule, now: dt.datetime
    ) -> ReviewCard:
        """Read the user's card for a question, reschedule it and store the result, in one
        transaction; the stored card. ``reschedule`` must be a plain function (no I/O): SQLite
        runs it on its database thread."""
        async with self.transaction():
            return await reschedule_in(self, user_id, question_id, reschedule, now)

    async def get_card(self, user_id: int, question_id: str) -> ReviewCard | None:
        """The user's card for a question, if they answered it before."""
        row = await self._one(
            "SELECT * FROM review_cards WHERE user_id = ? AND question_id = ?", (user_id, question_id)
        )
        return _card(row) if row else None

    async def save_card(self, card: ReviewCard, now: dt.datetime) -> None:
        """Insert or replace the user's card for a question."""
        await self._write(SAVE_CARD, card_params(card, now))

    async def delete_card(self, user_id: int, question_id: str) -> None:
        """Forget one card (its question left the bank)."""
        await self._write("DELETE FROM review_cards WHERE user_id = ? AND question_id = ?", (user_id, question_id))

    async def due_cards(self, user_id: int, now: dt.datetime, limit: int) -> list[ReviewCard]:
        """Cards due at ``now``, the longest overdue first."""
        rows = await self._all(
            "SELECT * FROM review_cards WHERE user_id = ? AND due_at <= ? ORDER BY due_at, question_id LIMIT ?",
            (user_id, ts(now), limit),
        )
        return [_card(row) for row in rows]

    async def count_due(self, user_id: int, now: dt.datetime) -> int:
        """How many of the user's cards are due at ``now``."""
        row = await self._one("SELECT COUNT(*) FROM review_cards WHERE user_id = ? AND due_at <= ?", (user_id, ts(now)))
        return row[0] if row else 0

    async def count_cards(self, user_id: int) -> int:
        """How many cards the user has at all."""
        row = await self._one("SELECT COUNT(*) FROM review_cards WHERE user_id = ?", (user_id,))
        return row[0] if row else 0

    async def next_due(self, user_id: int) -> dt.datetime | None:
        """When the user's next card falls due (None without cards)."""
        row = await self._one("SELECT MIN(due_at) FROM review_cards WHERE user_id = ?", (user_id,))
        return parse_ts(row[0]) if row and row[0] else None

    async def get_review_session(self, user_id: int) -> ReviewSession | None:
        """The user's /review session, if one is running."""
        row = await self._one("SELECT * FROM review_sessions WHERE user_id = ?", (user_id,))
        return from_row(ReviewSession, row, started_at=parse_ts) if row else None

    async def save_review_session(self, session: ReviewSession) -> None:
        """Start or update the user's /review session."""
        await self._write(
            "INSERT INTO review_sessions (user_id, chat_id, poll_id, sent, correct, started_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id,"
            " poll_id = excluded.poll_id, sent = excluded.sent, correct = excluded.correct,"
            " started_at = excluded.started_at",
            (
                session.user_id,
                session.chat_id,
                session.poll_id,
                session.sent,
                session.correct,
                ts(session.started_at),
            ),
        )

    async def end_review_session(self, user_id: int) -> None:
        """End the user's /review session."""
        await self._write("DELETE FROM review_sessions WHERE user_id = ?", (user_id,))

    # --- mistakes and export --------------------------------------------------------------------
    async def latest_mistakes(self, user_id: int, limit: int) -> list[AnswerRecord]:
        """The user's wrong answers in every chat, newest first, one (the latest) per question."""
        rows = await self._all(
            "SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY question_id ORDER BY answered_at DESC) AS n"
            " FROM answers WHERE user_id = ? AND is_correct = 0) AS latest WHERE n = 1"
            " ORDER BY answered_at DESC, question_id LIMIT ?",
            (user_id, limit),
        )
        return [_answer(row) for row in rows]

    async def user_answers(self, user_id: int) -> list[AnswerRecord]:
        """Every answer the user gave, in every chat, oldest first."""
        rows = await self._all("SELECT * FROM answers WHERE user_id = ? ORDER BY answered_at, poll_id", (user_id,))
        return [_answer(row) for row in rows]

    # --- mock tests -----------------------------------------------------------------------------
    async def create_mock_test(
        self, user_id: int, chat_id: int, topic_id: str | None, questions: list[str], seconds: int, now: dt.datetime
    ) -> MockTest | None:
        """A new running test with its questions; None when the user already has one running."""
        try:
            async with self.transaction():
                row = await self._one(
                    "INSERT INTO mock_tests (user_id, chat_id, topic_id, size, open_period, started_at)"
                    " VALUES (?, ?, ?, ?, ?, ?) RETURNING test_id",
                    (user_id, chat_id, topic_id, len(questions), seconds, ts(now)),
                )
                test_id = int(row[0])
                await self._write_many(
                    "INSERT INTO mock_test_items (test_id, position, question_id) VALUES (?, ?, ?)",
                    [(test_id, position, question_id) for position, question_id in enumerate(questions)],
                )
        except self.integrity_errors:
            # The partial unique index allows one running test per user.
            return None
        return await self.get_mock_test(test_id)

    async def get_mock_test(self, test_id: int) -> MockTest | None:
        """A mock test by id."""
        row = await self._one("SELECT * FROM mock_tests WHERE test_id = ?", (test_id,))
        return _test(row) if row else None

    async def running_mock_test(self, user_id: int) -> MockTest | None:
        """The user's running mock test, if any."""
        row = await self._one("SELECT * FROM mock_tests WHERE user_id = ? AND state = 'running'", (user_id,))
        return _test(row) if row else None

    async def mock_test_items(self, test_id: int) -> list[MockTestItem]:
        """A test's questions in order, with their outcomes so far."""
        rows = await self._all("SELECT * FROM mock_test_items WHERE test_id = ? ORDER BY position", (test_id,))
        return [_item(row) for row in rows]

    async def mock_test_item_by_poll(self, poll_id: str) -> MockTestItem | None:
        """The test question a poll was sent for, if any."""
        row = await self._one("SELECT * FROM mock_test_items WHERE poll_id = ?", (poll_id,))
        return _item(row) if row else None

    async def set_mock_test_poll(self, test_id: int, position: int, poll_id: str, closes_at: dt.datetime) -> None:
        """Record the poll a test question went out as, and when its time runs out."""
        await self._write(
            "UPDATE mock_test_items SET poll_id = ?, closes_at = ? WHERE test_id = ? AND position = ?",
            (poll_id, ts(closes_at), test_id, position),
        )

    async def close_mock_test_item(self, test_id: int, position: int, outcome: str, chosen_option: int | None) -> bool:
        """Settle an open question once: False when it was already settled (answer and timeout raced)."""
        changed = await self._write(
            "UPDATE mock_test_items SET outcome = ?, chosen_option = ?"
            " WHERE test_id = ? AND position = ? AND outcome IS NULL",
            (outcome, chosen_option, test_id, position),
        )
        return changed == 1

    async def advance_mock_test(self, test_id: int, position: int) -> bool:
        """Move a running test past ``position``; False when it has moved on already."""
        changed = await self._write(
            "UPDATE mock_tests SET current = current + 1 WHERE test_id = ? AND current = ? AND state = 'running'",
            (test_id, position),
        )
        return changed == 1

    async def end_mock_test(self, test_id: int, state: str, now: dt.datetime) -> bool:
        """Finish or abandon a running test once; False when it had already ended."""
        changed = await self._write(
            "UPDATE mock_tests SET state = ?, finished_at = ? WHERE test_id = ? AND state = 'running'",
            (state, ts(now), test_id),
        )
        return changed == 1

    async def expired_mock_test_items(self, cutoff: dt.datetime) -> list[MockTestItem]:
        """Open questions of running tests whose time ran out at or before ``cutoff``."""
        rows = await self._all(
            "SELECT i.* FROM mock_test_items i JOIN mock_tests t ON t.test_id = i.test_id"
            " WHERE i.outcome IS NULL AND i.closes_at IS NOT NULL AND i.closes_at <= ? AND t.state = 'running'"
            " AND i.position = t.current ORDER BY i.closes_at",
            (ts(cutoff),),
        )
        return [_item(row) for row in rows]

    # --- your data ------------------------------------------------------------------------------
    async def forget_user(self, user_id: int) -> ForgetReport:
        """Delete everything stored about one user: their answers in every chat, review cards and
        session, mock tests, and their private chat (settings, rotation, polls, push ledger) and
        profile. Groups' own rows and other users' answers are untouched."""
        private = user_id  # a private chat's id is its user's id
        counts: dict[str, int] = {}
        statements: list[tuple[str, str, tuple[int, ...]]] = [
            ("answers", "DELETE FROM answers WHERE user_id = ?", (user_id,)),
            ("cards", "DELETE FROM review_cards WHERE user_id = ?", (user_id,)),
            ("session", "DELETE FROM review_sessions WHERE user_id = ?", (user_id,)),
            (
                "items",
                "DELETE FROM mock_test_items WHERE test_id IN (SELECT test_id FROM mock_tests WHERE user_id = ?)",
                (user_id,),
            ),
            ("tests", "DELETE FROM mock_tests WHERE user_id = ?", (user_id,)),
            # Polls of the private chat, unless someone else answered one (a forwarded poll keeps its
            # id): their answers are theirs. This user's own answers went with the first statement.
            (
                "polls",
                "DELETE FROM polls WHERE chat_id = ?"
                " AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.poll_id = polls.poll_id)",
                (private,),
            ),
            ("seen", "DELETE FROM seen_items WHERE chat_id = ?", (private,)),
            ("deliveries", "DELETE FROM deliveries WHERE chat_id = ?", (private,)),
            ("deletions", "DELETE FROM pending_deletions WHERE chat_id = ?", (private,)),
            ("chat", "DELETE FROM chats WHERE chat_id = ? AND type = 'private'", (private,)),
            ("profile", "DELETE FROM users WHERE user_id = ?", (user_id,)),
        ]
        async with self.transaction():
            for name, sql, params in statements:
                counts[name] = await self._write(sql, params)
        return ForgetReport(
            answers=counts["answers"],
            cards=counts["cards"],
            tests=counts["tests"],
            chat_settings=counts["chat"] > 0,
            profile=counts["profile"] > 0,
        )


def _card(row: Any) -> ReviewCard:
    return from_row(ReviewCard, row, due_at=parse_ts)


def _answer(row: Any) -> AnswerRecord:
    return from_row(AnswerRecord, row, is_correct=bool, answered_at=parse_ts)


def _test(row: Any) -> MockTest:
    return from_row(MockTest, row, started_at=parse_ts, finished_at=parse_ts)


def _item(row: Any) -> MockTestItem:
    return from_row(MockTestItem, row, closes_at=parse_ts)
