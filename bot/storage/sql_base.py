"""What every query group shares: statements, transactions and small helpers, on either store.

The query groups (chats, groups, learning) are written once in SQL that SQLite and PostgreSQL both
read, with ``?`` placeholders, against ``QueryBase``. ``SqlBase`` runs them on SQLite; the
PostgreSQL store (bot/storage/postgres.py) runs the same statements through asyncpg.

On SQLite the process has one connection, and every task shares it. SQLite's own transactions are per
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
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, ClassVar, TypeVar

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


def from_row(cls: type[R], row: Any, **convert: Callable[[Any], Any]) -> R:
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


class QueryBase:
    """The statements the query groups use; each store runs them its own way.

    A row reads by column name (``row["chat_id"]``) and by position (``row[0]``) on both stores.
    """

    #: Raised by a statement that breaks a unique index (a second running mock test).
    integrity_errors: ClassVar[tuple[type[Exception], ...]] = ()
    #: "sqlite" or "postgresql": the start-up log and /healthz name it.
    dialect: str = ""

    def __init__(self, clock: Clock | None = None) -> None:
        #: Stamps updated_at and the like: the bot's clock, so a test's or the console's time holds.
        self._clock: Clock = clock or SystemClock()

    def _stamp(self) -> str:
        return ts(self._clock.now())

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """An async context manager: the block's statements as one transaction (see SqlBase)."""
        raise NotImplementedError

    async def _write(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """One statement; the number of rows it changed."""
        raise NotImplementedError

    async def _write_many(self, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    async def _one(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        raise NotImplementedError

    async def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        raise NotImplementedError

    async def ping(self) -> bool:
        """True when the store answers a query (GET /healthz)."""
        try:
            row = await self._one("SELECT 1")
        except Exception:
            return False
        return row is not None

    async def is_leader(self) -> bool:
        """Whether this process runs the minute push now: always, on a store only one process uses."""
        return True


class SqlBase(QueryBase):
    """One aiosqlite connection in autocommit mode; ``transaction()`` groups statements."""

    integrity_errors = (sqlite3.IntegrityError,)
    dialect = "sqlite"

    def __init__(self, db: aiosqlite.Connection, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self._db = db
        self._lock = asyncio.Lock()

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
                    # SQLite may have rolled the transaction back itself (a full disk, say): a
                    # second ROLLBACK would fail and hide the error that matters.
                    if self._db.in_transaction:
                        await self._db.execute("ROLLBACK")
                    raise
                await self._db.execute("COMMIT")
            finally:
                _IN_TRANSACTION.reset(token)

    async def _write(self, sql: str, params: tuple[Any, ...] = ()) -> int:
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
        # Every _one statement is by key, an aggregate or LIMIT 1: fetching "all" is one row.
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[aiosqlite.Row]:
        # One trip to aiosqlite's thread (execute, fetch and close there), not three: the answer
        # path's reads each cost a thread hop (bench/README.md, bench/updates.py).
        async with self._turn():
            return list(await self._db.execute_fetchall(sql, params))
