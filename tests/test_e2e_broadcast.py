"""End to end: /broadcast — preview, Confirm / Cancel, audiences, copies, progress, resume."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.delivery.broadcast import resume_broadcasts
from bot.render import callbacks
from bot.render.texts import t
from bot.storage.sqlite import SqliteRepository
from tests.fakebot import Call, FakeBotAPI
from tests.harness import START, RunningBot, running_bot

ADMIN = 9001
USERS = [601, 602, 603, 604]
GROUPS = [-100701, -100702]
CHANNEL = -100801


class TickingClock:
    """A manual clock that moves one second every time it is read: a broadcast's run then takes
    "time", so its progress edits (every 10 s of the clock) can be seen."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = start

    def now(self) -> dt.datetime:
        self._now += dt.timedelta(seconds=1)
        return self._now


def add_audience(fake: FakeBotAPI) -> None:
    fake.add_private_chat(ADMIN, "Ops")
    for user in USERS:
        fake.add_private_chat(user, f"U{user}")
    for group in GROUPS:
        fake.add_group(group, f"G{group}", admins=[USERS[0]])
    fake.add_channel(CHANNEL, "IOM daily", "iomdaily", admins=[USERS[0]])


async def meet_everyone(bot: RunningBot) -> None:
    """Every chat writes once, so the bot has it on record as an active chat."""
    for user in USERS:
        await bot.say(user, "/help")
    for group in GROUPS:
        await bot.say(group, "/help", user_id=USERS[0])
    await bot.say(CHANNEL, "/help")
    await bot.say(ADMIN, "/help")


@pytest.fixture
async def bot(fake_api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[RunningBot]:
    add_audience(fake_api)
    async with running_bot(fake_api, tmp_path, ADMIN_IDS=str(ADMIN)) as running:
        await meet_everyone(running)
        yield running


def buttons(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def preview(bot: RunningBot, text: str, **kwargs: Any) -> Call:
    calls = await bot.say(ADMIN, text, **kwargs)
    return calls[-1]


def received(fake: FakeBotAPI, chat_id: int, text: str) -> int:
    return sum(1 for m in fake.sent_messages(chat_id) if m.get("text") == text)


async def finished(bot: RunningBot, broadcast_id: int) -> str:
    """Wait for the summary that closes a broadcast; its text."""
    marker = f"Broadcast #{broadcast_id}</b> done"
    (call,) = await bot.fake.wait_for_async("editMessageText", lambda c: marker in str(c.params.get("text")))
    await bot.settle()
    return str(call.params["text"])


async def confirm(bot: RunningBot, shown: Call) -> tuple[int, str]:
    go = next(b for b in buttons(shown) if b.startswith("bc:go:"))
    broadcast_id = int(go.rsplit(":", 1)[1])
    await bot.press(ADMIN, ADMIN, shown.result["message_id"], go)
    return broadcast_id, await finished(bot, broadcast_id)


# --- preview and confirmation ---------------------------------------------------------------------
async def test_a_broadcast_is_previewed_with_its_audience_and_sent_once_to_every_active_chat(
    bot: RunningBot,
) -> None:
    shown = await preview(bot, "/broadcast Mock test on <b>Sunday</b>, 10:00")
    everyone = len(USERS) + len(GROUPS) + 1 + 1  # and the operator's own chat
    assert f"to {everyone} chats (every active chat)" in shown.params["text"]
    # Typed text stays text: the message's own formatting (entities) is kept, brackets are not markup.
    assert "Mock test on &lt;b&gt;Sunday&lt;/b&gt;, 10:00" in shown.params["text"]
    assert len(buttons(shown)) == 2
    broadcast_id, summary = await confirm(bot, shown)
    assert f"sent {everyone} of {everyone}" in summary
    for chat in [*USERS, *GROUPS, CHANNEL, ADMIN]:
        assert received(bot.fake, chat, "Mock test on <b>Sunday</b>, 10:00") == 1, chat
    # Pressed again: nothing more is sent.
    await bot.press(ADMIN, ADMIN, shown.result["message_id"], callbacks.broadcast_confirm(broadcast_id))
    await bot.settle()
    assert received(bot.fake, USERS[0], "Mock test on <b>Sunday</b>, 10:00") == 1


@pytest.mark.parametrize(
    ("audience", "chats", "others"),
    [
        ("private", [*USERS, ADMIN], [*GROUPS, CHANNEL]),
        ("groups", GROUPS, [*USERS, CHANNEL]),
        ("channels", [CHANNEL], [*USERS, *GROUPS]),
    ],
)
async def test_an_audience_limits_the_broadcast(
    bot: RunningBot, audience: str, chats: list[int], others: list[int]
) -> None:
    shown = await preview(bot, f"/broadcast {audience} Only for you")
    assert f"to {len(chats)} chat" in shown.params["text"]
    await confirm(bot, shown)
    assert all(received(bot.fake, c, "Only for you") == 1 for c in chats)
    assert not any(received(bot.fake, c, "Only for you") for c in others)


async def test_cancel_sends_nothing(bot: RunningBot) -> None:
    shown = await preview(bot, "/broadcast Never mind")
    await bot.press(ADMIN, ADMIN, shown.result["message_id"], next(b for b in buttons(shown) if "no:" in b))
    assert "cancelled" in bot.fake.calls("editMessageText", ADMIN)[-1]["text"]
    go = next(b for b in buttons(shown) if "go:" in b)
    await bot.press(ADMIN, ADMIN, shown.result["message_id"], go)
    await bot.settle()
    assert not any(received(bot.fake, c, "Never mind") for c in USERS)
    assert bot.fake.callback_answers and t("broadcast.gone") in str(list(bot.fake.callback_answers.values())[-1])


async def test_broadcast_without_text_or_reply_says_how(bot: RunningBot) -> None:
    shown = await preview(bot, "/broadcast")
    assert shown.params["text"] == t("broadcast.usage")
    assert await bot.ctx.repo.broadcasts_in("draft") == []


async def test_a_reply_is_copied_to_every_chat(bot: RunningBot) -> None:
    original = bot.fake.send_text(ADMIN, "Results are out")["message"]
    await bot.settle()
    shown = await preview(bot, "/broadcast groups", reply_to=original["message_id"])
    assert t("broadcast.preview_copy") in shown.params["text"]
    await confirm(bot, shown)
    copies = bot.fake.calls("copyMessage")
    assert sorted(c["chat_id"] for c in copies) == sorted(GROUPS)
    assert all(received(bot.fake, g, "Results are out") == 1 for g in GROUPS)


async def test_a_chat_that_blocked_the_bot_is_deactivated_and_the_rest_still_get_it(bot: RunningBot) -> None:
    bot.fake.block(USERS[1])
    shown = await preview(bot, "/broadcast private Hello all")
    _, summary = await confirm(bot, shown)
    assert "deactivated 1" in summary
    chat = await bot.ctx.chat_settings.get(USERS[1])
    assert chat is not None and not chat.active
    assert all(received(bot.fake, u, "Hello all") == 1 for u in USERS if u != USERS[1])


# --- who may --------------------------------------------------------------------------------------
@pytest.mark.parametrize("chat_id", [USERS[0], GROUPS[0]])
async def test_a_forged_confirm_press_by_anyone_else_is_a_stale_button(bot: RunningBot, chat_id: int) -> None:
    shown = await preview(bot, "/broadcast Secret")
    broadcast_id = int(next(b for b in buttons(shown) if "go:" in b).rsplit(":", 1)[1])
    message = bot.fake.send_text(chat_id, "x", user_id=USERS[0])["message"]
    await bot.press(chat_id, USERS[0], message["message_id"], callbacks.broadcast_confirm(broadcast_id))
    await bot.settle()
    assert list(bot.fake.callback_answers.values())[-1]["text"] == t("error.stale_button")
    assert not any(received(bot.fake, c, "Secret") for c in USERS)
    record = await bot.ctx.repo.get_broadcast(broadcast_id)
    assert record is not None and record.state == "draft"


# --- progress and resume --------------------------------------------------------------------------
async def test_the_progress_message_is_edited_about_every_ten_seconds_of_the_clock(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    add_audience(fake_api)
    for n in range(40):
        fake_api.add_private_chat(7000 + n, f"S{n}")
    clock: Any = TickingClock(START)
    async with running_bot(fake_api, tmp_path, clock=clock, ADMIN_IDS=str(ADMIN)) as bot:
        await meet_everyone(bot)
        for n in range(40):
            await bot.say(7000 + n, "/help")
        shown = await preview(bot, "/broadcast private Tick")
        broadcast_id, summary = await confirm(bot, shown)
    edits = [c["text"] for c in fake_api.calls("editMessageText", ADMIN)]
    progress = [e for e in edits if f"#{broadcast_id}</b>:" in e]
    # 45 chats, several clock reads each: more than one progress edit, far fewer than one a chat.
    assert 2 <= len(progress) <= 30
    assert "sent 45 of 45" in summary


async def test_an_interrupted_broadcast_resumes_and_sends_each_chat_once(bot: RunningBot) -> None:
    repo = bot.ctx.repo
    assert isinstance(repo, SqliteRepository)
    now = bot.clock.now()
    broadcast_id = await repo.create_broadcast(ADMIN, "private", "Resumed", None, now)
    assert await repo.set_broadcast_state(broadcast_id, "draft", "running", now)
    # A previous process sent to two chats and died while sending to a third.
    for user in USERS[:2]:
        assert await repo.claim_broadcast(broadcast_id, user, "dead-run", now)
        await repo.finish_broadcast(broadcast_id, user, "sent", now)
    assert await repo.claim_broadcast(broadcast_id, USERS[2], "dead-run", now)
    assert await resume_broadcasts(bot.application.bot, bot.ctx) == 1
    await bot.fake.wait_for_async("sendMessage", lambda c: c.params.get("text") == "Resumed", count=3)
    for _ in range(50):
        record = await repo.get_broadcast(broadcast_id)
        if record is not None and record.state == "done":
            break
        await bot.settle()
    assert record is not None and record.state == "done"
    assert [received(bot.fake, u, "Resumed") for u in USERS] == [0, 0, 1, 1]
    assert received(bot.fake, ADMIN, "Resumed") == 1
    assert await repo.broadcast_tally(broadcast_id) == {"sent": len(USERS) + 1}
