"""SQLite's answer writer: a bot serving updates records answers and their review cards in a process
of its own (bot/storage/answer_writer.py); each caller hears back once its answer is committed."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fsrs import Rating

from bot.services.card_step import CardStep
from bot.services.review import make_scheduler
from bot.storage import answer_writer
from bot.storage.answer_writer import AnswerWriter, _error_info, _rebuild
from bot.storage.faults import is_store_fault
from bot.storage.repository import AnswerRecord, PollRecord, ReviewCard
from bot.storage.sqlite import SqliteRepository, connect_sync, record_answers
from tests.fakebot import FakeBotAPI
from tests.harness import running_bot

NOW = dt.datetime(2026, 3, 1, 2, 30, tzinfo=dt.UTC)
GROUP = -100_500
SCHEDULER = make_scheduler(fuzz=False)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteRepository]:
    repo = await SqliteRepository.open(tmp_path / "db.sqlite3", answer_process=True)
    await repo.upsert_chat(GROUP, "supergroup", "Study group", None)
    for n in range(3):
        await repo.save_poll(PollRecord(f"poll-{n}", GROUP, n + 1, f"q{n}", (0, 1, 2, 3), 2, NOW, "quiz"))
    yield repo
    await repo.close()


def writer_of(store: SqliteRepository) -> AnswerWriter:
    writer = store._writer
    assert writer is not None
    return writer


def answer(user_id: int, poll: int = 0, chosen: int = 2) -> tuple[AnswerRecord, CardStep]:
    record = AnswerRecord(f"poll-{poll}", user_id, GROUP, f"q{poll}", "topic", chosen, 2, chosen == 2, NOW)
    rating = Rating.Good if chosen == 2 else Rating.Again
    return record, CardStep(SCHEDULER, user_id, f"q{poll}", rating, NOW)


async def test_an_answer_and_its_card_are_stored_by_the_writer(store: SqliteRepository) -> None:
    assert await store.record_answer(*answer(7)) == GROUP
    assert writer_of(store).batches == 1
    # The bot's own connection reads what the writer's committed.
    assert [a.poll_id for a in await store.user_answers(7)] == ["poll-0"]
    card = await store.get_card(7, "q0")
    assert card is not None and card.due_at > NOW


async def test_a_repeat_and_an_unknown_poll_are_not_stored(store: SqliteRepository) -> None:
    await store.record_answer(*answer(7))
    assert await store.record_answer(*answer(7, chosen=1)) is None
    record, step = answer(7)
    unknown = AnswerRecord("no-such-poll", 7, GROUP, "q0", "topic", 2, 2, True, NOW)
    assert await store.record_answer(unknown, step) is None
    assert [(a.poll_id, a.chosen_option) for a in await store.user_answers(7)] == [("poll-0", record.chosen_option)]


async def test_concurrent_answers_go_in_a_few_batches_and_each_once(store: SqliteRepository) -> None:
    members = range(1, 301)
    results = await asyncio.gather(*(store.record_answer(*answer(user, poll)) for user in members for poll in range(3)))
    assert results == [GROUP] * 900
    assert writer_of(store).batches < 900 // 10
    rows = await store._all("SELECT COUNT(*), COUNT(DISTINCT user_id || poll_id) FROM answers")
    assert tuple(rows[0]) == (900, 900)
    cards = await store._all("SELECT COUNT(*) FROM review_cards")
    assert cards[0][0] == 900


async def test_close_waits_for_the_answers_queued(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = await SqliteRepository.open(path, answer_process=True)
    await store.upsert_chat(GROUP, "supergroup", "Study group", None)
    await store.save_poll(PollRecord("poll-0", GROUP, 1, "q0", (0, 1, 2, 3), 2, NOW, "quiz"))
    pending = [asyncio.ensure_future(store.record_answer(*answer(user))) for user in range(1, 101)]
    await asyncio.sleep(0)  # queued, not yet answered
    await store.close()
    assert all(task.done() and task.result() == GROUP for task in pending)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 100


async def test_a_writer_that_dies_fails_its_answers_as_a_store_fault_then_the_bot_records_them(
    store: SqliteRepository,
) -> None:
    writer = writer_of(store)
    await store.record_answer(*answer(1))  # the child is up
    os.kill(writer.pid, signal.SIGKILL)
    with pytest.raises(sqlite3.OperationalError) as raised:
        await store.record_answer(*answer(2))
    assert is_store_fault(raised.value)
    assert writer.stopped is not None
    # The next answer (the student trying again) is recorded by the bot's own connection.
    assert await store.record_answer(*answer(2)) == GROUP
    assert [a.poll_id for a in await store.user_answers(2)] == ["poll-0"]
    assert await store.get_card(2, "q0") is not None


async def test_the_writer_ignores_the_signals_a_terminal_sends_to_the_whole_group(store: SqliteRepository) -> None:
    writer = writer_of(store)
    await store.record_answer(*answer(1))
    os.kill(writer.pid, signal.SIGINT)
    os.kill(writer.pid, signal.SIGTERM)
    assert await store.record_answer(*answer(2)) == GROUP
    assert writer.stopped is None


async def test_a_writer_that_cannot_open_the_database_stops_and_the_bot_records_answers(tmp_path: Path) -> None:
    store = await SqliteRepository.open(tmp_path / "db.sqlite3", answer_process=True)
    try:
        await store.upsert_chat(GROUP, "supergroup", "Study group", None)
        await store.save_poll(PollRecord("poll-0", GROUP, 1, "q0", (0, 1, 2, 3), 2, NOW, "quiz"))
        writer = writer_of(store)
        # As if the child had found no database: it ends before its first batch.
        writer._process.stdin.close()  # type: ignore[union-attr]
        with pytest.raises(sqlite3.OperationalError) as raised:
            await store.record_answer(*answer(1))
        assert is_store_fault(raised.value)
        assert await store.record_answer(*answer(1)) == GROUP
    finally:
        await store.close()


def test_an_error_in_the_writer_reaches_the_caller_with_its_sqlite_codes(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "full.sqlite3") as db:
        db.execute("CREATE TABLE t (x)")
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(sqlite3.OperationalError) as raised:
            db.executemany("INSERT INTO t VALUES (?)", [("x" * 1000,)] * 100)
    rebuilt = _rebuild(_error_info(raised.value))
    assert type(rebuilt) is sqlite3.OperationalError
    assert (rebuilt.sqlite_errorcode, rebuilt.sqlite_errorname) == (sqlite3.SQLITE_FULL, "SQLITE_FULL")
    assert is_store_fault(rebuilt)
    # A mistake in the SQL stays a bug, not a fault worth a "try again".
    assert not is_store_fault(_rebuild(_error_info(sqlite3.OperationalError("no such column: x"))))


async def test_a_repository_on_memory_has_no_writer() -> None:
    store = await SqliteRepository.open(":memory:", answer_process=True)
    try:
        assert store._writer is None
    finally:
        await store.close()


async def test_a_running_bot_records_a_members_answer_through_its_writer(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    fake_api.add_group(GROUP, "Study group", admins=[1])
    async with running_bot(fake_api, tmp_path) as bot:
        question = next(iter(bot.ctx.bank.questions.values()))
        order = tuple(range(len(question.options)))
        record = PollRecord("p1", GROUP, 1, question.id, order, question.answer, bot.clock.now(), "quiz")
        await bot.ctx.repo.save_poll(record)
        member = {"id": 42, "is_bot": False, "first_name": "Asha"}
        await bot.handled(fake_api.push_update({"poll_answer": {"poll_id": "p1", "user": member, "option_ids": [0]}}))
        repo = bot.ctx.repo
        assert isinstance(repo, SqliteRepository)
        assert writer_of(repo).batches == 1
        assert [a.poll_id for a in await repo.user_answers(42)] == ["p1"]
        assert await repo.get_card(42, question.id) is not None


# --- the child's batch ------------------------------------------------------------------------------
@pytest.fixture
async def batch_db(tmp_path: Path) -> Path:
    path = tmp_path / "batch.sqlite3"
    store = await SqliteRepository.open(path)
    await store.upsert_chat(GROUP, "supergroup", "Study group", None)
    for n in range(3):
        await store.save_poll(PollRecord(f"poll-{n}", GROUP, n + 1, "q0", (0, 1, 2, 3), 2, NOW, "quiz"))
    await store.close()
    return path


def test_a_batch_stores_new_answers_and_skips_repeats_and_unknown_polls(batch_db: Path) -> None:
    conn = connect_sync(str(batch_db))
    first, step = answer(7)
    unknown = AnswerRecord("no-such-poll", 8, GROUP, "q0", "topic", 2, 2, True, NOW)
    assert record_answers(conn, [(first, step), (first, step), (unknown, step)]) == [
        (True, GROUP),
        (True, None),
        (True, None),
    ]
    assert conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 1


def test_two_answers_to_one_question_in_a_batch_step_its_card_twice(batch_db: Path) -> None:
    conn = connect_sync(str(batch_db))
    # poll-0 and poll-1 both ask q0 (the fixture's polls).
    wrong = AnswerRecord("poll-0", 7, GROUP, "q0", "topic", 1, 2, False, NOW)
    right = AnswerRecord("poll-1", 7, GROUP, "q0", "topic", 2, 2, True, NOW)
    steps = [CardStep(SCHEDULER, 7, "q0", Rating.Again, NOW), CardStep(SCHEDULER, 7, "q0", Rating.Good, NOW)]
    record_answers(conn, [(wrong, steps[0]), (right, steps[1])])
    stored = conn.execute("SELECT card FROM review_cards WHERE user_id = 7").fetchall()
    assert [row[0] for row in stored] == [steps[1](steps[0](None).card).card]


def test_an_answer_that_cannot_be_stored_fails_alone_in_its_batch(batch_db: Path) -> None:
    conn = connect_sync(str(batch_db))

    def broken(stored: str | None) -> ReviewCard:
        raise ValueError("a card that does not read")

    good, step = answer(7)
    bad = AnswerRecord("poll-1", 8, GROUP, "q0", "topic", 2, 2, True, NOW)
    outcomes = record_answers(conn, [(good, step), (bad, broken)])
    assert outcomes[0] == (True, GROUP)
    assert outcomes[1][0] is False and isinstance(outcomes[1][1], ValueError)
    # The good answer and its card are stored; nothing of the bad one (no answer without its card).
    assert [tuple(row) for row in conn.execute("SELECT user_id FROM answers")] == [(7,)]
    assert [tuple(row) for row in conn.execute("SELECT user_id FROM review_cards")] == [(7,)]


async def test_closing_with_a_hung_writer_ends_in_time_and_its_answers_are_store_faults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answer_writer, "CLOSE_TIMEOUT_S", 0.2)
    store = await SqliteRepository.open(tmp_path / "db.sqlite3", answer_process=True)
    await store.upsert_chat(GROUP, "supergroup", "Study group", None)
    await store.save_poll(PollRecord("poll-0", GROUP, 1, "q0", (0, 1, 2, 3), 2, NOW, "quiz"))
    await store.record_answer(*answer(1))
    os.kill(writer_of(store).pid, signal.SIGSTOP)  # hung: it reads nothing and answers nothing
    waiting = asyncio.ensure_future(store.record_answer(*answer(2)))
    await asyncio.sleep(0)
    await asyncio.wait_for(store.close(), 5)
    with pytest.raises(sqlite3.OperationalError) as raised:
        await waiting
    assert is_store_fault(raised.value)
