"""Writes on the one shared connection: a transaction never takes another task's write with it."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3

import asyncpg
import pytest

from bot.storage.sqlite import SqliteRepository

NOW = dt.datetime(2026, 3, 1, 2, 30, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=2)


async def test_a_failed_second_mock_test_does_not_undo_a_concurrent_delivery_claim(repo: SqliteRepository) -> None:
    assert await repo.create_mock_test(7, 7, None, ["q1", "q2"], 60, NOW) is not None
    # The second test hits the one-running-test index and is rolled back while the push claims a day.
    second, claimed = await asyncio.gather(
        repo.create_mock_test(7, 7, None, ["q3"], 60, NOW),
        repo.claim_delivery(10, NOW.date(), NOW, LEASE),
    )
    assert second is None
    assert claimed is True
    delivery = await repo.get_delivery(10, NOW.date())
    assert delivery is not None and delivery.state == "claimed"


async def test_a_rolled_back_transaction_keeps_a_write_made_meanwhile(repo: SqliteRepository) -> None:
    inside = asyncio.Event()

    async def failing_transaction() -> None:
        async with repo.transaction():
            await repo.upsert_chat(1, "private", "Asha", None)
            inside.set()
            await asyncio.sleep(0)  # let the other task try to write now
            raise RuntimeError("boom")

    async def single_write() -> None:
        await inside.wait()
        await repo.upsert_chat(2, "private", "Ravi", None)

    results = await asyncio.gather(failing_transaction(), single_write(), return_exceptions=True)
    assert isinstance(results[0], RuntimeError)
    assert await repo.get_chat(1) is None
    assert await repo.get_chat(2) is not None


async def test_forget_runs_as_one_transaction_beside_concurrent_claims(repo: SqliteRepository) -> None:
    await repo.upsert_user(7, "Asha", None)
    await repo.create_mock_test(7, 7, None, ["q1"], 60, NOW)
    days = [NOW.date() - dt.timedelta(days=i) for i in range(20)]
    forgetting = asyncio.create_task(repo.forget_user(7))  # started first, then the claims, all at once
    claims = await asyncio.gather(*(repo.claim_delivery(10, day, NOW, LEASE) for day in days))
    report = await forgetting
    assert report.tests == 1 and report.profile
    assert all(claims)
    for day in days:
        assert await repo.get_delivery(10, day) is not None


async def test_transactions_do_not_nest_but_join(repo: SqliteRepository) -> None:
    with pytest.raises(RuntimeError):
        async with repo.transaction():
            await repo.upsert_chat(1, "private", "Asha", None)
            async with repo.transaction():
                await repo.upsert_chat(2, "private", "Ravi", None)
            raise RuntimeError("roll both back")
    assert await repo.get_chat(1) is None
    assert await repo.get_chat(2) is None


async def test_a_commit_that_fails_leaves_no_transaction_open_for_the_next_writes(repo: SqliteRepository) -> None:
    # A deferred foreign key is checked at COMMIT, which then fails with the transaction still open.
    await repo._write("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    await repo._write("CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)")
    with pytest.raises((sqlite3.IntegrityError, asyncpg.ForeignKeyViolationError)):
        async with repo.transaction():
            await repo._write("INSERT INTO child (parent_id) VALUES (1)")
    await repo.upsert_chat(1, "private", "Asha", None)
    chat = await repo.get_chat(1)
    assert chat is not None and chat.title == "Asha"
    assert await repo._all("SELECT * FROM child") == []
