"""SQLite's group commit: statements of concurrent tasks share one transaction and one commit,
and each caller returns only once its own statement is committed."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.repository import PollRecord
from bot.storage.sqlite import SqliteRepository

NOW = dt.datetime(2026, 3, 1, 2, 30, tzinfo=dt.UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteRepository]:
    repo = await SqliteRepository.open(tmp_path / "db.sqlite3")
    yield repo
    await repo.close()


def stored_users(path: Path) -> set[int]:
    """The users on record, as another connection (another process) sees the file."""
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT user_id FROM users")}


async def test_concurrent_writes_share_one_commit(store: SqliteRepository) -> None:
    before = store.commits
    await asyncio.gather(*(store.upsert_user(user, f"user{user}", None) for user in range(1, 51)))
    assert store.commits - before == 1
    assert len(await store._all("SELECT user_id FROM users")) == 50


async def test_a_write_is_committed_when_it_returns(store: SqliteRepository, tmp_path: Path) -> None:
    await store.upsert_user(7, "Asha", None)
    # Not merely written in an open transaction: another connection already reads it.
    assert stored_users(tmp_path / "db.sqlite3") == {7}


async def test_a_failing_statement_fails_only_its_own_caller(store: SqliteRepository) -> None:
    poll = PollRecord("p1", 10, 1, "q1", (0, 1), 0, NOW)
    await store.upsert_chat(10, "private", "Asha", None)
    await store.save_poll(poll)
    first, again, other = await asyncio.gather(
        store.upsert_user(1, "One", None),
        store.save_poll(poll),  # the same poll id twice: its primary key refuses it
        store.upsert_user(2, "Two", None),
        return_exceptions=True,
    )
    assert first is None and other is None
    assert isinstance(again, sqlite3.IntegrityError)
    assert {row[0] for row in await store._all("SELECT user_id FROM users")} == {1, 2}


async def test_a_batch_whose_transaction_fails_fails_each_of_its_callers_and_no_later_one(
    store: SqliteRepository, tmp_path: Path
) -> None:
    def ends_the_transaction(conn: sqlite3.Connection) -> None:
        conn.execute("ROLLBACK")  # as SQLite does on a full disk or an I/O error
        raise sqlite3.OperationalError("disk I/O error")

    results = await asyncio.gather(
        store.upsert_user(1, "One", None),
        store._run(ends_the_transaction),
        store.upsert_user(2, "Two", None),
        return_exceptions=True,
    )
    assert all(isinstance(result, sqlite3.OperationalError) for result in results)
    assert stored_users(tmp_path / "db.sqlite3") == set()
    # The next batch is a transaction of its own.
    await store.upsert_user(3, "Three", None)
    assert stored_users(tmp_path / "db.sqlite3") == {3}


async def test_a_cancelled_caller_does_not_hold_up_the_others(store: SqliteRepository) -> None:
    cancelled = asyncio.create_task(store.upsert_user(1, "One", None))
    kept = asyncio.create_task(store.upsert_user(2, "Two", None))
    await asyncio.sleep(0)  # both queued for the next commit
    cancelled.cancel()
    await kept
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    row = await store._one("SELECT first_name FROM users WHERE user_id = 2")
    assert row is not None and row[0] == "Two"


async def test_close_waits_for_the_queued_writes(tmp_path: Path) -> None:
    store = await SqliteRepository.open(tmp_path / "db.sqlite3")
    writes = [asyncio.create_task(store.upsert_user(user, "x", None)) for user in (1, 2, 3)]
    await asyncio.sleep(0)  # queued, not yet committed
    await store.close()
    await asyncio.gather(*writes)
    assert stored_users(tmp_path / "db.sqlite3") == {1, 2, 3}


async def test_a_users_name_is_written_again_after_forget(store: SqliteRepository, tmp_path: Path) -> None:
    await store.upsert_user(7, "Asha", None)
    await store.forget_user(7)
    # The same name as before: the process must not take it for one already stored.
    await store.upsert_user(7, "Asha", None)
    assert stored_users(tmp_path / "db.sqlite3") == {7}


async def test_a_changed_name_is_written(store: SqliteRepository) -> None:
    await store.upsert_user(7, "Asha", None)
    await store.upsert_user(7, "Asha", "asha_k")
    row = await store._one("SELECT first_name, username FROM users WHERE user_id = 7")
    assert row is not None and tuple(row) == ("Asha", "asha_k")
