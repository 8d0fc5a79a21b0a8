"""``python -m bot push-now`` as a subprocess: exactly once per chat per day, even across a SIGKILL."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import signal
import sys
from collections import Counter
from pathlib import Path

from bot.delivery.push_now import Progress
from bot.services.push import CONCURRENCY, PushReport
from bot.storage.sqlite import SqliteRepository
from tests.fakebot import FakeBotAPI
from tests.reliability.faults_support import stored_chats
from tests.test_e2e_process import bot_env

FIRST_CHAT = 9000


async def subscribe_chats(fake: FakeBotAPI, db_path: Path, count: int) -> list[int]:
    return await stored_chats(fake, db_path, count, FIRST_CHAT)


async def push_now(fake: FakeBotAPI, tmp_path: Path, *args: str, **env: str) -> asyncio.subprocess.Process:
    # The log goes to a file: a full stderr pipe would stall a child nobody reads from yet.
    with (tmp_path / "push-now.log").open("ab") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "push-now", *args, env=bot_env(fake, tmp_path, **env), cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=log,
        )  # fmt: skip


async def finish(process: asyncio.subprocess.Process) -> tuple[int, str]:
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode()


def polls_per_chat(fake: FakeBotAPI) -> Counter[int]:
    return Counter(int(p["chat_id"]) for p in fake.calls("sendPoll") if p)


async def test_push_now_twice_the_same_day_sends_nothing_the_second_time(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    chats = await subscribe_chats(fake_api, tmp_path / "data" / "bot.sqlite3", 5)
    code, out = await finish(await push_now(fake_api, tmp_path, "--all"))
    assert code == 0 and out.strip().splitlines()[-1] == "sent 5, already served 0, skipped 0, failed 0, deactivated 0"
    code, out = await finish(await push_now(fake_api, tmp_path, "--all"))
    assert code == 0 and out.strip().splitlines()[-1] == "sent 0, already served 5, skipped 0, failed 0, deactivated 0"
    assert polls_per_chat(fake_api) == Counter(dict.fromkeys(chats, 1))


async def test_push_now_without_all_serves_only_chats_whose_time_has_passed(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    await subscribe_chats(fake_api, tmp_path / "data" / "bot.sqlite3", 2)
    code, out = await finish(await push_now(fake_api, tmp_path, "--now", "2026-03-02T07:59"))
    assert out.strip().endswith("sent 0, already served 0, skipped 0, failed 0, deactivated 0")
    code, out = await finish(await push_now(fake_api, tmp_path, "--now", "2026-03-02T08:01"))
    assert code == 0 and out.strip().endswith("sent 2, already served 0, skipped 0, failed 0, deactivated 0")


async def test_push_now_reports_chats_that_blocked_the_bot(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    chats = await subscribe_chats(fake_api, tmp_path / "data" / "bot.sqlite3", 3)
    fake_api.block(chats[0])
    code, out = await finish(await push_now(fake_api, tmp_path, "--all"))
    assert code == 0 and out.strip().endswith("sent 2, already served 0, skipped 0, failed 0, deactivated 1")


async def test_a_push_killed_midway_serves_every_chat_on_the_next_run(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    chats = await subscribe_chats(fake_api, tmp_path / "data" / "bot.sqlite3", 80)
    # A slow rate keeps the first run mid-way when it is killed.
    first = await push_now(fake_api, tmp_path, "--all", PUSH_RATE_PER_SECOND="40")
    await fake_api.wait_for_async("sendPoll", count=15, timeout=60)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    served_before = polls_per_chat(fake_api)
    assert 0 < len(served_before) < len(chats)
    # The killed run's claims are taken over once their lease is over.
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3)).isoformat()
    code, out = await finish(await push_now(fake_api, tmp_path, "--all", "--now", later))
    assert code == 0, out
    served = polls_per_chat(fake_api)
    assert set(served) == set(chats)
    twice = [chat for chat, n in served.items() if n > 1]
    assert max(served.values()) <= 2 and len(twice) <= CONCURRENCY  # only what was in flight


async def test_push_now_follows_a_group_that_became_a_supergroup(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "bot.sqlite3"
    (student,) = await subscribe_chats(fake_api, db_path, 1)
    group = -4005550001
    fake_api.add_group(group, "Study circle", admins=[801], kind="group")
    repo = await SqliteRepository.open(db_path)
    try:
        await repo.upsert_chat(group, "group", "Study circle", None)
        await repo.update_chat(group, subscribed=True)
    finally:
        await repo.close()
    supergroup = fake_api.migrate_group(group, service_messages=False)  # no bot is polling
    code, out = await finish(await push_now(fake_api, tmp_path, "--all"))
    assert code == 0 and out.strip().splitlines()[-1] == "sent 2, already served 0, skipped 0, failed 0, deactivated 0"
    code, out = await finish(await push_now(fake_api, tmp_path, "--all"))
    assert code == 0 and out.strip().splitlines()[-1] == "sent 0, already served 2, skipped 0, failed 0, deactivated 0"
    assert polls_per_chat(fake_api) == Counter({student: 1, supergroup: 1})
    assert [c.status for c in fake_api.calls_to(group)] == [400]
    log = (tmp_path / "push-now.log").read_text()
    assert "Traceback" not in log and "push to chat" not in log and "became supergroup" in log
    repo = await SqliteRepository.open(db_path)
    try:
        assert await repo.get_chat(group) is None
        rows = await repo._all("SELECT chat_id, state FROM deliveries WHERE chat_id IN (?, ?)", (group, supergroup))
        assert [tuple(row) for row in rows] == [(supergroup, "sent")]
    finally:
        await repo.close()


def test_progress_shows_done_total_rate_and_eta() -> None:
    out = io.StringIO()
    progress = Progress(total=10, out=out)
    progress(PushReport(examined=10, sent=10))
    line = out.getvalue()
    assert "10/10 chats" in line and "pushes/s" in line and "ETA" in line
