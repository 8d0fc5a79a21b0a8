"""Telegram faults at scale: a 10,000-chat push (2,000 in CI, see faults_support) through a storm
of 429s (retry_after up to 30 s), bursts of 502, hung requests and groups that became supergroups.
Each chat is served once, within the bound the README states: failed chats are retried at the next
minute's tick, up to 5 attempts, until local midnight.

Flood waits are not slept for real: PTB's AIORateLimiter (the production path, with its retries and
its global pause) takes its ``asyncio.sleep`` from a stand-in that moves the test's clock instead.
Hung requests do wait for real, for the bot's read timeout, shortened to half a second here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import telegram.ext._aioratelimiter as ptb_rate_limiter

from bot.clock import ManualClock
from bot.delivery.push import make_deliver
from bot.delivery.sender import SEND_ATTEMPTS
from bot.services.push import PushReport
from bot.storage.sqlite import MAX_ATTEMPTS, SqliteRepository
from tests.fakebot import FakeBotAPI
from tests.harness import running_bot
from tests.reliability.faults_support import FAULT_CHATS, push_part, push_parts, pushing_bot, stored_chats

SEED = 29
#: 08:00 in UTC, the chats' push time: a Monday.
PUSH_TIME = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
GROUPS = 20
FIRST_GROUP = -4_000_000_001


class VirtualWaits:
    """``asyncio`` as PTB's rate limiter sees it, except ``sleep``: the flood wait Telegram asked
    for is recorded and the test's clock moved by it, at once."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(seconds=seconds)
        await asyncio.sleep(0)


async def basic_groups(fake: FakeBotAPI, db_path: Path) -> dict[int, int]:
    """Subscribed basic groups that have become supergroups (the bot missed the service messages):
    old id -> new id."""
    repo = await SqliteRepository.open(db_path)
    moved = {}
    try:
        for n in range(GROUPS):
            group = FIRST_GROUP - n
            fake.add_group(group, f"Study circle {n}", admins=[1], kind="group", creator_id=1)
            await repo.upsert_chat(group, "group", f"Study circle {n}", None)
            await repo.update_chat(group, subscribed=True)
            moved[group] = fake.migrate_group(group, service_messages=False)
    finally:
        await repo.close()
    return moved


def inject_faults(fake: FakeBotAPI, chats: list[int], rng: random.Random) -> Counter[str]:
    """Seeded faults on the chats' sends; how many of each were set up."""
    made: Counter[str] = Counter()
    share = max(len(chats) // 50, 1)  # 2 % of the chats each: 200 of 10,000
    for chat_id in rng.sample(chats, share):
        # Up to 4 in a row: beyond the limiter's 3 retries the chat waits for the next tick.
        times = rng.randint(1, 4)
        fake.fail_next("sendMessage", chat_id=chat_id, error_code=429, retry_after=rng.randint(1, 30), times=times)
        made["429"] += times
    for _ in range(10):  # bursts: a run of neighbouring chats, as a bad minute of Telegram's
        start = rng.randrange(len(chats) - 30)
        for chat_id in chats[start : start + 30]:
            times = rng.randint(1, SEND_ATTEMPTS + 1)
            fake.fail_next(rng.choice(["sendMessage", "sendPoll"]), chat_id=chat_id, error_code=502, times=times)
            made["502"] += times
    for chat_id in rng.sample(chats, max(share // 5, 1)):
        times = rng.randint(1, 2)
        fake.hang_next(rng.choice(["sendMessage", "sendPoll"]), chat_id=chat_id, seconds=30, times=times)
        made["hung"] += times
    return made


@pytest.mark.timeout(600)
async def test_a_big_push_through_429_storms_502_bursts_hangs_and_migrations_serves_each_chat_once_in_time(
    fake_api: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_path = tmp_path / "data" / "bot.sqlite3"
    chats = await stored_chats(fake_api, db_path, FAULT_CHATS)
    moved = await basic_groups(fake_api, db_path)
    made = inject_faults(fake_api, chats, random.Random(SEED))
    clock = ManualClock(PUSH_TIME)
    waits = VirtualWaits(clock)
    monkeypatch.setattr(ptb_rate_limiter, "asyncio", waits)
    reports: list[PushReport] = []
    started = time.monotonic()
    async with pushing_bot(fake_api, tmp_path, clock) as (ctx, application):
        deliver = make_deliver(application.bot, ctx)
        tick = PUSH_TIME
        for _ in range(MAX_ATTEMPTS):
            clock.set(tick)
            reports.append(await ctx.push.run(tick, deliver))
            if not reports[-1].failed:
                break
            # The minute job's next tick after the flood waits this one sat out.
            tick = clock.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    elapsed = time.monotonic() - started
    last_tick = tick

    sent = push_parts(fake_api.requests)
    served = [*chats, *moved.values()]
    assert sent == Counter({(chat, part): 1 for chat in served for part in ("fact", "poll")})
    assert not any(push_part(c) for c in fake_api.calls_to(FIRST_GROUP)), "a send went to a group's old id"
    assert not reports[-1].failed, f"still failing after {MAX_ATTEMPTS} attempts: {reports[-1].errors[:5]}"
    # The README's bound: a failed push is tried again at the next tick, up to 5 attempts, until midnight.
    assert len(reports) <= MAX_ATTEMPTS and last_tick < PUSH_TIME.replace(hour=0) + dt.timedelta(days=1)
    statuses = Counter(c.status for c in fake_api.requests if c.method.startswith("send"))
    print(
        f"\nTelegram faults: {len(served)} chats ({len(moved)} moved to supergroups), faults set {dict(made)}, "
        f"answers {dict(statuses)}, flood waits {len(waits.waits)} totalling {sum(waits.waits):.0f} s of the "
        f"test's clock, ticks {[(r.sent, r.failed) for r in reports]}, last tick at {last_tick:%H:%M}, "
        f"{elapsed:.1f} s"
    )


USER = 880


async def test_a_push_whose_quiz_failed_sends_only_the_quiz_at_the_next_tick(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    fake_api.add_private_chat(USER, "Asha")
    async with running_bot(fake_api, tmp_path) as bot:
        await bot.say(USER, "/subscribe")
        # Each attempt of the quiz meets a 502: the chat is left for the next tick.
        fake_api.fail_next("sendPoll", chat_id=USER, error_code=502, times=SEND_ATTEMPTS)
        bot.clock.set(dt.datetime(2026, 3, 2, 2, 30, tzinfo=dt.UTC))  # 08:00 in India
        assert (await bot.push_tick()).failed == 1
        bot.clock.advance(minutes=1)
        assert (await bot.push_tick()).sent == 1
    parts = push_parts(fake_api.requests)
    assert (parts[USER, "fact"], parts[USER, "poll"]) == (1, 1)
