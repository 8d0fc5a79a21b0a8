"""The store beyond one machine: PostgreSQL through asyncpg, with a connection pool.

The query groups are the SQLite store's own (written in SQL both read); this module only runs them:
``?`` placeholders become ``$1, $2, …``, a statement takes a pooled connection (or the one its
task's transaction holds), and a transaction is PostgreSQL's own, so several processes can share
the database. Leadership for the minute push is a session-level advisory lock held on a connection
of its own: it ends with that connection, so when a leader dies another worker takes over.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import itertools
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg

from bot.clock import Clock
from bot.storage.broadcast_sql import BroadcastQueries
from bot.storage.groups_sql import GroupQueries
from bot.storage.learning_sql import LearningQueries
from bot.storage.migrations import migrate_postgres
from bot.storage.sessions_sql import SessionQueries
from bot.storage.sql_base import QueryBase
from bot.storage.sqlite import ChatQueries

log = logging.getLogger(__name__)

#: Connections per process: handlers, jobs and the push share them.
POOL_SIZE = 10
#: After a lost connection a statement is tried again after each of these pauses (about 3 s in all:
#: a server restart), then the error goes up.
RECONNECT_DELAYS_S = (0.1, 0.2, 0.4, 0.8, 1.6)
#: Errors of a connection that was lost before or while the statement ran (its transaction, if
#: any, rolled back by the server), so running it again on another connection is safe.
RECONNECTABLE: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # the connection failed or was lost (ConnectionDoesNotExistError)
    asyncpg.exceptions.OperatorInterventionError,  # terminated by an administrator, shutting down, starting
    asyncpg.InternalClientError,  # a connection cut mid-operation, left in a state it cannot leave
    OSError,  # refused, reset, or the server's unix socket gone while it restarts
)
#: pg_try_advisory_lock key of the minute push's leader (paired with the schema, see _lock_args).
LEADER_LOCK_KEY = 0x5354_0002
#: A string literal (left as it is: ``COALESCE(name, '?')``) or a placeholder.
R = TypeVar("R")
_LITERAL_OR_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?")


@functools.lru_cache(maxsize=512)
def to_postgres(sql: str) -> str:
    """The statement with SQLite's ``?`` placeholders numbered as PostgreSQL's ``$1, $2, …``."""
    counter = itertools.count(1)

    def number(match: re.Match[str]) -> str:
        return match.group(0) if match.group(0) != "?" else f"${next(counter)}"

    return _LITERAL_OR_PLACEHOLDER.sub(number, sql)


def _changed(status: str) -> int:
    """Rows changed, from a command tag such as ``INSERT 0 1`` or ``UPDATE 3``."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def is_postgres_url(url: str) -> bool:
    """True for ``postgresql://…`` and the ``postgres://…`` that Heroku-style add-ons write."""
    return urlsplit(url).scheme in {"postgres", "postgresql"}


def describe_url(url: str) -> str:
    """``host:port/db`` of a database URL: what a log line may show (never the user's password)."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{host}{port}{parts.path or '/'}"


class PgBase(QueryBase):
    """Statements and transactions on an asyncpg pool."""

    integrity_errors = (asyncpg.IntegrityConstraintViolationError,)
    dialect = "postgresql"
    # Another worker's transaction waits instead of reading the card we are about to replace.
    row_lock = " FOR UPDATE"

    def __init__(self, pool: asyncpg.Pool, dsn: str, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self._pool = pool
        self._dsn = dsn
        #: The connection this task's transaction holds (None outside a transaction).
        self._held: contextvars.ContextVar[asyncpg.Connection | None] = contextvars.ContextVar(
            f"studybot_pg_{id(self)}", default=None
        )
        self._leader: asyncpg.Connection | None = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """The block's statements on one connection, in one PostgreSQL transaction.

        Committed when the block ends, rolled back when it raises; an inner ``transaction()`` joins
        the outer one.
        """
        if self._held.get() is not None:
            yield
            return
        async with self._pool.acquire() as conn, conn.transaction():
            token = self._held.set(conn)
            try:
                yield
            finally:
                self._held.reset(token)

    async def _statement(self, run: Callable[[asyncpg.Connection], Awaitable[R]]) -> R:
        """One statement; outside a transaction, again on a fresh connection when the pool's was
        lost (terminated by an administrator, the server restarting), for up to a few seconds.

        The pool drops a broken connection when it is released, so the next try connects anew. A
        statement inside a transaction is never repeated: its transaction is gone, and the error
        goes up (the user is asked to try again). A statement that committed just before its
        connection dropped runs again: the delivery claim then finds its chat already claimed and
        leaves it to a run after the claim's lease (never twice), an upsert changes nothing, and an
        INSERT of a new row (a broadcast's draft) may leave a second one.
        """
        held = self._held.get()
        if held is not None:
            return await run(held)
        for delay in (*RECONNECT_DELAYS_S, None):
            try:
                async with self._pool.acquire() as conn:
                    return await run(conn)
            except RECONNECTABLE as exc:
                if delay is None:
                    raise
                log.warning("PostgreSQL connection lost (%s); trying again in %.1f s", type(exc).__name__, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _write(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        return _changed(await self._statement(lambda conn: conn.execute(to_postgres(sql), *params)))

    async def _write_many(self, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
        values = list(rows)
        await self._statement(lambda conn: conn.executemany(to_postgres(sql), values))

    async def _one(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return await self._statement(lambda conn: conn.fetchrow(to_postgres(sql), *params))

    async def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        return list(await self._statement(lambda conn: conn.fetch(to_postgres(sql), *params)))

    async def is_leader(self) -> bool:
        """Hold (or try to take) the push leader's advisory lock; True while this process holds it.

        The lock lives on a connection outside the pool: a dead process's connection closes and
        PostgreSQL releases its lock, so the next worker's tick takes over.
        """
        if self._leader is not None:
            try:
                await self._leader.fetchval("SELECT 1")
                return True
            except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
                log.warning("lost the connection that held the push leader's lock")
                self._leader.terminate()
                self._leader = None
        conn = await asyncpg.connect(self._dsn)
        try:
            taken = await conn.fetchval("SELECT pg_try_advisory_lock($1, hashtext(current_schema()))", LEADER_LOCK_KEY)
        except BaseException:
            await conn.close()
            raise
        if not taken:
            await conn.close()
            return False
        log.info("this worker now runs the daily push (leader)")
        self._leader = conn
        return True

    async def close(self) -> None:
        if self._leader is not None:
            await self._leader.close()
            self._leader = None
        await self._pool.close()


class PostgresRepository(ChatQueries, GroupQueries, LearningQueries, SessionQueries, BroadcastQueries, PgBase):
    """Repository on a PostgreSQL database that any number of processes may share."""

    @classmethod
    async def open(cls, dsn: str, clock: Clock | None = None) -> PostgresRepository:
        """Connect a pool and apply the PostgreSQL migrations (once, whoever starts first)."""
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=POOL_SIZE)
        try:
            async with pool.acquire() as conn:
                await migrate_postgres(conn)
        except BaseException:
            await pool.close()
            raise
        return cls(pool, dsn, clock)

    async def store_bytes(self) -> int:
        row = await self._one("SELECT pg_database_size(current_database())")
        return int(row[0]) if row else 0
