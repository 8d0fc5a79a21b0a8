"""``python -m bot`` as a subprocess: a broadcast killed with SIGKILL mid-way resumes at the next
start, and every chat gets it once (only the send in flight at the kill may come twice)."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from pathlib import Path

from bot.render.locale import number
from bot.services.broadcast import IN_FLIGHT
from bot.storage.sqlite import SqliteRepository
from tests.fakebot import Call, FakeBotAPI
from tests.test_e2e_process import bot_env

ADMIN = 8000
FIRST_CHAT = 100_000
CHATS = 3000
TEXT = "Prelims mock test on Sunday"


async def known_chats(fake: FakeBotAPI, db_path: Path) -> list[int]:
    """Chats the bot has met (active, in the store) and the fake knows."""
    chats = list(range(FIRST_CHAT, FIRST_CHAT + CHATS))
    repo = await SqliteRepository.open(db_path)
    try:
        async with repo.transaction():
            for chat_id in chats:
                fake.add_private_chat(chat_id, f"Student {chat_id}")
                await repo.upsert_chat(chat_id, "private", f"Student {chat_id}", None)
    finally:
        await repo.close()
    return chats


async def start_bot(fake: FakeBotAPI, tmp_path: Path) -> asyncio.subprocess.Process:
    # The log goes to a file: a full stderr pipe would stall a child nobody reads from.
    with (tmp_path / "bot.log").open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, stdout=asyncio.subprocess.DEVNULL, stderr=log,
            env=bot_env(fake, tmp_path, ADMIN_IDS=str(ADMIN), PUSH_RATE_PER_SECOND="400"),
        )  # fmt: skip
    return process


def broadcast_sends(fake: FakeBotAPI) -> Counter[int]:
    return Counter(int(c["chat_id"]) for c in fake.calls("sendMessage") if c.get("text") == TEXT)


def is_summary(call: Call) -> bool:
    return "done: sent" in str(call.params.get("text"))


async def test_a_broadcast_killed_midway_resumes_and_reaches_every_chat_once(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    fake_api.add_private_chat(ADMIN, "Ops")
    chats = await known_chats(fake_api, tmp_path / "data" / "bot.sqlite3")
    first = await start_bot(fake_api, tmp_path)
    try:
        await fake_api.wait_for_long_poll_async(timeout=30)
        fake_api.send_text(ADMIN, f"/broadcast private {TEXT}")
        (preview,) = await fake_api.wait_for_async(
            "sendMessage", lambda c: "Send it?" in str(c.params.get("text")), timeout=30
        )
        assert f"to {CHATS + 1} chats" in preview.params["text"]
        go = next(b["callback_data"] for b in preview.params["reply_markup"]["inline_keyboard"][0])
        fake_api.press_button(ADMIN, ADMIN, preview.result["message_id"], go)
        await fake_api.wait_for_async("sendMessage", lambda c: c.params.get("text") == TEXT, count=400, timeout=60)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    before = broadcast_sends(fake_api)
    assert 400 <= len(before) < len(chats), "the kill came too late to interrupt the broadcast"

    second = await start_bot(fake_api, tmp_path)
    try:
        (summary,) = await fake_api.wait_for_async("editMessageText", is_summary, timeout=120)
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 15) == 0
    sends = broadcast_sends(fake_api)
    assert set(sends) == {*chats, ADMIN}
    twice = [chat for chat, n in sends.items() if n > 1]
    assert len(twice) <= IN_FLIGHT, twice  # only the send in flight at the kill
    everyone = number(CHATS + 1, "en")  # counts are grouped: 3,001
    assert f"sent {everyone} of {everyone}" in str(summary.params["text"])
    assert "before a restart" in str(summary.params["text"])
