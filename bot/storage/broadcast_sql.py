"""Queries for operators' broadcasts: the broadcast rows, their audience, and their send ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

from bot.storage.repository import BroadcastRecord
from bot.storage.sql_base import QueryBase, from_row, ts

#: A chat whose send failed (flood, 5xx) is tried this often in one broadcast.
BROADCAST_ATTEMPTS = 3
#: Audience name -> the chat types it takes (names are never taken from input).
_AUDIENCE_TYPES: dict[str, tuple[str, ...]] = {
    "all": ("private", "group", "supergroup", "channel"),
    "private": ("private",),
    "groups": ("group", "supergroup"),
    "channels": ("channel",),
}


def _types(audience: str) -> tuple[str, ...]:
    try:
        return _AUDIENCE_TYPES[audience]
    except KeyError:
        raise ValueError(f"unknown audience {audience!r}") from None


def _placeholders(values: tuple[str, ...]) -> str:
    return ", ".join("?" for _ in values)


class BroadcastQueries(QueryBase):
    async def create_broadcast(
        self, admin_id: int, audience: str, text: str | None, source: tuple[int, int] | None, now: dt.datetime
    ) -> int:
        _types(audience)
        source_chat, source_message = source if source else (None, None)
        row = await self._one(
            "INSERT INTO broadcasts (admin_id, audience, text, source_chat_id, source_message_id, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING broadcast_id",
            (admin_id, audience, text, source_chat, source_message, ts(now)),
        )
        return int(row[0])

    async def get_broadcast(self, broadcast_id: int) -> BroadcastRecord | None:
        row = await self._one("SELECT * FROM broadcasts WHERE broadcast_id = ?", (broadcast_id,))
        return from_row(BroadcastRecord, row) if row else None

    async def set_broadcast_state(self, broadcast_id: int, old: str, new: str, now: dt.datetime) -> bool:
        column = {"running": "started_at", "done": "finished_at", "cancelled": "finished_at"}[new]
        changed = await self._write(
            f"UPDATE broadcasts SET state = ?, {column} = ? WHERE broadcast_id = ? AND state = ?",  # column: fixed
            (new, ts(now), broadcast_id, old),
        )
        return changed == 1

    async def set_broadcast_progress_message(self, broadcast_id: int, message_id: int) -> None:
        await self._write(
            "UPDATE broadcasts SET progress_message = ? WHERE broadcast_id = ?", (message_id, broadcast_id)
        )

    async def broadcasts_in(self, state: str) -> list[BroadcastRecord]:
        rows = await self._all("SELECT * FROM broadcasts WHERE state = ? ORDER BY broadcast_id", (state,))
        return [from_row(BroadcastRecord, row) for row in rows]

    async def count_audience(self, audience: str) -> int:
        types = _types(audience)
        row = await self._one(
            f"SELECT COUNT(*) FROM chats WHERE active = 1 AND type IN ({_placeholders(types)})", types
        )
        return row[0] if row else 0

    async def audience_chats(self, audience: str, batch_size: int = 500) -> AsyncIterator[list[int]]:
        """Active chats of the audience in batches, by keyset so memory stays flat at any size."""
        types = _types(audience)
        sql = (
            f"SELECT chat_id FROM chats WHERE active = 1 AND type IN ({_placeholders(types)})"
            " AND chat_id > ? ORDER BY chat_id LIMIT ?"
        )
        last = -(2**63)
        while True:
            rows = await self._all(sql, (*types, last, batch_size))
            if not rows:
                return
            ids = [row["chat_id"] for row in rows]
            yield ids
            last = ids[-1]

    async def claim_broadcast(self, broadcast_id: int, chat_id: int, run: str, now: dt.datetime) -> bool:
        changed = await self._write(
            "INSERT INTO broadcast_deliveries (broadcast_id, chat_id, state, attempts, claimed_by, claimed_at)"
            " VALUES (?, ?, 'claimed', 1, ?, ?)"
            " ON CONFLICT (broadcast_id, chat_id) DO UPDATE SET state = 'claimed',"
            " attempts = broadcast_deliveries.attempts + 1,"
            " claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at"
            " WHERE (broadcast_deliveries.state = 'failed' AND broadcast_deliveries.attempts < ?)"
            " OR (broadcast_deliveries.state = 'claimed' AND broadcast_deliveries.claimed_by <> excluded.claimed_by)",
            (broadcast_id, chat_id, run, ts(now), BROADCAST_ATTEMPTS),
        )
        return changed == 1

    async def finish_broadcast(
        self, broadcast_id: int, chat_id: int, state: str, now: dt.datetime, error: str | None = None
    ) -> None:
        await self._write(
            "UPDATE broadcast_deliveries SET state = ?, sent_at = ?, error = ? WHERE broadcast_id = ? AND chat_id = ?",
            (state, ts(now) if state == "sent" else None, error, broadcast_id, chat_id),
        )

    async def broadcast_tally(self, broadcast_id: int) -> dict[str, int]:
        rows = await self._all(
            "SELECT state, COUNT(*) AS n FROM broadcast_deliveries WHERE broadcast_id = ? GROUP BY state",
            (broadcast_id,),
        )
        return {row["state"]: row["n"] for row in rows}
