"""The embedded store: SQLite through aiosqlite, in WAL mode, one connection per process."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import sqlite3
from collections import OrderedDict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite

from bot.clock import Clock
from bot.storage.answer_writer import AnswerWriter
from bot.storage.broadcast_sql import BroadcastQueries
from bot.storage.groups_sql import GroupQueries
from bot.storage.learning_sql import GET_CARD, SAVE_CARD, LearningQueries, card_params, reschedule_in
from bot.storage.migrations import migrate
from bot.storage.repository import (
    AnswerRecord,
    ChatRecord,
    Delivery,
    ForgetReport,
    OperatorCounts,
    PollRecord,
    Reschedule,
    ReviewCard,
    TopicTally,
)
from bot.storage.sessions_sql import SessionQueries
from bot.storage.sql_base import (
    QueryBase,
    SqlBase,
    Work,
    atomic,
    from_row,
    in_transaction,
    parse_ts,
    run_batch,
    ts,
)

#: How long a statement waits for another process's write lock (a backup, an operator's sqlite3
#: shell) before it fails with "database is locked" and the user is asked to try again.
BUSY_TIMEOUT_MS = 10_000
#: Every connection's settings (WAL, a property of the file, is set once by the repository).
_PRAGMAS = ("PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON", f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
#: A day's push is tried this often before it is given up (5xx, timeouts, flood waits).
MAX_ATTEMPTS = 5
#: Columns of ``chats`` that update_chat may set (names are never taken from input).
_CHAT_SETTINGS = frozenset(
    {"timezone", "push_time", "push_topic", "push_size", "subscribed", "active", "paused_until", "language", "title"}
)


#: Moving a group's rows to the supergroup it became, as (statement, parameters by name) in order.
#: A ledger row that conflicts goes to whichever of the two is further along (sent, then claimed,
#: then failed, then skipped), the old chat's on a tie, so a served day is never served again.
_DELIVERY_RANK = "CASE {}.state WHEN 'sent' THEN 3 WHEN 'claimed' THEN 2 WHEN 'failed' THEN 1 ELSE 0 END"
_MIGRATE_CHAT: tuple[tuple[str, tuple[str, ...]], ...] = (
    # The old chat's settings win over a row the supergroup may have (remember() upserts every
    # chat it sees, with default settings); its name, as Telegram gave it, stays.
    (
        "INSERT INTO chats (chat_id, type, title, username, timezone, push_time, push_topic, push_size, subscribed,"
        " active, paused_until, language, created_at, updated_at)"
        " SELECT CAST(? AS BIGINT), 'supergroup', title, username, timezone, push_time, push_topic, push_size,"
        " subscribed, active, paused_until, language, created_at, ? FROM chats WHERE chat_id = ?"
        " ON CONFLICT (chat_id) DO UPDATE SET timezone = excluded.timezone, push_time = excluded.push_time,"
        " push_topic = excluded.push_topic, push_size = excluded.push_size, subscribed = excluded.subscribed,"
        " active = excluded.active,"
        " paused_until = excluded.paused_until, language = excluded.language, created_at = excluded.created_at,"
        " updated_at = excluded.updated_at",
        ("new", "now", "old"),
    ),
    ("DELETE FROM chats WHERE chat_id = ?", ("old",)),
    # An item both have seen stays seen once.
    (
        "INSERT INTO seen_items (chat_id, kind, scope, item_id, seen_at)"
        " SELECT CAST(? AS BIGINT), kind, scope, item_id, seen_at FROM seen_items WHERE chat_id = ?"
        " ON CONFLICT DO NOTHING",
        ("new", "old"),
    ),
    ("DELETE FROM seen_items WHERE chat_id = ?", ("old",)),
    ("UPDATE polls SET chat_id = ? WHERE chat_id = ?", ("new", "old")),
    ("UPDATE answers SET chat_id = ? WHERE chat_id = ?", ("new", "old")),
    (
        "DELETE FROM deliveries WHERE chat_id = ? AND EXISTS (SELECT 1 FROM deliveries AS moving"
        " WHERE moving.chat_id = ? AND moving.local_date = deliveries.local_date"
        f" AND {_DELIVERY_RANK.format('moving')} >= {_DELIVERY_RANK.format('deliveries')})",
        ("new", "old"),
    ),
    (
        "INSERT INTO deliveries (chat_id, local_date, state, attempts, claimed_at, sent_at, error, parts_sent)"
        " SELECT CAST(? AS BIGINT), local_date, state, attempts, claimed_at, sent_at, error, parts_sent FROM deliveries"
        " WHERE chat_id = ? ON CONFLICT DO NOTHING",
        ("new", "old"),
    ),
    ("DELETE FROM deliveries WHERE chat_id = ?", ("old",)),
    # Those message ids do not exist in the new chat.
    ("DELETE FROM pending_deletions WHERE chat_id = ?", ("old",)),
    ("UPDATE review_sessions SET chat_id = ? WHERE chat_id = ?", ("new", "old")),
    ("UPDATE quiz_sessions SET chat_id = ? WHERE chat_id = ?", ("new", "old")),
    ("UPDATE mock_tests SET chat_id = ? WHERE chat_id = ?", ("new", "old")),
    # A broadcast either id has had stays had once.
    (
        "INSERT INTO broadcast_deliveries"
        " (broadcast_id, chat_id, state, attempts, claimed_by, claimed_at, sent_at, error)"
        " SELECT broadcast_id, CAST(? AS BIGINT), state, attempts, claimed_by, claimed_at, sent_at, error"
        " FROM broadcast_deliveries WHERE chat_id = ? ON CONFLICT DO NOTHING",
        ("new", "old"),
    ),
    ("DELETE FROM broadcast_deliveries WHERE chat_id = ?", ("old",)),
    ("INSERT INTO chat_migrations (old_chat_id, new_chat_id, migrated_at) VALUES (?, ?, ?)", ("old", "new", "now")),
)


#: An answer, in the chat its poll is in (RETURNING it), unless the user answered that poll already.
INSERT_ANSWER = (
    "INSERT INTO answers (poll_id, user_id, chat_id, question_id, topic_id, chosen_option,"
    " correct_option, is_correct, answered_at)"
    " SELECT poll_id, CAST(? AS BIGINT), chat_id, ?, ?, CAST(? AS INTEGER), CAST(? AS INTEGER),"
    " CAST(? AS INTEGER), ? FROM polls WHERE poll_id = ?"
    " ON CONFLICT DO NOTHING RETURNING chat_id"
)


def answer_params(answer: AnswerRecord) -> tuple[Any, ...]:
    """INSERT_ANSWER's parameters."""
    return (
        answer.user_id,
        answer.question_id,
        answer.topic_id,
        answer.chosen_option,
        answer.correct_option,
        int(answer.is_correct),
        ts(answer.answered_at),
        answer.poll_id,
    )


def _user_in_chat(user_id: int, chat_id: int | None) -> tuple[str, tuple[int, ...]]:
    """The WHERE clause for one user's answers in one chat, or in every chat."""
    if chat_id is None:
        return "user_id = ?", (user_id,)
    return "user_id = ? AND chat_id = ?", (user_id, chat_id)


def _sql_value(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class ChatQueries(QueryBase):
    """The core queries, in SQL both stores read: chats, users, rotation, polls, answers, the ledger.

    Queries are grouped by concern: the core ones here, groups and channels in GroupQueries,
    spaced repetition and practice in LearningQueries.
    """

    # --- chats and users ------------------------------------------------------------------------
    async def upsert_chat(
        self, chat_id: int, type: str, title: str | None, username: str | None, language: str | None = None
    ) -> None:
        now = self._stamp()
        # ``language`` is where a chat starts; a language already on record (chosen, or started
        # in) is never overwritten by it. A row already as given is not touched at all (see
        # upsert_user: ON CONFLICT would lock it on PostgreSQL even when nothing changes).
        await self._write(
            "INSERT INTO chats (chat_id, type, title, username, language, created_at, updated_at)"
            " SELECT CAST(? AS BIGINT), ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM chats WHERE chat_id = ?"
            " AND type IS NOT DISTINCT FROM ? AND title IS NOT DISTINCT FROM ? AND username IS NOT DISTINCT FROM ?"
            " AND (language IS NOT NULL OR CAST(? AS TEXT) IS NULL))"
            " ON CONFLICT (chat_id) DO UPDATE SET type = excluded.type, title = excluded.title,"
            " username = excluded.username, language = COALESCE(chats.language, excluded.language),"
            " updated_at = excluded.updated_at",
            (chat_id, type, title, username, language, now, now, chat_id, type, title, username, language),
        )

    async def get_chat(self, chat_id: int) -> ChatRecord | None:
        row = await self._one("SELECT * FROM chats WHERE chat_id = ?", (chat_id,))
        return _chat(row) if row else None

    async def update_chat(self, chat_id: int, **changes: object) -> None:
        unknown = set(changes) - _CHAT_SETTINGS
        if unknown:
            raise ValueError(f"not chat settings: {sorted(unknown)}")
        if not changes:
            return
        names = sorted(changes)
        assignments = ", ".join(f"{name} = ?" for name in names)
        params = [_sql_value(changes[name]) for name in names]
        await self._write(
            f"UPDATE chats SET {assignments}, updated_at = ? WHERE chat_id = ?",
            (*params, self._stamp(), chat_id),
        )

    async def migrate_chat(self, old_id: int, new_id: int) -> bool:
        """Move everything a group owns to the supergroup it became, in one transaction, once.

        False (and nothing changed) when there is nothing to move: the old chat is unknown, or it
        was moved before (a row re-created for it since is left alone).
        """
        if old_id == new_id:
            return False
        values = {"old": old_id, "new": new_id, "now": self._stamp()}
        async with self.transaction():
            if await self._one("SELECT 1 FROM chat_migrations WHERE old_chat_id = ?", (old_id,)) is not None:
                return False
            if await self._one("SELECT 1 FROM chats WHERE chat_id = ?", (old_id,)) is None:
                return False
            for sql, names in _MIGRATE_CHAT:
                await self._write(sql, tuple(values[name] for name in names))
        return True

    async def upsert_user(self, user_id: int, first_name: str, username: str | None) -> None:
        # Not a plain upsert: on PostgreSQL, ON CONFLICT DO UPDATE locks the row it finds even when
        # its WHERE leaves it as it is, and that lock is a WAL record and a flush at commit, for every
        # update a known user sends. Here a row already as given is not touched at all.
        await self._write(
            "INSERT INTO users (user_id, first_name, username, updated_at)"
            " SELECT CAST(? AS BIGINT), ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM users WHERE user_id = ?"
            " AND first_name IS NOT DISTINCT FROM ? AND username IS NOT DISTINCT FROM ?)"
            " ON CONFLICT (user_id) DO UPDATE SET first_name = excluded.first_name,"
            " username = excluded.username, updated_at = excluded.updated_at",
            (user_id, first_name, username, self._stamp(), user_id, first_name, username),
        )

    # --- rotation -------------------------------------------------------------------------------
    async def seen_items(self, chat_id: int, kind: str, scope: str) -> set[str]:
        rows = await self._all(
            "SELECT item_id FROM seen_items WHERE chat_id = ? AND kind = ? AND scope = ?",
            (chat_id, kind, scope),
        )
        return {row[0] for row in rows}

    async def mark_seen(self, chat_id: int, kind: str, scope: str, item_id: str, at: dt.datetime) -> None:
        await self._write(
            "INSERT INTO seen_items (chat_id, kind, scope, item_id, seen_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (chat_id, kind, scope, item_id, ts(at)),
        )

    async def reset_seen(self, chat_id: int, kind: str, scope: str) -> None:
        await self._write("DELETE FROM seen_items WHERE chat_id = ? AND kind = ? AND scope = ?", (chat_id, kind, scope))

    # --- polls and answers ----------------------------------------------------------------------
    async def save_poll(self, poll: PollRecord) -> None:
        # Telegram's poll ids are unique: a second save of one is the same poll, e.g. a statement
        # tried again after PostgreSQL lost the connection that had run it already.
        await self._write(
            "INSERT INTO polls (poll_id, chat_id, message_id, question_id, option_order, correct_option,"
            " purpose, requested_by, is_anonymous, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (poll_id) DO NOTHING",
            (
                poll.poll_id,
                poll.chat_id,
                poll.message_id,
                poll.question_id,
                json.dumps(list(poll.option_order)),
                poll.correct_option,
                poll.purpose,
                poll.requested_by,
                int(poll.is_anonymous),
                ts(poll.sent_at),
            ),
        )

    async def get_poll(self, poll_id: str) -> PollRecord | None:
        row = await self._one("SELECT * FROM polls WHERE poll_id = ?", (poll_id,))
        if row is None:
            return None
        return from_row(
            PollRecord, row, option_order=lambda v: tuple(json.loads(v)), sent_at=parse_ts, is_anonymous=bool
        )

    async def record_answer(self, answer: AnswerRecord, reschedule: Reschedule | None = None) -> int | None:
        """Store an answer to a poll on record, once: the chat it is stored in, None for a repeat
        or an unknown poll. The chat is the poll's as stored now (``answer.chat_id`` is not
        read): a group that became a supergroup took its polls along, so the caller may have
        seen the old id. With ``reschedule``, a new answer's review card is rescheduled in the
        same transaction (see ``reschedule_card``)."""
        if reschedule is None:
            rows = await self._all(INSERT_ANSWER, answer_params(answer))
            return int(rows[0][0]) if rows else None
        async with self.transaction():
            rows = await self._all(INSERT_ANSWER, answer_params(answer))
            if rows:
                await reschedule_in(self, answer.user_id, answer.question_id, reschedule, answer.answered_at)
        return int(rows[0][0]) if rows else None

    async def topic_tallies(self, user_id: int, chat_id: int | None) -> list[TopicTally]:
        """Answers and correct ones per topic, in one chat or (None) in every chat."""
        where, params = _user_in_chat(user_id, chat_id)
        rows = await self._all(
            f"SELECT topic_id, COUNT(*), SUM(is_correct) FROM answers WHERE {where}"
            " GROUP BY topic_id ORDER BY topic_id",
            params,
        )
        return [TopicTally(row[0], row[1], row[2] or 0) for row in rows]

    async def answer_times(self, user_id: int, chat_id: int | None) -> list[dt.datetime]:
        """When the user answered, in one chat or (None) in every chat."""
        where, params = _user_in_chat(user_id, chat_id)
        rows = await self._all(f"SELECT answered_at FROM answers WHERE {where} ORDER BY answered_at", params)
        return [parse_ts(row[0]) for row in rows]

    # --- the daily push -------------------------------------------------------------------------
    async def subscribed_chats(self, batch_size: int = 500) -> AsyncIterator[list[ChatRecord]]:
        """Subscribed, active chats in batches, by keyset so memory stays flat at any size."""
        last = None
        while True:
            if last is None:
                rows = await self._all(
                    "SELECT * FROM chats WHERE subscribed = 1 AND active = 1 ORDER BY chat_id LIMIT ?",
                    (batch_size,),
                )
            else:
                rows = await self._all(
                    "SELECT * FROM chats WHERE subscribed = 1 AND active = 1 AND chat_id > ? ORDER BY chat_id LIMIT ?",
                    (last, batch_size),
                )
            if not rows:
                return
            yield [_chat(row) for row in rows]
            last = rows[-1]["chat_id"]

    async def count_subscribed(self) -> int:
        row = await self._one("SELECT COUNT(*) FROM chats WHERE subscribed = 1 AND active = 1")
        return row[0] if row else 0

    async def claim_delivery(
        self, chat_id: int, day: dt.date, now: dt.datetime, lease: dt.timedelta, *, take_skipped: bool = False
    ) -> bool:
        """Claim a day's push for a chat. A failed row (up to MAX_ATTEMPTS), or a claim older than
        ``lease`` (a crash between claim and send), may be claimed again; a sent row never; a
        skipped day only with ``take_skipped`` (the operator's push-now, a new subscriber)."""
        stale = ts(now - lease)
        changed = await self._write(
            "INSERT INTO deliveries (chat_id, local_date, state, attempts, claimed_at) VALUES (?, ?, 'claimed', 1, ?)"
            " ON CONFLICT (chat_id, local_date) DO UPDATE SET state = 'claimed',"
            " attempts = deliveries.attempts + 1, claimed_at = excluded.claimed_at, error = NULL"
            " WHERE (deliveries.state = 'failed' AND deliveries.attempts < ?)"
            " OR (deliveries.state = 'claimed' AND deliveries.claimed_at < ?)"
            " OR (deliveries.state = 'skipped' AND ? = 1)",
            (chat_id, day.isoformat(), ts(now), MAX_ATTEMPTS, stale, int(take_skipped)),
        )
        return changed == 1

    async def finish_delivery(
        self, chat_id: int, local_date: dt.date, state: str, now: dt.datetime, error: str | None = None
    ) -> None:
        await self._write(
            "UPDATE deliveries SET state = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, error = ?"
            " WHERE chat_id = ? AND local_date = ?",
            (state, state, ts(now), error, chat_id, local_date.isoformat()),
        )

    async def mark_delivery_parts(self, chat_id: int, local_date: dt.date, parts_sent: int) -> None:
        """Record that the first ``parts_sent`` parts of a claimed day's push went out."""
        await self._write(
            "UPDATE deliveries SET parts_sent = ? WHERE chat_id = ? AND local_date = ?",
            (parts_sent, chat_id, local_date.isoformat()),
        )

    async def skip_delivery(self, chat_id: int, local_date: dt.date, now: dt.datetime) -> None:
        """Mark a day as having nothing to send, unless the day already has a ledger row."""
        await self._write(
            "INSERT INTO deliveries (chat_id, local_date, state, attempts, claimed_at)"
            " VALUES (?, ?, 'skipped', 0, ?) ON CONFLICT DO NOTHING",
            (chat_id, local_date.isoformat(), ts(now)),
        )

    async def unskip_delivery(self, chat_id: int, local_date: dt.date) -> None:
        await self._write(
            "DELETE FROM deliveries WHERE chat_id = ? AND local_date = ? AND state = 'skipped'",
            (chat_id, local_date.isoformat()),
        )

    async def get_delivery(self, chat_id: int, local_date: dt.date) -> Delivery | None:
        row = await self._one(
            "SELECT * FROM deliveries WHERE chat_id = ? AND local_date = ?", (chat_id, local_date.isoformat())
        )
        if row is None:
            return None
        return Delivery(
            chat_id=row["chat_id"],
            local_date=dt.date.fromisoformat(row["local_date"]),
            state=row["state"],
            attempts=row["attempts"],
            claimed_at=parse_ts(row["claimed_at"]),
            sent_at=parse_ts(row["sent_at"]) if row["sent_at"] else None,
            parts_sent=row["parts_sent"],
        )

    # --- operators ------------------------------------------------------------------------------
    async def operator_counts(self, today_since: dt.datetime, week_since: dt.datetime) -> OperatorCounts:
        """Users, chats by type, subscriptions, answers and the store's size, for /admin."""
        users = await self._one("SELECT COUNT(*) FROM users")
        chats: dict[str, int] = {}
        inactive: dict[str, int] = {}
        for row in await self._all("SELECT type, active, COUNT(*) AS n FROM chats GROUP BY type, active"):
            chats[row["type"]] = chats.get(row["type"], 0) + row["n"]
            if not row["active"]:
                inactive[row["type"]] = row["n"]
        answers = await self._one(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN answered_at >= ? THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN answered_at >= ? THEN 1 ELSE 0 END), 0) FROM answers",
            (ts(today_since), ts(week_since)),
        )
        return OperatorCounts(
            users=users[0] if users else 0,
            chats=chats,
            inactive=inactive,
            subscribed=await self.count_subscribed(),
            answers_today=answers[1] if answers else 0,
            answers_week=answers[2] if answers else 0,
            answers_all=answers[0] if answers else 0,
            store_bytes=await self.store_bytes(),
        )

    async def store_bytes(self) -> int:
        """The store's size on disk (each store says it its own way)."""
        raise NotImplementedError


#: Users whose stored name this process knows (see SqliteRepository.upsert_user).
KNOWN_USERS = 10_000


class SqliteRepository(ChatQueries, GroupQueries, LearningQueries, SessionQueries, BroadcastQueries, SqlBase):
    """Repository on one aiosqlite connection; every write is committed before it returns."""

    def __init__(
        self, db: aiosqlite.Connection, clock: Clock | None = None, writer: AnswerWriter | None = None
    ) -> None:
        super().__init__(db, clock)
        #: The process answers are recorded in, beside this one (None: this process records them).
        self._writer = writer
        #: user_id -> (first_name, username) as stored, the least recently seen dropped first.
        self._users: OrderedDict[int, tuple[str, str | None]] = OrderedDict()

    async def upsert_user(self, user_id: int, first_name: str, username: str | None) -> None:
        """As ChatQueries', but no statement when the name is the one this process stored last.

        Every update records its sender, and a group's members answer quiz after quiz under the
        same name. Only this process writes a SQLite file's users (one bot per file; the CLI's
        commands do not touch them), and its own /forget drops the memory with the row, so what
        it remembers is what is stored. PostgreSQL, shared by workers, has no such memory.
        """
        name = (first_name, username)
        if self._users.get(user_id) == name:
            self._users.move_to_end(user_id)
            return
        await super().upsert_user(user_id, first_name, username)
        self._users[user_id] = name
        self._users.move_to_end(user_id)
        if len(self._users) > KNOWN_USERS:
            self._users.popitem(last=False)

    async def forget_user(self, user_id: int) -> ForgetReport:
        self._users.pop(user_id, None)
        try:
            return await super().forget_user(user_id)
        finally:
            self._users.pop(user_id, None)  # a name recorded while the rows were being deleted

    @classmethod
    async def open(
        cls, path: Path | str, clock: Clock | None = None, *, answer_process: bool = False
    ) -> SqliteRepository:
        """Open (creating folders and the file as needed), switch to WAL and apply migrations.

        ``answer_process``: record answers in a process of their own (bot/storage/answer_writer.py),
        as a bot serving updates does; not for ``:memory:``, which no other process can open.
        """
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # When the very connect fails (a folder, no permission), aiosqlite leaves its thread to
            # report to a loop that may be closed by then; plain sqlite3 says why first, cleanly.
            await asyncio.to_thread(lambda: sqlite3.connect(str(path)).close())
        # Autocommit: single statements commit themselves; SqlBase.transaction() groups the rest.
        db = await aiosqlite.connect(str(path), isolation_level=None)
        db.row_factory = aiosqlite.Row
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            for pragma in _PRAGMAS:
                await db.execute(pragma)
            await migrate(db)
            # A read-only file opens and reads as usual and then fails every write: find out now,
            # at start-up, rather than at a student's first answer. (The value written is unchanged.)
            rows = await db.execute_fetchall("PRAGMA user_version")
            await db.execute(f"PRAGMA user_version = {int(next(iter(rows))[0])}")
        except BaseException:
            # A corrupt or read-only file: close the connection's thread, or the process never exits.
            await db.close()
            raise
        writer = await AnswerWriter.start(str(path)) if answer_process and str(path) != ":memory:" else None
        return cls(db, clock, writer)

    async def reschedule_card(
        self, user_id: int, question_id: str, reschedule: Reschedule, now: dt.datetime
    ) -> ReviewCard:
        """As LearningQueries', in one trip to the database thread and the next group commit."""
        work = functools.partial(_reschedule, user_id=user_id, question_id=question_id, reschedule=reschedule, now=now)
        card: ReviewCard = await self._run(atomic(work))
        return card

    async def record_answer(self, answer: AnswerRecord, reschedule: Reschedule | None = None) -> int | None:
        """As ChatQueries', the answer and its card in one trip and the next group commit: in the
        answer writer's process when there is one (bot/storage/answer_writer.py)."""
        if reschedule is None:
            return await super().record_answer(answer)
        writer = self._writer
        if writer is not None and writer.stopped is None and not in_transaction():
            chat_id: int | None = await writer.run((answer, reschedule))
        else:
            chat_id = await self._run(answer_work(answer, reschedule))
        return chat_id

    async def close(self) -> None:
        if self._writer is not None:
            await self._writer.close()
        await self._drain()
        await self._db.close()

    async def store_bytes(self) -> int:
        pages = await self._one("PRAGMA page_count")
        page_size = await self._one("PRAGMA page_size")
        return (pages[0] if pages else 0) * (page_size[0] if page_size else 0)


#: An answer and the step of its review card.
AnswerItem = tuple[AnswerRecord, Reschedule]


def connect_sync(path: str) -> sqlite3.Connection:
    """A plain sqlite3 connection set up as the repository's (the answer writer's process uses it)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    for pragma in _PRAGMAS:
        conn.execute(pragma)
    return conn


def answer_work(answer: AnswerRecord, reschedule: Reschedule) -> Work:
    """An answer and its review card, stored together or not at all: the chat it is stored in, or
    None for a repeat or an unknown poll (see ChatQueries.record_answer)."""

    def work(conn: sqlite3.Connection) -> int | None:
        (chat_id,) = _answers_in_one_go(conn, [(answer, reschedule)])
        return chat_id

    return atomic(work)


def record_answers(conn: sqlite3.Connection, items: list[AnswerItem]) -> list[tuple[bool, Any]]:
    """Answers and their cards in one transaction (the answer writer's batch): for each, True and
    its chat (None for a repeat or an unknown poll), or False and its error.

    The batch goes in one go, without a savepoint per answer (a fifth of the time). When anything
    in it fails, it is undone and run again answer by answer, each in a savepoint of its own
    (``run_batch``), so that an answer that cannot be stored fails alone.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        chats = _answers_in_one_go(conn, items)
        conn.execute("COMMIT")
    except Exception:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return run_batch(conn, [answer_work(answer, reschedule) for answer, reschedule in items])
    return [(True, chat_id) for chat_id in chats]


def _answers_in_one_go(conn: sqlite3.Connection, items: list[AnswerItem]) -> list[int | None]:
    """Each answer's insert and its card's step, in the caller's transaction; the chats stored in."""
    chats: list[int | None] = []
    #: Each card as these answers left it: a user may answer two polls of one question in a batch.
    cards: dict[tuple[int, str], str] = {}
    saves = []
    for answer, reschedule in items:
        rows = conn.execute(INSERT_ANSWER, answer_params(answer)).fetchall()
        if not rows:
            chats.append(None)
            continue
        key = (answer.user_id, answer.question_id)
        stored = cards.get(key)
        if stored is None:
            row = conn.execute(GET_CARD, key).fetchone()
            stored = row[0] if row else None
        card = reschedule(stored)
        cards[key] = card.card
        saves.append(card_params(card, answer.answered_at))
        chats.append(int(rows[0][0]))
    conn.executemany(SAVE_CARD, saves)
    return chats


def _reschedule(
    conn: sqlite3.Connection, user_id: int, question_id: str, reschedule: Reschedule, now: dt.datetime
) -> ReviewCard:
    """In the database thread: read the card, reschedule it and store it (LearningQueries.reschedule_card)."""
    row = conn.execute(GET_CARD, (user_id, question_id)).fetchone()
    card = reschedule(row[0] if row else None)
    conn.execute(SAVE_CARD, card_params(card, now))
    return card


def _chat(row: Any) -> ChatRecord:
    return from_row(ChatRecord, row, subscribed=bool, active=bool, paused_until=dt.date.fromisoformat)
