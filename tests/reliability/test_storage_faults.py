"""Storage faults on SQLite: another process's write lock, a full disk, a corrupt, unopenable or
read-only database file. The bot waits, apologises or refuses to start in one line; it never loses
or half-writes an answer."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.delivery.push import make_deliver
from bot.render.texts import t
from bot.services.push import CLAIM_LEASE, PushReport
from bot.storage.repository import PollRecord
from bot.storage.sqlite import SqliteRepository
from tests.fakebot import FakeBotAPI
from tests.harness import RunningBot, running_bot
from tests.pg import start_cluster, started_or_skip, with_params
from tests.reliability.faults_support import push_parts, pushing_bot
from tests.test_e2e_process import bot_env, run_cli
from tests.test_e2e_workers import subscribe

GROUP = -100_555_000_001
FIRST_USER = 910_000
#: How long the other process holds its write lock (the issue's figure).
LOCK_SECONDS = 5


@pytest.fixture
async def bot(fake_api: FakeBotAPI, tmp_path: Path) -> Any:
    fake_api.add_group(GROUP, "Storage faults group", admins=[FIRST_USER])
    async with running_bot(fake_api, tmp_path) as running:
        yield running


def sqlite_of(bot: RunningBot) -> SqliteRepository:
    repo = bot.ctx.repo
    assert isinstance(repo, SqliteRepository)
    return repo


async def group_poll(bot: RunningBot, poll_id: str) -> None:
    """A quiz poll of the group, as if the bot had sent it."""
    question = next(iter(bot.ctx.bank.questions.values()))
    order = tuple(range(len(question.options)))
    record = PollRecord(poll_id, GROUP, 1, question.id, order, question.answer, bot.clock.now(), "quiz")
    await bot.ctx.repo.save_poll(record)


def answer_update(poll_id: str, user_id: int) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
    return {"poll_answer": {"poll_id": poll_id, "user": user, "option_ids": [0]}}


async def count(bot: RunningBot, sql: str) -> int:
    rows = await sqlite_of(bot)._all(sql)
    return int(rows[0][0])


# --- a full disk -------------------------------------------------------------------------------------
async def test_a_full_disk_gets_a_friendly_try_again_keeps_running_and_half_writes_nothing(bot: RunningBot) -> None:
    await group_poll(bot, "full-1")
    repo = sqlite_of(bot)
    (pages,) = (await repo._all("PRAGMA page_count"))[0]
    # The database may not grow past its size now: the next write that needs a page fails as on a full disk.
    await repo._all(f"PRAGMA max_page_count = {pages}")
    refused = None
    for user_id in range(FIRST_USER, FIRST_USER + 2000):
        bot.fake.add_private_chat(user_id, f"User {user_id}")
        await bot.handled(bot.fake.push_update(answer_update("full-1", user_id)))
        if bot.fake.calls("sendMessage", user_id):
            refused = user_id
            break
    assert refused is not None, "the database never filled up"
    assert bot.fake.calls("sendMessage", refused)[-1]["text"] == t("error.store_answer")
    # The answer and its review card went together or not at all.
    assert await repo.user_answers(refused) == []
    assert await count(bot, f"SELECT COUNT(*) FROM review_cards WHERE user_id = {refused}") == 0
    orphans = "SELECT COUNT(*) FROM answers a WHERE NOT EXISTS (SELECT 1 FROM review_cards c"
    orphans += " WHERE c.user_id = a.user_id AND c.question_id = a.question_id)"
    assert await count(bot, orphans) == 0
    # Still running: a command that needs no new page is answered as usual.
    assert "/quiz" in (await bot.say(FIRST_USER, "/help"))[-1].params["text"]
    # Room again (the operator freed the disk): the same user's next answer counts.
    await repo._all("PRAGMA max_page_count = 1073741823")
    await group_poll(bot, "full-2")
    await bot.handled(bot.fake.push_update(answer_update("full-2", refused)))
    assert [a.poll_id for a in await repo.user_answers(refused)] == ["full-2"]


async def test_a_command_that_cannot_be_saved_is_told_to_try_again(bot: RunningBot) -> None:
    bot.fake.add_private_chat(FIRST_USER, "Asha")
    await bot.say(FIRST_USER, "/start")
    repo = sqlite_of(bot)
    await repo._all("PRAGMA query_only = 1")  # every write now fails, as on a file made read-only
    try:
        reply = (await bot.say(FIRST_USER, "/subscribe"))[-1].params["text"]
    finally:
        # Straight on the connection: the group commit's BEGIN IMMEDIATE is itself refused now.
        await repo._db.execute("PRAGMA query_only = 0")
    assert reply == t("error.store")
    chat = await repo.get_chat(FIRST_USER)
    assert chat is not None and not chat.subscribed
    assert "Subscribed" in (await bot.say(FIRST_USER, "/subscribe"))[-1].params["text"]


# --- another process holds the write lock -----------------------------------------------------------
LOCKER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


@pytest.mark.timeout(60)
async def test_a_write_lock_held_5_s_by_another_process_delays_answers_and_loses_none(
    bot: RunningBot, tmp_path: Path
) -> None:
    await group_poll(bot, "locked-1")
    users = range(FIRST_USER, FIRST_USER + 20)
    locker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", LOCKER, str(tmp_path / "studybot.sqlite3"), str(LOCK_SECONDS),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert locker.stdout is not None
    assert await asyncio.wait_for(locker.stdout.readline(), 10) == b"locked\n"
    updates = [bot.fake.push_update(answer_update("locked-1", user_id)) for user_id in users]
    await asyncio.gather(*(bot.handled(update, timeout=30) for update in updates))
    # The answers were handled once the lock was let go, not refused while it was held.
    assert await asyncio.wait_for(locker.wait(), 1) == 0
    stored = {a.user_id for user_id in users for a in await bot.ctx.repo.user_answers(user_id)}
    assert stored == set(users)
    assert not [c for c in bot.fake.requests if c.method == "sendMessage"]


# --- a database the bot cannot open -----------------------------------------------------------------
@pytest.fixture
def immutable() -> Iterator[list[Path]]:
    """Files made read-only for the test; root ignores permission bits, so root uses ``chattr +i``."""
    paths: list[Path] = []
    yield paths
    for path in paths:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=False, capture_output=True)


def make_read_only(path: Path, made: list[Path]) -> None:
    if os.geteuid() != 0:
        path.chmod(0o444)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: no way to make a file read-only for root")
    done = subprocess.run(["chattr", "+i", str(path)], check=False, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i failed here (root ignores file modes): {done.stderr.strip()}")
    made.append(path)


@pytest.mark.parametrize("damage", ["corrupt", "not_a_database", "read_only", "a_folder"])
@pytest.mark.parametrize("command", [(), ("push-now",)], ids=["run", "push-now"])
async def test_a_database_that_cannot_be_opened_is_one_line_exit_4_and_no_traceback(
    fake_api: FakeBotAPI, tmp_path: Path, immutable: list[Path], damage: str, command: tuple[str, ...]
) -> None:
    path = tmp_path / "data" / "bot.sqlite3"
    path.parent.mkdir()
    if damage == "corrupt":
        repo = await SqliteRepository.open(path)
        await repo.close()
        with path.open("r+b") as db:  # the header stays; the pages after it are garbage
            db.seek(100)
            db.write(os.urandom(8192))
    elif damage == "not_a_database":
        path.write_text("these are someone's notes, not a database\n" * 200)
    elif damage == "read_only":
        repo = await SqliteRepository.open(path)
        await repo.close()
        make_read_only(path, immutable)
    else:
        path.mkdir()
    code, _, err = await run_cli(*command, env=bot_env(fake_api, tmp_path, LOG_LEVEL="WARNING"), cwd=tmp_path)
    assert code == 4, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"studybot: cannot use the SQLite database at {path} ("), err
    assert "Traceback" not in err
    assert fake_api.requests == []  # the store comes before any call to Telegram


# --- PostgreSQL: connections dropped and the server restarted mid-push --------------------------------
PG_CHATS = 300
#: The bot's connections carry this name, so the test terminates only theirs.
APP_NAME = "studybot_faults"


async def terminate_bot_connections(server_url: str) -> int:
    """pg_terminate_backend on every connection of the bot's pool; how many there were."""
    admin = await asyncpg.connect(server_url)
    try:
        rows = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", APP_NAME
        )
    finally:
        await admin.close()
    return len(rows)


async def push_while(
    fake: FakeBotAPI, tmp_path: Path, url: str, fault: Callable[[], Awaitable[None]]
) -> list[PushReport]:
    """push-now's run over every subscribed chat, with ``fault`` done once a third of them were served;
    then, if some chat was left (a claim whose statement ran twice), the run after the claims' lease."""
    clock = ManualClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    async with pushing_bot(fake, tmp_path, clock, DATABASE_URL=url) as (ctx, application):
        deliver = make_deliver(application.bot, ctx)
        run = asyncio.create_task(ctx.push.run(clock.now(), deliver, ignore_time=True, take_skipped=True))
        await fake.wait_for_async("sendPoll", count=PG_CHATS // 3, timeout=60)
        await fault()
        reports = [await asyncio.wait_for(run, 120)]
        if reports[0].sent < PG_CHATS:
            clock.advance(seconds=CLAIM_LEASE.total_seconds() + 60)
            reports.append(await ctx.push.run(clock.now(), deliver, ignore_time=True, take_skipped=True))
    print(f"\nPostgreSQL fault mid-push: runs {[(r.sent, r.skipped, r.failed) for r in reports]}")
    return reports


def served_once(fake: FakeBotAPI, chats: list[int]) -> None:
    assert push_parts(fake.requests) == Counter({(chat, part): 1 for chat in chats for part in ("fact", "poll")})


async def test_postgresql_connections_terminated_mid_push_and_the_push_still_serves_each_chat_once(
    fake_api: FakeBotAPI, tmp_path: Path, pg_url: str
) -> None:
    url = with_params(pg_url, application_name=APP_NAME)
    chats = list(range(FIRST_USER, FIRST_USER + PG_CHATS))
    for chat_id in chats:
        fake_api.add_private_chat(chat_id, f"Student {chat_id}")
    await subscribe(url, chats)
    terminated: list[int] = []

    async def drop_connections() -> None:
        terminated.append(await terminate_bot_connections(pg_url))

    reports = await push_while(fake_api, tmp_path, url, drop_connections)
    assert terminated[0] > 0
    assert sum(r.sent for r in reports) == PG_CHATS and reports[-1].failed == 0, reports[-1].errors[:3]
    served_once(fake_api, chats)


async def test_postgresql_restarted_mid_push_and_the_push_still_serves_each_chat_once(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    cluster = started_or_skip(start_cluster())  # a cluster of its own: the test restarts it
    try:
        url = with_params(cluster.url, application_name=APP_NAME)
        chats = list(range(FIRST_USER, FIRST_USER + PG_CHATS))
        for chat_id in chats:
            fake_api.add_private_chat(chat_id, f"Student {chat_id}")
        await subscribe(url, chats)

        async def restart() -> None:
            await asyncio.to_thread(cluster.restart)

        reports = await push_while(fake_api, tmp_path, url, restart)
    finally:
        cluster.stop()
    assert sum(r.sent for r in reports) == PG_CHATS and reports[-1].failed == 0, reports[-1].errors[:3]
    served_once(fake_api, chats)


@pytest.mark.timeout(120)
async def test_a_quiz_answer_while_postgresql_is_down_is_told_to_try_again_and_the_next_one_counts(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    cluster = started_or_skip(start_cluster())  # a cluster of its own: the test stops it
    try:
        fake_api.add_group(GROUP, "Storage faults group", admins=[FIRST_USER])
        fake_api.add_private_chat(FIRST_USER, "Asha")
        async with running_bot(fake_api, tmp_path, DATABASE_URL=cluster.url) as bot:
            await group_poll(bot, "down-1")
            await group_poll(bot, "down-2")
            await asyncio.to_thread(cluster.pause)
            try:
                await bot.handled(bot.fake.push_update(answer_update("down-1", FIRST_USER)), timeout=30)
            finally:
                await asyncio.to_thread(cluster.resume)
            assert bot.fake.calls("sendMessage", FIRST_USER)[-1]["text"] == t("error.store_answer")
            await bot.handled(bot.fake.push_update(answer_update("down-2", FIRST_USER)))
            assert [a.poll_id for a in await bot.ctx.repo.user_answers(FIRST_USER)] == ["down-2"]
    finally:
        cluster.stop()
