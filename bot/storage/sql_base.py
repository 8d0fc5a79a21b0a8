"""What every query group shares: statements, transactions and small helpers, on either store.

The query groups (chats, groups, learning) are written once in SQL that SQLite and PostgreSQL both
read, with ``?`` placeholders, against ``QueryBase``. ``SqlBase`` runs them on SQLite; the
PostgreSQL store (bot/storage/postgres.py) runs the same statements through asyncpg.

On SQLite the process has one connection, and every task shares it. SQLite's own transactions are per
connection, not per task, so without care one task's ROLLBACK would undo another task's write
made in between. Hence one ``asyncio.Lock``: a multi-statement write holds it for the whole of
``BEGIN IMMEDIATE … COMMIT``, and every group commit of single statements (reads and writes,
see ``SqlBase``) waits for it, so nothing interleaves with a transaction.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import datetime as dt
import functools
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, ClassVar, TypeVar

import aiosqlite

from bot.clock import Clock, SystemClock

R = TypeVar("R")

#: True in the task (and its children) that holds the connection for a transaction.
_IN_TRANSACTION: contextvars.ContextVar[bool] = contextvars.ContextVar("studybot_in_transaction", default=False)


def in_transaction() -> bool:
    """Whether this task runs inside a ``transaction()`` block."""
    return _IN_TRANSACTION.get()


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
    #: Appended to a SELECT that is followed by a write of the same row in one transaction.
    row_lock: ClassVar[str] = ""

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


#: Statements one group commit takes at most; the rest wait for the next (bounds its latency).
MAX_BATCH = 512

#: A unit of work for aiosqlite's thread: statements on the sqlite3 connection, and their result.
Work = Callable[[sqlite3.Connection], Any]


def run_batch(conn: sqlite3.Connection, works: list[Work]) -> list[tuple[bool, Any]]:
    """Every work in one transaction, one commit; each work's result or error. In aiosqlite's thread,
    or in the answer writer's process.

    A statement that fails (a broken constraint) is undone by SQLite alone and fails only its own
    work; an error that ends the transaction (SQLite rolled it back) fails the whole batch.
    """
    conn.execute("BEGIN IMMEDIATE")
    outcomes: list[tuple[bool, Any]] = []
    try:
        for work in works:
            try:
                outcomes.append((True, work(conn)))
            except Exception as exc:
                if not conn.in_transaction:
                    raise
                outcomes.append((False, exc))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes


def atomic(work: Work) -> Work:
    """A work of several statements that are stored all together or not at all (a savepoint)."""

    def run(conn: sqlite3.Connection) -> Any:
        conn.execute("SAVEPOINT work")
        try:
            result = work(conn)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK TO work")
                conn.execute("RELEASE work")
            raise
        conn.execute("RELEASE work")
        return result

    return run


class SqlBase(QueryBase):
    """One aiosqlite connection; statements from concurrent tasks committed together.

    Every statement outside ``transaction()`` is queued and run in the next *group commit*: one
    trip to aiosqlite's thread runs everything queued meanwhile in one transaction and commits it
    once, and only then does each caller get its result. So a write is durable when it returns,
    as with one commit per statement, but a hundred concurrent answers cost one thread hop and
    one commit, not a hundred of each (bench/README.md). ``transaction()`` groups statements.
    """

    integrity_errors = (sqlite3.IntegrityError,)
    dialect = "sqlite"

    def __init__(self, db: aiosqlite.Connection, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self._db = db
        self._lock = asyncio.Lock()
        self._queue: list[tuple[Work, asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None
        #: Group commits made (tests and the bench read it).
        self.commits = 0

    async def _in_thread(self, work: Work) -> Any:
        # aiosqlite has no public call for "run this function on the connection in your thread"
        # (its own execute_* are such functions): _execute and _conn are that, used as it uses them.
        execute: Callable[[Callable[[], Any]], Awaitable[Any]] = self._db._execute
        return await execute(lambda: work(self._db._conn))

    async def _run(self, work: Work) -> Any:
        """Run ``work`` in this task's transaction, else in the next group commit; after its commit."""
        if _IN_TRANSACTION.get():
            return await self._in_thread(work)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((work, future))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        """Commit what is queued, batch after batch, until the queue is empty."""
        batch: list[tuple[Work, asyncio.Future[Any]]] = []
        try:
            while self._queue:
                async with self._lock:  # a transaction() in progress finishes first
                    batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                    batch = [(work, future) for work, future in batch if not future.done()]
                    works = [work for work, _ in batch]
                    try:
                        outcomes = await self._in_thread(functools.partial(run_batch, works=works))
                    except Exception as exc:  # nothing of this batch is stored: each of its callers hears why
                        outcomes = [(False, exc)] * len(works)
                    else:
                        self.commits += 1
                    for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                        if future.done():  # its caller was cancelled meanwhile
                            continue
                        if ok:
                            future.set_result(value)
                        else:
                            future.set_exception(value)
                    batch = []
        except BaseException:
            # Cancelled (the loop is closing): no caller may wait for ever.
            for _, future in [*batch, *self._queue]:
                if not future.done():
                    future.cancel()
            self._queue = []
            raise
        finally:
            self._flusher = None

    async def _drain(self) -> None:
        """Wait for the queued statements' commit (before the connection closes)."""
        while self._flusher is not None:
            await asyncio.shield(self._flusher)

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
                try:
                    await self._db.execute("COMMIT")
                except BaseException:
                    # A COMMIT that failed (a full disk, an I/O error) can leave the transaction open
                    # on the shared connection, and every later BEGIN would then fail.
                    if self._db.in_transaction:
                        await self._db.execute("ROLLBACK")
                    raise
            finally:
                _IN_TRANSACTION.reset(token)

    async def _write(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        rowcount: int = await self._run(lambda conn: conn.execute(sql, params).rowcount)
        return rowcount

    async def _write_many(self, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
        values = list(rows)
        await self._run(lambda conn: conn.executemany(sql, values))

    async def _insert(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """One INSERT; the new row's id."""
        rowid: int | None = await self._run(lambda conn: conn.execute(sql, params).lastrowid)
        if rowid is None:  # pragma: no cover - an INSERT always has one
            raise RuntimeError("the insert made no row")
        return rowid

    async def _one(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        # Every _one statement is by key, an aggregate or LIMIT 1: fetching "all" is one row.
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        # Reads join the group commit too: one trip to aiosqlite's thread for all queued meanwhile.
        rows: list[sqlite3.Row] = await self._run(lambda conn: conn.execute(sql, params).fetchall())
        return rows
