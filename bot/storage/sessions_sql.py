"""Queries for group quiz sessions: the session, its questions and their timer, and the scores."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.storage.repository import QuizSession, QuizSessionItem, SessionScore
from bot.storage.sql_base import QueryBase, from_row, parse_ts, ts


class SessionQueries(QueryBase):
    async def create_quiz_session(
        self, chat_id: int, topic_id: str | None, questions: list[str], seconds: int, now: dt.datetime
    ) -> QuizSession | None:
        """A new running session with its questions; None when the group already has one running."""
        try:
            async with self.transaction():
                row = await self._one(
                    "INSERT INTO quiz_sessions (chat_id, topic_id, size, open_period, started_at)"
                    " VALUES (?, ?, ?, ?, ?) RETURNING session_id",
                    (chat_id, topic_id, len(questions), seconds, ts(now)),
                )
                session_id = int(row[0])
                await self._write_many(
                    "INSERT INTO quiz_session_items (session_id, position, question_id) VALUES (?, ?, ?)",
                    [(session_id, position, question_id) for position, question_id in enumerate(questions)],
                )
        except self.integrity_errors:
            # The partial unique index allows one running session per group.
            return None
        return await self.get_quiz_session(session_id)

    async def get_quiz_session(self, session_id: int) -> QuizSession | None:
        row = await self._one("SELECT * FROM quiz_sessions WHERE session_id = ?", (session_id,))
        return _session(row) if row else None

    async def running_quiz_session(self, chat_id: int) -> QuizSession | None:
        row = await self._one("SELECT * FROM quiz_sessions WHERE chat_id = ? AND state = 'running'", (chat_id,))
        return _session(row) if row else None

    async def last_quiz_session(self, chat_id: int) -> QuizSession | None:
        """The group's latest session that has ended (finished or stopped)."""
        row = await self._one(
            "SELECT * FROM quiz_sessions WHERE chat_id = ? AND state != 'running'"
            " ORDER BY finished_at DESC, session_id DESC LIMIT 1",
            (chat_id,),
        )
        return _session(row) if row else None

    async def quiz_session_items(self, session_id: int) -> list[QuizSessionItem]:
        rows = await self._all("SELECT * FROM quiz_session_items WHERE session_id = ? ORDER BY position", (session_id,))
        return [_item(row) for row in rows]

    async def set_quiz_session_poll(self, session_id: int, position: int, poll_id: str, closes_at: dt.datetime) -> None:
        await self._write(
            "UPDATE quiz_session_items SET poll_id = ?, closes_at = ? WHERE session_id = ? AND position = ?",
            (poll_id, ts(closes_at), session_id, position),
        )

    async def close_quiz_session_item(self, session_id: int, position: int) -> bool:
        """Close a question once; True only for the caller that closed it (and may move on)."""
        async with self.transaction():
            closed = await self._write(
                "UPDATE quiz_session_items SET closed = 1 WHERE session_id = ? AND position = ? AND closed = 0",
                (session_id, position),
            )
            if closed != 1:
                return False
            moved = await self._write(
                "UPDATE quiz_sessions SET current = current + 1"
                " WHERE session_id = ? AND current = ? AND state = 'running'",
                (session_id, position),
            )
            return moved == 1

    async def end_quiz_session(self, session_id: int, state: str, now: dt.datetime) -> bool:
        async with self.transaction():
            ended = await self._write(
                "UPDATE quiz_sessions SET state = ?, finished_at = ? WHERE session_id = ? AND state = 'running'",
                (state, ts(now), session_id),
            )
            await self._write("UPDATE quiz_session_items SET closed = 1 WHERE session_id = ?", (session_id,))
        return ended == 1

    async def expired_quiz_session_items(self, cutoff: dt.datetime) -> list[QuizSessionItem]:
        """Open questions of running sessions whose time ran out before ``cutoff``."""
        rows = await self._all(
            "SELECT i.* FROM quiz_session_items i JOIN quiz_sessions s ON s.session_id = i.session_id"
            " WHERE i.closed = 0 AND i.closes_at IS NOT NULL AND i.closes_at <= ? AND s.state = 'running'"
            " ORDER BY i.closes_at",
            (ts(cutoff),),
        )
        return [_item(row) for row in rows]

    async def quiz_session_scores(self, session_id: int) -> list[SessionScore]:
        """Every member who answered a question of the session, with their tallies."""
        rows = await self._all(
            "SELECT a.user_id, COALESCE(u.first_name, '?') AS name, SUM(a.is_correct) AS correct,"
            " SUM(1 - a.is_correct) AS wrong, MAX(a.answered_at) AS last_answer"
            " FROM quiz_session_items i JOIN answers a ON a.poll_id = i.poll_id"
            " LEFT JOIN users u ON u.user_id = a.user_id"
            " WHERE i.session_id = ? GROUP BY a.user_id",
            (session_id,),
        )
        return [from_row(SessionScore, row, last_answer=parse_ts) for row in rows]


def _session(row: Any) -> QuizSession:
    return from_row(QuizSession, row, started_at=parse_ts, finished_at=parse_ts)


def _item(row: Any) -> QuizSessionItem:
    return from_row(QuizSessionItem, row, closes_at=parse_ts, closed=bool)
