"""The SQLite repository: migrations, rotation state, polls, answers and the delivery ledger."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path

import aiosqlite
import asyncpg
import pytest

from bot.storage.migrations import MIGRATIONS_DIR, POSTGRES_MIGRATIONS_DIR, migrate, migrate_postgres
from bot.storage.repository import AnswerRecord, PollRecord, ReviewSession
from bot.storage.sqlite import SqliteRepository

NOW = dt.datetime(2026, 3, 1, 2, 30, tzinfo=dt.UTC)


def poll(poll_id: str = "p1", chat_id: int = 10) -> PollRecord:
    return PollRecord(poll_id, chat_id, 5, "iom-basics-q01", (2, 0, 1), 1, NOW)


def answer(poll_id: str = "p1", user_id: int = 7, correct: bool = True) -> AnswerRecord:
    return AnswerRecord(poll_id, user_id, 10, "iom-basics-q01", "iom-basics", 0, 0, correct, NOW)


async def test_open_creates_missing_folders_and_uses_wal(tmp_path: Path) -> None:
    store = await SqliteRepository.open(tmp_path / "a" / "b" / "db.sqlite3")
    try:
        row = await store._one("PRAGMA journal_mode")
        assert row is not None and row[0] == "wal"
    finally:
        await store.close()
    assert (tmp_path / "a" / "b" / "db.sqlite3").exists()


async def test_reopening_applies_no_migration_twice(tmp_path: Path) -> None:
    for _ in range(2):
        store = await SqliteRepository.open(tmp_path / "db.sqlite3")
        rows = await store._all("SELECT version FROM schema_version")
        await store.close()
    assert [r[0] for r in rows] == sorted({r[0] for r in rows})


async def test_chat_settings_round_trip(repo: SqliteRepository) -> None:
    await repo.upsert_chat(10, "private", "Asha", None)
    await repo.update_chat(10, timezone="Europe/London", push_time="07:30", subscribed=True)
    chat = await repo.get_chat(10)
    assert chat is not None
    assert (chat.timezone, chat.push_time, chat.subscribed, chat.active) == ("Europe/London", "07:30", True, True)


async def test_a_chat_without_a_language_of_its_own_has_none_on_record(repo: SqliteRepository) -> None:
    await repo.upsert_chat(10, "group", "Study circle", None)
    chat = await repo.get_chat(10)
    assert chat is not None and chat.language is None


async def test_a_chat_starts_in_the_language_it_is_first_recorded_with(repo: SqliteRepository) -> None:
    await repo.upsert_chat(10, "private", "Asha", None, language="hi")
    chat = await repo.get_chat(10)
    assert chat is not None and chat.language == "hi"


async def test_a_language_on_record_is_not_overwritten_by_a_later_upsert(repo: SqliteRepository) -> None:
    await repo.upsert_chat(10, "private", "Asha", None)
    await repo.update_chat(10, language="en")
    await repo.upsert_chat(10, "private", "Asha", None, language="hi")
    chat = await repo.get_chat(10)
    assert chat is not None and chat.language == "en"


async def test_a_chat_with_no_language_on_record_takes_the_one_it_is_next_seen_with(repo: SqliteRepository) -> None:
    await repo.upsert_chat(10, "private", "Asha", None)
    await repo.upsert_chat(10, "private", "Asha", None, language="hi")
    chat = await repo.get_chat(10)
    assert chat is not None and chat.language == "hi"


async def test_migration_9_keeps_existing_chats_in_the_english_they_have_been_reading(tmp_path: Path) -> None:
    """A chat recorded before 0009 studied in English: a later DEFAULT_LANGUAGE or Telegram language does not
    switch it; only chats first seen afterwards start without a language of their own."""
    before = tmp_path / "before"
    before.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("000[1-8]_*.sql")):
        (before / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    db = await aiosqlite.connect(tmp_path / "db.sqlite3")
    try:
        await migrate(db, before)
        await db.execute(
            "INSERT INTO chats (chat_id, type, title, push_size, created_at, updated_at)"
            " VALUES (10, 'private', 'Asha', 5, 'x', 'x')"
        )
        await db.commit()
        assert (await migrate(db))[0] == 9  # and those after it
        async with db.execute("SELECT language, push_size, title FROM chats WHERE chat_id = 10") as cursor:
            assert await cursor.fetchone() == ("en", 5, "Asha")
    finally:
        await db.close()


async def test_postgresql_migration_9_keeps_existing_chats_in_english(pg_url: str, tmp_path: Path) -> None:
    before = tmp_path / "before"
    before.mkdir()
    for path in sorted(POSTGRES_MIGRATIONS_DIR.glob("000[1-8]_*.sql")):
        (before / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    conn = await asyncpg.connect(pg_url)
    try:
        await migrate_postgres(conn, before)
        await conn.execute(
            "INSERT INTO chats (chat_id, type, title, push_size, created_at, updated_at)"
            " VALUES (10, 'private', 'Asha', 5, 'x', 'x')"
        )
        assert (await migrate_postgres(conn))[0] == 9  # and those after it
        row = await conn.fetchrow("SELECT language, push_size, title FROM chats WHERE chat_id = 10")
        assert tuple(row) == ("en", 5, "Asha")
    finally:
        await conn.close()


async def test_update_chat_refuses_unknown_columns(repo: SqliteRepository) -> None:
    await repo.upsert_chat(10, "private", "Asha", None)
    with pytest.raises(ValueError, match="not chat settings"):
        await repo.update_chat(10, **{"chat_id = 1; --": 1})


async def test_seen_items_reset_per_scope(repo: SqliteRepository) -> None:
    await repo.mark_seen(10, "fact", "*", "f1", NOW)
    await repo.mark_seen(10, "fact", "iom-basics", "f2", NOW)
    await repo.reset_seen(10, "fact", "*")
    assert await repo.seen_items(10, "fact", "*") == set()
    assert await repo.seen_items(10, "fact", "iom-basics") == {"f2"}


async def test_poll_round_trip_keeps_the_shown_order(repo: SqliteRepository) -> None:
    await repo.upsert_chat(10, "private", "Asha", None)
    await repo.save_poll(poll())
    assert await repo.get_poll("p1") == poll()


async def test_quiz_answer_is_recorded_once(repo: SqliteRepository) -> None:
    await repo.upsert_chat(10, "private", "Asha", None)
    await repo.save_poll(poll())
    assert await repo.record_answer(answer()) == 10
    assert await repo.record_answer(answer()) is None
    tallies = await repo.topic_tallies(7, 10)
    assert [(t.topic_id, t.answered, t.correct) for t in tallies] == [("iom-basics", 1, 1)]


async def test_sql_looking_text_is_stored_as_text(repo: SqliteRepository) -> None:
    name = "Robert'); DROP TABLE chats;--"
    await repo.upsert_chat(10, "group", name, None)
    chat = await repo.get_chat(10)
    assert chat is not None and chat.title == name


async def test_delivery_is_claimed_once_per_chat_and_day(repo: SqliteRepository) -> None:
    day = dt.date(2026, 3, 1)
    stale = dt.timedelta(minutes=10)
    assert await repo.claim_delivery(10, day, NOW, stale) is True
    assert await repo.claim_delivery(10, day, NOW, stale) is False
    await repo.finish_delivery(10, day, "sent", NOW)
    assert await repo.claim_delivery(10, day, NOW + dt.timedelta(hours=5), stale) is False
    assert await repo.claim_delivery(10, day + dt.timedelta(days=1), NOW, stale) is True


async def test_a_failed_or_abandoned_claim_can_be_claimed_again(repo: SqliteRepository) -> None:
    day = dt.date(2026, 3, 1)
    stale = dt.timedelta(minutes=10)
    assert await repo.claim_delivery(10, day, NOW, stale)
    await repo.finish_delivery(10, day, "failed", NOW, "500")
    assert await repo.claim_delivery(10, day, NOW, stale)
    assert await repo.claim_delivery(20, day, NOW, stale)
    # A claim left behind by a crash is taken over once it is stale, not before.
    assert not await repo.claim_delivery(20, day, NOW + dt.timedelta(minutes=5), stale)
    assert await repo.claim_delivery(20, day, NOW + dt.timedelta(minutes=11), stale)
    delivery = await repo.get_delivery(20, day)
    assert delivery is not None and delivery.attempts == 2


async def test_subscribed_chats_come_in_batches(repo: SqliteRepository) -> None:
    for chat_id in range(1, 8):
        await repo.upsert_chat(chat_id, "private", str(chat_id), None)
        await repo.update_chat(chat_id, subscribed=chat_id != 3, active=chat_id != 5)
    batches = [[c.chat_id for c in batch] async for batch in repo.subscribed_chats(batch_size=2)]
    assert batches == [[1, 2], [4, 6], [7]]


# --- a group that becomes a supergroup ------------------------------------------------------------
OLD, NEW = -4001, -1003500000001
DAY = dt.date(2026, 3, 1)
LEASE = dt.timedelta(minutes=2)


def day(offset: int) -> dt.date:
    return DAY + dt.timedelta(days=offset)


async def group_with_history(repo: SqliteRepository) -> None:
    """A subscribed group with a row in every table that has a chat_id."""
    await repo.upsert_chat(OLD, "group", "Study circle", None)
    await repo.update_chat(OLD, subscribed=True, push_time="07:00", timezone="Europe/London", push_topic="iom-basics")
    await repo.mark_seen(OLD, "fact", "*", "f1", NOW)
    await repo.mark_seen(OLD, "question", "*", "q1", NOW)
    await repo.save_poll(poll("p1", OLD))
    assert await repo.record_answer(dataclasses.replace(answer("p1", 7), chat_id=OLD))
    assert await repo.claim_delivery(OLD, day(0), NOW, LEASE)
    await repo.finish_delivery(OLD, day(0), "sent", NOW)
    await repo.skip_delivery(OLD, day(1), NOW)
    await repo.schedule_deletion(OLD, 55, NOW)
    await repo.save_review_session(ReviewSession(7, OLD, "p1", 1, 1, NOW))
    assert await repo.create_mock_test(7, OLD, None, ["q1"], 60, NOW) is not None
    assert await repo.create_quiz_session(OLD, None, ["q1"], 30, NOW) is not None
    broadcast = await repo.create_broadcast(7, "all", "hello", None, NOW)
    assert await repo.claim_broadcast(broadcast, OLD, "run", NOW)
    await repo.finish_broadcast(broadcast, OLD, "sent", NOW)


async def rows_of(repo: SqliteRepository, chat_id: int) -> dict[str, int]:
    """How many rows each table with a chat_id column holds for a chat (every such table, by schema)."""
    if repo.dialect == "postgresql":
        tables = await repo._all(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND column_name = 'chat_id' ORDER BY table_name"
        )
    else:
        tables = await repo._all(
            "SELECT m.name FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS c"
            " WHERE m.type = 'table' AND c.name = 'chat_id' ORDER BY m.name"
        )
    counts = {}
    for (table,) in tables:
        row = await repo._one(f"SELECT COUNT(*) FROM {table} WHERE chat_id = ?", (chat_id,))  # names from the schema
        assert row is not None
        counts[table] = row[0]
    return counts


async def test_migrate_chat_moves_every_row_the_chat_owns(repo: SqliteRepository) -> None:
    await group_with_history(repo)
    before = await rows_of(repo, OLD)
    assert all(before.values()), f"a table with a chat_id has no row in this test: {before}"
    assert await repo.migrate_chat(OLD, NEW) is True
    assert set((await rows_of(repo, OLD)).values()) == {0}
    # Pending deletions are dropped: those message ids do not exist in the supergroup.
    assert await rows_of(repo, NEW) == {**before, "pending_deletions": 0}
    chat = await repo.get_chat(NEW)
    assert chat is not None
    assert (chat.type, chat.title, chat.subscribed, chat.push_time, chat.timezone, chat.push_topic) == (
        "supergroup",
        "Study circle",
        True,
        "07:00",
        "Europe/London",
        "iom-basics",
    )
    assert await repo.seen_items(NEW, "fact", "*") == {"f1"}
    moved_poll = await repo.get_poll("p1")
    assert moved_poll is not None and moved_poll.chat_id == NEW
    assert [row.user_id for row in await repo.leaderboard_rows(NEW, None)] == [7]
    delivery = await repo.get_delivery(NEW, day(0))
    assert delivery is not None and delivery.state == "sent"


async def test_migrate_chat_keeps_the_old_settings_over_the_supergroups_default_row(repo: SqliteRepository) -> None:
    await group_with_history(repo)
    await repo.upsert_chat(NEW, "supergroup", "Study circle!", None)  # remember() saw the supergroup first
    assert await repo.migrate_chat(OLD, NEW) is True
    chat = await repo.get_chat(NEW)
    assert chat is not None
    assert (chat.subscribed, chat.push_time, chat.timezone, chat.type, chat.title) == (
        True,
        "07:00",
        "Europe/London",
        "supergroup",
        "Study circle!",
    )
    assert await repo.get_chat(OLD) is None


async def test_migrate_chat_merges_rotation_and_ledger_rows_that_collide(repo: SqliteRepository) -> None:
    await group_with_history(repo)  # seen f1 and q1; day 0 sent, day 1 skipped
    await repo.mark_seen(NEW, "fact", "*", "f1", NOW)
    await repo.mark_seen(NEW, "fact", "*", "f2", NOW)
    assert await repo.claim_delivery(NEW, day(0), NOW, LEASE)
    await repo.finish_delivery(NEW, day(0), "failed", NOW, "500")
    assert await repo.claim_delivery(NEW, day(1), NOW, LEASE)
    await repo.finish_delivery(NEW, day(1), "sent", NOW)
    assert await repo.claim_delivery(OLD, day(2), NOW, LEASE)
    await repo.skip_delivery(NEW, day(3), NOW)
    assert await repo.migrate_chat(OLD, NEW) is True
    assert await repo.seen_items(NEW, "fact", "*") == {"f1", "f2"}
    assert await repo.seen_items(NEW, "question", "*") == {"q1"}
    states = {}
    for offset in range(4):
        delivery = await repo.get_delivery(NEW, day(offset))
        assert delivery is not None
        states[offset] = delivery.state
    # A served day stays served, whichever chat served it; the rest of the old ledger follows.
    assert states == {0: "sent", 1: "sent", 2: "claimed", 3: "skipped"}


async def test_migrate_chat_moves_once(repo: SqliteRepository) -> None:
    await group_with_history(repo)
    assert await repo.migrate_chat(OLD, NEW) is True
    assert await repo.migrate_chat(OLD, NEW) is False
    # A stale update from the old group re-creates its row with default settings: it never
    # overwrites the supergroup's.
    await repo.upsert_chat(OLD, "group", "Study circle", None)
    assert await repo.migrate_chat(OLD, NEW) is False
    chat = await repo.get_chat(NEW)
    assert chat is not None and chat.subscribed and chat.push_time == "07:00"
    assert await repo.migrate_chat(-999, NEW) is False
    assert await repo.get_chat(NEW) == chat


async def test_migrate_chat_is_all_or_nothing(sqlite_repo: SqliteRepository) -> None:
    repo = sqlite_repo
    await group_with_history(repo)
    before = await rows_of(repo, OLD)
    await repo._db.execute(
        "CREATE TEMP TRIGGER no_moving_answers BEFORE UPDATE ON main.answers BEGIN SELECT RAISE(ABORT, 'boom'); END"
    )
    with pytest.raises(sqlite3.DatabaseError, match="boom"):
        await repo.migrate_chat(OLD, NEW)
    assert await rows_of(repo, OLD) == before
    assert set((await rows_of(repo, NEW)).values()) == {0}
    await repo._db.execute("DROP TRIGGER no_moving_answers")
    assert await repo.migrate_chat(OLD, NEW) is True


async def test_updated_at_is_stamped_by_the_bots_clock_not_the_wall(tmp_path: Path) -> None:
    from bot.clock import ManualClock

    clock = ManualClock(dt.datetime(2030, 1, 2, 3, 4, tzinfo=dt.UTC))
    store = await SqliteRepository.open(tmp_path / "db.sqlite3", clock)
    try:
        await store.upsert_chat(10, "private", "Asha", None)
        clock.advance(hours=1)
        await store.update_chat(10, timezone="Europe/London")
        await store.upsert_user(7, "Asha", None)
        chat = await store._one("SELECT created_at, updated_at FROM chats WHERE chat_id = 10")
        user = await store._one("SELECT updated_at FROM users WHERE user_id = 7")
    finally:
        await store.close()
    assert chat is not None and user is not None
    assert chat["created_at"].startswith("2030-01-02T03:04")
    assert chat["updated_at"].startswith("2030-01-02T04:04") and user["updated_at"].startswith("2030-01-02T04:04")


async def test_a_broadcast_claim_is_taken_once_and_over_only_from_another_run(repo: SqliteRepository) -> None:
    await repo.upsert_chat(OLD, "private", "Asha", None)
    broadcast = await repo.create_broadcast(7, "private", "hello", None, NOW)
    assert await repo.claim_broadcast(broadcast, OLD, "run-1", NOW)
    assert not await repo.claim_broadcast(broadcast, OLD, "run-1", NOW)  # held by this run
    assert await repo.claim_broadcast(broadcast, OLD, "run-2", NOW)  # run-1 died mid-send
    await repo.finish_broadcast(broadcast, OLD, "sent", NOW)
    assert not await repo.claim_broadcast(broadcast, OLD, "run-3", NOW)  # sent: never again
    assert await repo.broadcast_tally(broadcast) == {"sent": 1}


async def test_a_failed_broadcast_send_is_tried_again_up_to_its_attempts(repo: SqliteRepository) -> None:
    broadcast = await repo.create_broadcast(7, "all", "hello", None, NOW)
    for _ in range(3):
        assert await repo.claim_broadcast(broadcast, OLD, "run", NOW)
        await repo.finish_broadcast(broadcast, OLD, "failed", NOW, "flood")
    assert not await repo.claim_broadcast(broadcast, OLD, "run", NOW)


async def test_the_audience_is_the_active_chats_of_its_kind(repo: SqliteRepository) -> None:
    for chat_id, kind in [(1, "private"), (2, "private"), (-3, "group"), (-1004, "supergroup"), (-1005, "channel")]:
        await repo.upsert_chat(chat_id, kind, "x", None)
    await repo.update_chat(2, active=False)
    counts = {a: await repo.count_audience(a) for a in ("all", "private", "groups", "channels")}
    assert counts == {"all": 4, "private": 1, "groups": 2, "channels": 1}
    batches = [b async for b in repo.audience_chats("all", batch_size=2)]
    assert batches == [[-1005, -1004], [-3, 1]]
