"""Queries for groups and channels: leaderboards, poll results, daily quiz summaries, clean-up."""

from __future__ import annotations

import datetime as dt
import json

from bot.storage.repository import ChannelTotals, LeaderboardRow, PollSummary
from bot.storage.sql_base import QueryBase, parse_ts, ts


class GroupQueries(QueryBase):
    async def leaderboard_rows(self, chat_id: int, since: dt.datetime | None) -> list[LeaderboardRow]:
        """Every member's tally in a chat since a time (None: all time), unranked."""
        rows = await self._all(
            "SELECT a.user_id, COALESCE(u.first_name, '?') AS name, COUNT(*) AS answered,"
            " SUM(a.is_correct) AS correct,"
            " MAX(CASE WHEN a.is_correct = 1 THEN a.answered_at END) AS reached"
            " FROM answers a LEFT JOIN users u ON u.user_id = a.user_id"
            " WHERE a.chat_id = ? AND a.answered_at >= ? GROUP BY a.user_id, u.first_name",
            (chat_id, ts(since) if since else ""),
        )
        return [
            LeaderboardRow(
                user_id=row["user_id"],
                name=row["name"],
                answered=row["answered"],
                correct=row["correct"] or 0,
                reached=parse_ts(row["reached"]) if row["reached"] else None,
            )
            for row in rows
        ]

    async def last_push_poll_summary(self, chat_id: int, before: dt.datetime) -> PollSummary | None:
        """How a chat did on its latest daily-push quiz sent before ``before``: members' answers,
        or for an anonymous (channel) poll the totals Telegram last reported."""
        poll = await self._one(
            "SELECT poll_id, question_id, sent_at, voter_counts, total_voters, correct_option FROM polls"
            " WHERE chat_id = ? AND purpose = 'push' AND sent_at < ? ORDER BY sent_at DESC LIMIT 1",
            (chat_id, ts(before)),
        )
        if poll is None:
            return None
        tally = await self._one(
            "SELECT COUNT(*), COALESCE(SUM(is_correct), 0) FROM answers WHERE poll_id = ?", (poll["poll_id"],)
        )
        if not (tally and tally[0]) and poll["voter_counts"]:
            # An anonymous poll: nobody's answers, only the totals.
            counts = json.loads(poll["voter_counts"])
            right = counts[poll["correct_option"]] if 0 <= poll["correct_option"] < len(counts) else 0
            return PollSummary(
                poll_id=poll["poll_id"],
                question_id=poll["question_id"],
                sent_at=parse_ts(poll["sent_at"]),
                answered=poll["total_voters"] or 0,
                correct=right,
                fastest=None,
            )
        fastest = await self._one(
            "SELECT COALESCE(u.first_name, '?') FROM answers a LEFT JOIN users u ON u.user_id = a.user_id"
            " WHERE a.poll_id = ? AND a.is_correct = 1 ORDER BY a.answered_at LIMIT 1",
            (poll["poll_id"],),
        )
        return PollSummary(
            poll_id=poll["poll_id"],
            question_id=poll["question_id"],
            sent_at=parse_ts(poll["sent_at"]),
            answered=tally[0] if tally else 0,
            correct=tally[1] if tally else 0,
            fastest=fastest[0] if fastest else None,
        )

    async def record_poll_results(self, poll_id: str, voter_counts: list[int], total: int) -> bool:
        """Store an anonymous poll's latest counts; False when the poll is not one of ours."""
        changed = await self._write(
            "UPDATE polls SET voter_counts = ?, total_voters = ? WHERE poll_id = ?",
            (json.dumps(voter_counts), total, poll_id),
        )
        return changed == 1

    async def channel_totals(self, chat_id: int) -> ChannelTotals:
        rows = await self._all(
            "SELECT option_order, correct_option, voter_counts, total_voters FROM polls WHERE chat_id = ?", (chat_id,)
        )
        votes = correct = with_votes = 0
        for row in rows:
            if not row["voter_counts"]:
                continue
            counts = json.loads(row["voter_counts"])
            with_votes += 1
            votes += row["total_voters"] or 0
            if 0 <= row["correct_option"] < len(counts):
                correct += counts[row["correct_option"]]
        return ChannelTotals(polls=len(rows), polls_with_votes=with_votes, votes=votes, correct=correct)

    async def find_chat_by_username(self, username: str) -> int | None:
        row = await self._one("SELECT chat_id FROM chats WHERE lower(username) = lower(?)", (username,))
        return row[0] if row else None

    async def schedule_deletion(self, chat_id: int, message_id: int, delete_at: dt.datetime) -> None:
        await self._write(
            "INSERT INTO pending_deletions (chat_id, message_id, delete_at) VALUES (?, ?, ?)"
            " ON CONFLICT (chat_id, message_id) DO UPDATE SET delete_at = excluded.delete_at",
            (chat_id, message_id, ts(delete_at)),
        )

    async def due_deletions(self, now: dt.datetime, limit: int = 100) -> list[tuple[int, int]]:
        rows = await self._all(
            "SELECT chat_id, message_id FROM pending_deletions WHERE delete_at <= ? ORDER BY delete_at LIMIT ?",
            (ts(now), limit),
        )
        return [(row[0], row[1]) for row in rows]

    async def forget_deletion(self, chat_id: int, message_id: int) -> None:
        await self._write("DELETE FROM pending_deletions WHERE chat_id = ? AND message_id = ?", (chat_id, message_id))
