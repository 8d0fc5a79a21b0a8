"""Moving and keeping data: a SQLite deployment copied into PostgreSQL, and SQLite's online backup."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import aiosqlite
import asyncpg

from bot.storage.postgres import PostgresRepository
from bot.storage.sqlite import SqliteRepository

#: Every table, parents before the tables whose rows refer to them.
TABLES = (
    "chats",
    "users",
    "seen_items",
    "polls",
    "answers",
    "deliveries",
    "pending_deletions",
    "review_cards",
    "review_sessions",
    "mock_tests",
    "mock_test_items",
    "chat_migrations",
    "quiz_sessions",
    "quiz_session_items",
    "broadcasts",
    "broadcast_deliveries",
)
#: Tables with an identity column whose sequence must continue after the copied ids.
_IDENTITIES = {"mock_tests": "test_id", "quiz_sessions": "session_id", "broadcasts": "broadcast_id"}


class CopyError(Exception):
    """The copy cannot start (a non-empty target, an unknown table) or its counts do not match."""


async def copy_sqlite_to_postgres(sqlite_path: Path, url: str, say: Callable[[str], None]) -> dict[str, int]:
    """Copy every row of the SQLite database at ``sqlite_path`` into the empty PostgreSQL at ``url``.

    Both are migrated to the same version first; the rows go in one transaction, so a failure leaves
    the target empty. The rows per table are printed through ``say`` and counted again afterwards.
    """
    if not await asyncio.to_thread(sqlite_path.is_file):
        raise CopyError(f"no SQLite database at {sqlite_path}")
    await (await SqliteRepository.open(sqlite_path)).close()
    await (await PostgresRepository.open(url)).close()
    source = await aiosqlite.connect(str(sqlite_path))
    target = await asyncpg.connect(url)
    try:
        names = {row[0] for row in await source.execute_fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
        unknown = sorted(names - set(TABLES) - {"schema_version", "sqlite_sequence"})
        if unknown:
            raise CopyError(f"tables this version does not know how to copy: {', '.join(unknown)}")
        for table in TABLES:
            if await target.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table})"):  # names from TABLES only
                raise CopyError(
                    f"the PostgreSQL database is not empty (table {table} has rows); copy into an empty one"
                )
        expected: dict[str, int] = {}
        async with target.transaction():
            for table in TABLES:
                columns = [
                    row[0]
                    for row in await target.fetch(
                        "SELECT column_name FROM information_schema.columns"
                        " WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                        table,
                    )
                ]
                rows = await source.execute_fetchall(f"SELECT {', '.join(columns)} FROM {table}")
                records = [tuple(row) for row in rows]
                if records:
                    await target.copy_records_to_table(table, records=records, columns=columns)
                expected[table] = len(records)
                say(f"{table:20} {len(records):9}")
            for table, column in _IDENTITIES.items():
                await target.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                    f" COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
                )
        for table, count in expected.items():
            copied = await target.fetchval(f"SELECT COUNT(*) FROM {table}")
            if copied != count:
                raise CopyError(f"table {table}: {count} rows in SQLite but {copied} in PostgreSQL")
        return expected
    finally:
        await source.close()
        await target.close()


def backup_sqlite(source: Path, destination: Path) -> int:
    """A consistent copy of a live SQLite database (the online backup API); its size in bytes.

    The copy is written beside ``destination`` and renamed into place once whole and checked.
    """
    if not source.is_file():
        raise FileNotFoundError(f"no SQLite database at {source}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(partial)
    try:
        # Pages are copied in steps; a write by the running bot in between restarts the copy,
        # so what lands is one consistent moment of the database.
        src.backup(dst, pages=1024)
        (verdict,) = dst.execute("PRAGMA integrity_check").fetchone()
    finally:
        src.close()
        dst.close()
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise sqlite3.DatabaseError(f"the backup failed its integrity check: {verdict}")
    partial.replace(destination)
    return destination.stat().st_size
