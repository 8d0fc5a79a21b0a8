"""Both stores' migrations, ``copy-db`` from SQLite into PostgreSQL, and ``backup`` of a live SQLite."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg

from bot.storage.migrations import MIGRATIONS_DIR, POSTGRES_MIGRATIONS_DIR, discover
from bot.storage.moving import TABLES
from bot.storage.postgres import PostgresRepository, to_postgres
from bot.storage.repository import ReviewCard
from bot.storage.sqlite import SqliteRepository
from tests.test_e2e_process import clean_env, run_cli
from tests.test_repository import NEW, NOW, OLD, answer, group_with_history, poll


def test_both_stores_have_the_same_numbered_migrations() -> None:
    sqlite = [(n, p.name) for n, p in discover(MIGRATIONS_DIR)]
    postgres = [(n, p.name) for n, p in discover(POSTGRES_MIGRATIONS_DIR)]
    assert sqlite == postgres


def test_placeholders_are_numbered_outside_string_literals() -> None:
    sql = "SELECT COALESCE(name, '?') FROM t WHERE a = ? AND b = 'it''s ?' AND c = ?"
    assert to_postgres(sql) == "SELECT COALESCE(name, '?') FROM t WHERE a = $1 AND b = 'it''s ?' AND c = $2"


async def test_two_workers_starting_together_apply_each_migration_once(pg_url: str) -> None:
    stores = await asyncio.gather(*(PostgresRepository.open(pg_url) for _ in range(3)))
    try:
        rows = await stores[0]._all("SELECT version FROM schema_version ORDER BY version")
    finally:
        for store in stores:
            await store.close()
    assert [row[0] for row in rows] == [n for n, _ in discover(POSTGRES_MIGRATIONS_DIR)]


async def a_deployment(path: Path) -> None:
    """A SQLite file with rows in every table."""
    repo = await SqliteRepository.open(path)
    try:
        await group_with_history(repo)
        await repo.upsert_user(7, "Asha", "asha")
        await repo.save_card(ReviewCard(7, "iom-basics-q01", '{"due": 1}', NOW), NOW)
        await repo.save_poll(poll("p2", 7))
        await repo.record_answer(dataclasses.replace(answer("p2", 7), chat_id=7))
        assert await repo.migrate_chat(OLD, NEW)
        await repo.upsert_chat(OLD, "group", "Study circle", None)  # a stale update re-creates the old row
    finally:
        await repo.close()


def sqlite_rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        return sorted(db.execute(f"SELECT * FROM {table}").fetchall(), key=repr)


async def postgres_rows(url: str, table: str) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(url)
    try:
        return sorted((tuple(row) for row in await conn.fetch(f"SELECT * FROM {table}")), key=repr)
    finally:
        await conn.close()


async def test_copy_db_copies_every_table_checks_the_counts_and_refuses_a_non_empty_target(
    tmp_path: Path, pg_url: str
) -> None:
    source = tmp_path / "bot.sqlite3"
    await a_deployment(source)
    env = clean_env(DATABASE_URL=pg_url)
    code, out, err = await run_cli("copy-db", "--from-sqlite", str(source), env=env, cwd=tmp_path)
    assert code == 0, err
    for table in TABLES:
        rows = sqlite_rows(source, table)
        assert rows or table in ("pending_deletions",), f"the test deployment has no {table} rows"
        assert await postgres_rows(pg_url, table) == rows, table
        assert f"{table:20} {len(rows):9}" in out
    assert "counts checked" in out
    # The copy works as a store: new ids continue after the copied ones.
    repo = await PostgresRepository.open(pg_url)
    try:
        chat = await repo.get_chat(NEW)
        assert chat is not None and chat.subscribed and chat.push_time == "07:00"
        copied_tests = [row[0] for row in await repo._all("SELECT test_id FROM mock_tests")]
        new = await repo.create_mock_test(99, 99, None, ["q1"], 60, NOW)
        assert new is not None and new.test_id > max(copied_tests)
    finally:
        await repo.close()
    again, _, err = await run_cli("copy-db", "--from-sqlite", str(source), env=env, cwd=tmp_path)
    assert again == 1 and "not empty" in err


async def test_copy_db_needs_database_url_and_names_a_missing_file(tmp_path: Path, pg_url: str) -> None:
    code, _, err = await run_cli("copy-db", "--from-sqlite", str(tmp_path / "x.sqlite3"), env=clean_env(), cwd=tmp_path)
    assert code == 2 and "DATABASE_URL is not set" in err
    env = clean_env(DATABASE_URL=pg_url)
    code, _, err = await run_cli("copy-db", "--from-sqlite", str(tmp_path / "x.sqlite3"), env=env, cwd=tmp_path)
    assert code == 1 and "no SQLite database" in err
    assert not (tmp_path / "x.sqlite3").exists()


async def test_backup_writes_a_consistent_copy_while_the_store_is_open(tmp_path: Path) -> None:
    path = tmp_path / "data" / "bot.sqlite3"
    repo = await SqliteRepository.open(path)
    try:
        await group_with_history(repo)
        env = clean_env(DATABASE_PATH=str(path))
        # The bot keeps writing while the backup runs.
        writes = asyncio.gather(*(repo.mark_seen(10, "fact", "*", f"f{i}", NOW) for i in range(200)))
        code, out, err = await run_cli("backup", str(tmp_path / "backup.sqlite3"), env=env, cwd=tmp_path)
        await writes
        assert code == 0, err
        assert "backed up" in out
        backup = tmp_path / "backup.sqlite3"
        with sqlite3.connect(backup) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert sqlite_rows(backup, "answers") == sqlite_rows(path, "answers")
        assert sqlite_rows(backup, "chats") == sqlite_rows(path, "chats")
        again, _, err = await run_cli("backup", str(backup), env=env, cwd=tmp_path)
        assert again == 2 and "exists" in err
    finally:
        await repo.close()
    code, _, err = await run_cli(
        "backup", str(tmp_path / "b2"), env=clean_env(DATABASE_URL="postgresql://u@h/d"), cwd=tmp_path
    )
    assert code == 2 and "pg_dump" in err
