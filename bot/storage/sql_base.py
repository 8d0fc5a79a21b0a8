"""What every SQLite query group shares: the connection, its lock, transactions and small helpers.

The process has one connection, and every task shares it. SQLite's own transactions are per
connection, not per task, so without care one task's ROLLBACK would undo another task's write
made in between. Hence one ``asyncio.Lock``: a multi-statement write holds it for the whole of
``BEGIN IMMEDIATE … COMMIT``, and every single statement (read or write) waits for it, so
nothing interleaves with a transaction.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiosqlite

from bot.clock import Clock, SystemClock

R = TypeVar("R")

#: True in the task (and its children) that holds the connection for a transaction.
_IN_TRANSACTION: contextvars.ContextVar[bool] = contextvars.ContextVar("studybot_in_transaction", default=False)


def ts(value: dt.datetime) -> str:
    """Timestamps are stored as UTC ISO-8601 text, which sorts in time order."""
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def parse_ts(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def from_row(cls: type[R], row: aiosqlite.Row, **convert: Callable[[Any], Any]) -> R:
    """A record dataclass from a row whose columns are named as its fields.

    ``convert`` maps a field to the function that reads its column (timestamps, booleans, JSON);
    a NULL column stays None.
    """
    values = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        value = row[field.name]
        if value is not None and field.name in convert:
            value = convert[field.name](value)
        values[field.name] = value
    return cls(**values)


class SqlBase:
    """One aiosqlite connection in autocommit mode; ``transaction()`` groups statements."""

    def __init__(self, db: aiosqlite.Connection, clock: Clock | None = None) -> None:
        self._db = db
        self._lock = asyncio.Lock()
        #: Stamps updated_at and the like: the bot's clock, so a test's or the console's time holds.
        self._clock: Clock = clock or SystemClock()

    def _stamp(self) -> str:
        return ts(self._clock.now())

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """Wait for the connection unless this task already holds it for a transaction."""
        if _IN_TRANSACTION.get():
            yield
            return
        async with self._lock:
            yield

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Run the block's statements as one transaction that nothing else can interleave.

        Committed when the block ends, rolled back (and the error re-raised) when it raises.
        Transactions do not nest: an inner ``transaction()`` joins the outer one.
        """
        if _IN_TRANSACTION.get():
            yield
            return
        async with self._lock:
            token = _IN_TRANSACTION.set(True)
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    await self._db.execute("ROLLBACK")
                    raise
                await self._db.execute("COMMIT")
            finally:
                _IN_TRANSACTION.reset(token)

    async def _write(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """One statement; the number of rows it changed."""
        async with self._turn():
            cursor = await self._db.execute(sql, params)
            return cursor.rowcount

    async def _write_many(self, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
        async with self._turn():
            await self._db.executemany(sql, rows)

    async def _insert(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """One INSERT; the new row's id."""
        async with self._turn():
            cursor = await self._db.execute(sql, params)
            if cursor.lastrowid is None:  # pragma: no cover - an INSERT always has one
                raise RuntimeError("the insert made no row")
            return cursor.lastrowid

    async def _one(self, sql: str, params: tuple[Any, ...] = ()) -> aiosqlite.Row | None:
        async with self._turn(), self._db.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[aiosqlite.Row]:
        async with self._turn(), self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())
