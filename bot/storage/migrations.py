"""Apply ``migrations/NNNN_name.sql`` in order, once each, recorded in ``schema_version``."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import aiosqlite

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
