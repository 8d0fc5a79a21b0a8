"""What every SQLite query group shares: the connection and small helpers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import aiosqlite


def ts(value: dt.datetime) -> str:
    """Timestamps are stored as UTC ISO-8601 text, which sorts in time order."""
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def parse_ts(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


class SqlBase:
    """One aiosqlite connection; every write is committed before it returns."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def _write(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        cursor = await self._db.execute(sql, params)
        await self._db.commit()
        return cursor.rowcount

    async def _one(self, sql: str, params: tuple[Any, ...] = ()) -> aiosqlite.Row | None:
        async with self._db.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[aiosqlite.Row]:
        async with self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())
