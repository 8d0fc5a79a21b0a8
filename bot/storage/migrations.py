"""Apply ``migrations/NNNN_name.sql`` in order, once each, recorded in ``schema_version``."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import aiosqlite
import asyncpg

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def discover(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    """The migration files, sorted by number; a gap or a repeated number is an error."""
    found = sorted((int(m.group(1)), p) for p in directory.iterdir() if (m := _NAME.match(p.name)))
    numbers = [n for n, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations in {directory} must be numbered 0001, 0002, ... without gaps")
    return found


async def migrate(db: aiosqlite.Connection, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply every migration not yet recorded; return the numbers applied."""
    await db.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL)"
    )
    async with db.execute("SELECT version FROM schema_version") as cursor:
        done = {row[0] async for row in cursor}
    # The version row goes in with the script, in one transaction, so a crash never leaves a
    # migration applied but unrecorded; it is staged in a temp table to keep values as parameters.
    await db.execute("CREATE TEMP TABLE IF NOT EXISTS pending_version (version INTEGER, name TEXT, applied_at TEXT)")
    applied = []
    for number, path in discover(directory):
        if number in done:
            continue
        await db.execute("DELETE FROM temp.pending_version")
        await db.execute(
            "INSERT INTO temp.pending_version VALUES (?, ?, ?)",
            (number, path.name, dt.datetime.now(dt.UTC).isoformat()),
        )
        await db.commit()
        script = path.read_text(encoding="utf-8")
        await db.executescript(
            f"BEGIN;\n{script}\nINSERT INTO schema_version SELECT * FROM temp.pending_version;\nCOMMIT;"
        )
        applied.append(number)
    return applied


#: The PostgreSQL twins of the migrations above: the same numbers, the same schema_version table.
POSTGRES_MIGRATIONS_DIR = MIGRATIONS_DIR / "postgresql"
#: pg_advisory_lock key held while migrating, so two workers starting together migrate once.
MIGRATION_LOCK_KEY = 0x5354_0001


async def migrate_postgres(conn: asyncpg.Connection, directory: Path = POSTGRES_MIGRATIONS_DIR) -> list[int]:
    """Apply every PostgreSQL migration not yet recorded, each with its version row in one transaction.

    An advisory lock is held around the whole run: a second worker waits, then finds nothing to do.
    """
    await conn.execute("SELECT pg_advisory_lock($1, hashtext(current_schema()))", MIGRATION_LOCK_KEY)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL)"
        )
        done = {row[0] for row in await conn.fetch("SELECT version FROM schema_version")}
        applied = []
        for number, path in discover(directory):
            if number in done:
                continue
            async with conn.transaction():
                await conn.execute(path.read_text(encoding="utf-8"))
                await conn.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
                    number,
                    path.name,
                    dt.datetime.now(dt.UTC).isoformat(),
                )
            applied.append(number)
        return applied
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1, hashtext(current_schema()))", MIGRATION_LOCK_KEY)
