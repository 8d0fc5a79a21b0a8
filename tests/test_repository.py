"""The SQLite repository: migrations, rotation state, polls, answers and the delivery ledger."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.storage.repository import AnswerRecord, PollRecord
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
    assert await repo.record_answer(answer()) is True
    assert await repo.record_answer(answer()) is False
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
