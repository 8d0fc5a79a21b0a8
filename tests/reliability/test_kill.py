"""Kill -9: ``push-now`` killed at seeded points and restarted; the polling bot killed while answers
stream in; the webhook bot killed mid-stream. What was recorded stays, and only what was in flight
at a kill may come twice (push) or be lost (polling, at most one ``getUpdates`` batch)."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from telegram.constants import PollingLimit

from bot.config import DEFAULT_CONTENT_DIR
from bot.content.loader import load_bank
from bot.services.push import CONCURRENCY
from bot.services.stats import StatsService
from bot.storage.sqlite import SqliteRepository
from tests.content_cache import parsed_once
from tests.fakebot import Call, FakeBotAPI
from tests.reliability.faults_support import (
    CHATS,
    FIRST_MEMBER,
    KILLS,
    Killer,
    answer_stream,
    claimed_chats,
    push_parts,
    start_cli,
    stored_answers,
    stored_chats,
)
from tests.test_e2e_workers import SECRET, bot_process, webhook_env
from tests.test_startup import closed_port

SEED = 17
#: 01:00 UTC on a Monday; each restart is 3 minutes later, past the killed run's 2-minute claim lease.
BASE = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
RESTART_GAP = dt.timedelta(minutes=3)


@pytest.mark.timeout(600)
async def test_push_now_killed_at_seeded_points_serves_every_chat_and_repeats_only_the_sends_in_flight(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    db_path = tmp_path / "data" / "bot.sqlite3"
    chats = await stored_chats(fake_api, db_path, CHATS)
    # Every push is at least a fact message and a poll, so each point is reached before the end.
    points = sorted(random.Random(SEED).sample(range(1, 2 * CHATS), KILLS))
    killer = Killer(fake_api)
    in_flight: list[dict[int, str]] = []
    started = time.monotonic()
    for run, point in enumerate(points):
        now = (BASE + run * RESTART_GAP).isoformat()
        process = await start_cli(fake_api, tmp_path, "push-now", "--all", "--now", now)
        killer.arm(process.pid, point)
        await process.communicate()
        assert process.returncode == -signal.SIGKILL, f"run {run} ended by itself before send {point}"
        in_flight.append(claimed_chats(db_path))
    last = await start_cli(fake_api, tmp_path, "push-now", "--all", "--now", (BASE + KILLS * RESTART_GAP).isoformat())
    out, _ = await last.communicate()
    elapsed = time.monotonic() - started
    assert last.returncode == 0, out.decode()

    sent = push_parts(fake_api.requests)
    assert {chat for chat, _ in sent} == set(chats), "some chat was never served"
    assert all(sent[chat, "fact"] >= 1 and sent[chat, "poll"] >= 1 for chat in chats), "a push was left half-sent"
    # The part each claimed chat was sending at a kill may have gone out without the ledger hearing of it.
    may_repeat = Counter(item for chats_then in in_flight for item in chats_then.items())
    repeated = {key: n - 1 for key, n in sent.items() if n > 1}
    beyond = {key: n for key, n in repeated.items() if n > may_repeat[key]}
    assert not beyond, f"sent again though it was not in flight at a kill: {beyond}"
    assert all(len(chats_then) <= CONCURRENCY for chats_then in in_flight)
    print(
        f"\npush-now kill -9: {CHATS} chats, {len(killer.fired)} kills at sends {killer.fired}, "
        f"in flight per kill {[len(c) for c in in_flight]}, repeated sends {sum(repeated.values())} "
        f"(allowed {sum(may_repeat.values())}), {elapsed:.1f} s"
    )


POLLS = 10
MEMBERS = 100  # 10 polls x 100 members = 1,000 answers
#: The bot is killed when it asks for updates past this many: it has fetched (and confirmed) them.
KILL_AFTER_CONFIRMING = 300


def confirms_past(first_update_id: int, count: int) -> Callable[[Call], bool]:
    """A getUpdates whose offset confirms at least ``count`` updates from ``first_update_id``."""

    def matches(call: Call) -> bool:
        offset = int(call.params.get("offset") or 0)
        return call.method == "getUpdates" and offset >= first_update_id + count

    return matches


async def stats_match_the_store(db_path: Path, members: list[int]) -> None:
    """Each member's figures over every chat, as /stats's *All chats* computes them, equal the rows."""
    repo = await SqliteRepository.open(db_path)
    try:
        bank = parsed_once(load_bank, DEFAULT_CONTENT_DIR)
        stats = StatsService(bank, repo)
        for user_id in members:
            rows = await repo.user_answers(user_id)
            figures = await stats.user_stats(user_id, None, ZoneInfo("UTC"), dt.datetime.now(dt.UTC))
            assert (figures.answered, figures.correct) == (len(rows), sum(r.is_correct for r in rows)), user_id
    finally:
        await repo.close()


@pytest.mark.timeout(300)
async def test_the_polling_bot_killed_mid_stream_keeps_every_recorded_answer_and_loses_at_most_one_batch(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    db_path = tmp_path / "data" / "bot.sqlite3"
    members = [FIRST_MEMBER + m for m in range(MEMBERS)]
    for user_id in members:
        fake_api.add_private_chat(user_id, f"Member {user_id}")
    first = await start_cli(fake_api, tmp_path)
    await fake_api.wait_for_long_poll_async(timeout=30)
    stream = await answer_stream(fake_api, db_path, POLLS, MEMBERS)
    killer = Killer(fake_api, confirms_past(stream[0]["update_id"], KILL_AFTER_CONFIRMING))
    killer.arm(first.pid, 1)
    await first.communicate()
    assert first.returncode == -signal.SIGKILL
    recorded = stored_answers(db_path)
    confirmed = len(stream) - len(fake_api.pending_updates)

    second = await start_cli(fake_api, tmp_path)
    try:
        await fake_api.wait_until_delivered_async(timeout=60)
        # A member's private chat shares the member's key in the update processor: the reply to
        # /stats comes after every answer of that member fetched before it was handled.
        before = len(fake_api.calls("sendMessage"))
        for user_id in members:
            fake_api.send_text(user_id, "/stats")
        await fake_api.wait_for_async("sendMessage", count=before + MEMBERS, timeout=60)
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 15) == 0
    final = stored_answers(db_path)
    assert recorded <= final, "an answer recorded before the kill changed or vanished"
    lost = len(stream) - len(final)
    print(
        f"\npolling kill -9: {len(stream)} answers, {confirmed} fetched and confirmed at the kill, "
        f"{len(recorded)} recorded then; after the restart {len(final)} recorded, {lost} lost"
    )
    assert lost <= PollingLimit.MAX_LIMIT, f"{lost} fetched updates lost: more than one getUpdates batch"
    await stats_match_the_store(db_path, members)


#: Like Telegram, which keeps up to 40 connections to a webhook (setWebhook's max_connections).
WEBHOOK_CONNECTIONS = 32


async def post_updates(
    port: int, updates: list[dict[str, object]], answered: set[int], on_answer: Callable[[], None] = lambda: None
) -> None:
    """POST updates as Telegram does, ``WEBHOOK_CONNECTIONS`` at a time; the id of each answered 200
    goes into ``answered`` (then ``on_answer`` is called). Errors (the worker died) leave an update
    unanswered, for a resend."""
    work: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    for update in updates:
        work.put_nowait(update)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}

    async def connection(http: aiohttp.ClientSession) -> None:
        while not work.empty():
            update = work.get_nowait()
            try:
                async with http.post(f"http://127.0.0.1:{port}/hook", json=update, headers=headers) as response:
                    if response.status == 200:
                        answered.add(int(str(update["update_id"])))
                        on_answer()
            except aiohttp.ClientError:
                return

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(connection(http) for _ in range(WEBHOOK_CONNECTIONS)))


@pytest.mark.timeout(300)
async def test_the_webhook_bot_killed_mid_stream_loses_nothing_once_telegram_resends_what_was_not_answered(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    db_path = tmp_path / "data" / "bot.sqlite3"
    stream = await answer_stream(fake_api, db_path, POLLS, MEMBERS)
    answered: set[int] = set()
    port = closed_port()
    env = webhook_env(fake_api, tmp_path, port)
    async with bot_process(env=env, cwd=tmp_path) as first:
        await first.wait_for_line("studybot is running")

        def kill_mid_stream() -> None:
            # SIGKILL with the other connections' requests in flight.
            if len(answered) == KILL_AFTER_CONFIRMING:
                first.process.kill()

        await post_updates(port, stream, answered, kill_mid_stream)
        await first.process.wait()
        recorded = stored_answers(db_path)
    acknowledged = len(answered)
    async with bot_process(env=webhook_env(fake_api, tmp_path, port), cwd=tmp_path) as second:
        await second.wait_for_line("studybot is running")
        await post_updates(port, [u for u in stream if u["update_id"] not in answered], answered)
        second.process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.process.wait(), 15) == 0
    final = stored_answers(db_path)
    assert recorded <= final
    assert len(answered) == len(stream)
    print(
        f"\nwebhook kill -9: {len(stream)} answers, {acknowledged} answered 200 before the kill, {len(recorded)} "
        f"recorded then; after resending the rest {len(final)} recorded, {len(stream) - len(final)} lost"
    )
    assert len(final) == len(stream), "an update the webhook answered 200 was not recorded"
    await stats_match_the_store(db_path, [FIRST_MEMBER + m for m in range(MEMBERS)])
