"""Security: what only admins (of a chat, or the bot's operators) may do is refused to everyone else,
in every kind of chat, and changes nothing in the store; forged button data acts on nobody else;
the webhook handles nothing without its secret. (The log scan is conftest.py's, on every test.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import WEBHOOK_PORT_KEY
from bot.render.texts import t
from tests.reliability.botkit import (
    ADMIN,
    ASHA,
    CHANNEL,
    GROUP,
    OPERATOR,
    RAVI,
    SUPERGROUP,
    WEBHOOK_SECRET,
    LeakScanner,
    LiveBot,
    live_bot,
)

#: What an admin-only action could change: each chat's settings, quiz sessions, broadcasts, the
#: push ledger, mock tests, and every user's answers and review cards (who wrote is recorded, rightly).
GUARDED = {
    "chat settings": "SELECT chat_id, type, timezone, push_time, push_topic, subscribed, active, paused_until,"
    " push_size FROM chats ORDER BY chat_id",
    "quiz sessions": "SELECT * FROM quiz_sessions ORDER BY session_id",
    "quiz session items": "SELECT * FROM quiz_session_items ORDER BY session_id, position",
    "broadcasts": "SELECT * FROM broadcasts ORDER BY broadcast_id",
    "broadcast ledger": "SELECT * FROM broadcast_deliveries ORDER BY broadcast_id, chat_id",
    "push ledger": "SELECT * FROM deliveries ORDER BY chat_id, local_date",
    "mock tests": "SELECT * FROM mock_tests ORDER BY test_id",
    "answers": "SELECT * FROM answers ORDER BY poll_id, user_id",
    "review cards": "SELECT * FROM review_cards ORDER BY user_id, question_id",
}


def guarded(live: LiveBot) -> dict[str, list[tuple[Any, ...]]]:
    return {name: live.query(sql) for name, sql in GUARDED.items()}


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[LiveBot]:
    async with live_bot(tmp_path / "store.sqlite3") as bot:
        yield bot


async def say(live: LiveBot, chat_id: int, text: str, user_id: int | None = None) -> dict[str, Any]:
    """``user_id`` writes ``text`` (a channel's post when ``chat_id`` is the channel); returns the bot's
    newest message there afterwards."""
    fields: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        fields["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if chat_id == CHANNEL:
        message = live.fake.incoming_message(chat_id, fields, sender_chat_id=CHANNEL)
        await live.deliver({"channel_post": message})
    else:
        message = live.fake.incoming_message(chat_id, fields, user_id=user_id if user_id is not None else chat_id)
        await live.deliver({"message": message})
    sent = live.fake.sent_messages(chat_id)
    return sent[-1] if sent else {}


async def press(live: LiveBot, chat_id: int, user_id: int, message_id: int, data: str) -> str | None:
    """A press; returns the text the bot answered it with."""
    update = live.fake.press_button(chat_id, user_id, message_id, data)
    await live.handled(update)
    answer = live.fake.callback_answers.get(update["callback_query"]["id"], {})
    return answer.get("text")


def buttons(message: dict[str, Any]) -> list[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


def addressed(command: str) -> str:
    """``/quiz 5`` → ``/quiz@studybot_test_bot 5``."""
    name, _, rest = command.partition(" ")
    return f"{name}@studybot_test_bot" + (f" {rest}" if rest else "")


def assert_clean(live: LiveBot) -> None:
    assert live.unexpected_errors(faults_injected=False) == []
    assert live.rejected_calls(faults_injected=False) == []


GROUP_ADMIN_COMMANDS = (
    "/subscribe",
    "/subscribe colombo",
    "/unsubscribe",
    "/settime 07:30",
    "/timezone IST",
    "/pause 3",
    "/resume",
    "/quiz 5",
    "/quiz 2 colombo",
    "/quiz stop",
    "/test",
    "/test stop",
)


@pytest.mark.parametrize("chat_id", [GROUP, SUPERGROUP], ids=["group", "supergroup"])
async def test_a_member_changes_no_setting_and_runs_no_session_in_a_group(live: LiveBot, chat_id: int) -> None:
    await say(live, chat_id, "/subscribe", ADMIN)
    await say(live, chat_id, "/quiz 3", ADMIN)  # a session runs: a member must not stop it
    before = guarded(live)
    for command in GROUP_ADMIN_COMMANDS:
        for text in (command, addressed(command)):
            await say(live, chat_id, text, ASHA)
            assert guarded(live) == before, f"{text!r} by a member changed the store"
    replies = [c["text"] for c in live.fake.calls("sendMessage", chat_id)]
    assert replies.count(t("admin.only")) >= 2 * 7  # every settings command, each both ways
    assert t("session.admins_only") in replies
    assert_clean(live)


@pytest.mark.parametrize("chat_id", [GROUP, SUPERGROUP, CHANNEL], ids=["group", "supergroup", "channel"])
async def test_no_settings_button_works_for_a_member(live: LiveBot, chat_id: int) -> None:
    keyboard = await say(live, chat_id, "/settings", ADMIN)
    data = buttons(keyboard)
    assert data, "the admin got no settings buttons"
    before = guarded(live)
    for datum in data:
        answer = await press(live, chat_id, ASHA, keyboard["message_id"], datum)
        assert answer == t("admin.only"), datum
        assert guarded(live) == before, f"{datum!r} pressed by a member changed the store"
    assert_clean(live)


OPERATOR_COMMANDS = ("/admin", "/reload", "/broadcast Hello all", "/broadcast groups Hello", "/broadcast channels x")


@pytest.mark.parametrize(
    ("chat_id", "user_id"),
    [(ASHA, ASHA), (ADMIN, ADMIN), (GROUP, ADMIN), (SUPERGROUP, ASHA), (CHANNEL, None)],
    ids=["private", "group-admin-privately", "group", "supergroup", "channel"],
)
async def test_operator_commands_are_unknown_to_anyone_else(live: LiveBot, chat_id: int, user_id: int | None) -> None:
    bank = live.run.ctx.bank
    await say(live, chat_id, "/topics@studybot_test_bot", user_id)  # the chat and its user are on record
    before, earlier = guarded(live), len(live.fake.calls("sendMessage", chat_id))
    for command in OPERATOR_COMMANDS:
        for text in (command, addressed(command)):
            await say(live, chat_id, text, user_id)
    replies = {c["text"] for c in live.fake.calls("sendMessage", chat_id)[earlier:]}
    # A private chat hears the ordinary "unknown command"; a group or channel, only when addressed.
    assert replies <= {t("error.unknown_command")}
    assert guarded(live) == before and live.run.ctx.bank is bank
    assert_clean(live)


async def test_a_broadcast_preview_obeys_only_its_operator(live: LiveBot) -> None:
    preview = await say(live, OPERATOR, "/broadcast Study at 8")
    go, no = sorted(buttons(preview))  # bc:go:N, bc:no:N
    mine = await say(live, RAVI, "/topics")
    await say(live, SUPERGROUP, "/topics@studybot_test_bot", ASHA)
    before = guarded(live)
    for chat_id, user_id, message_id in (
        (OPERATOR, RAVI, preview["message_id"]),  # forged: someone else pressing in the operator's chat
        (RAVI, RAVI, mine["message_id"]),  # forged data under one's own message
        (SUPERGROUP, ASHA, 1),
    ):
        for datum in (go, no):
            assert await press(live, chat_id, user_id, message_id, datum) == t("error.stale_button")
    assert guarded(live) == before
    assert live.query("SELECT state FROM broadcasts") == [("draft",)]
    assert_clean(live)


async def test_personal_buttons_pressed_in_someone_elses_chat_act_on_nobody(live: LiveBot) -> None:
    await say(live, ASHA, "/quiz")
    poll_id = next(iter(live.fake.polls))
    update = live.fake.answer_poll(poll_id, ASHA, [0])
    await live.handled(update)
    forget = await say(live, ASHA, "/forget")
    test = await say(live, ASHA, "/test")
    settings = await say(live, ASHA, "/settings")
    before = guarded(live)
    forged = [(forget, d) for d in buttons(forget)] + [(test, d) for d in buttons(test)]
    forged += [(settings, d) for d in buttons(settings)]
    assert len(forged) >= 4
    for message, datum in forged:
        answer = await press(live, ASHA, RAVI, message["message_id"], datum)
        assert answer == t("error.stale_button"), datum
    assert guarded(live) == before  # Asha's answer, card, test and settings
    assert_clean(live)


# --- the webhook ---------------------------------------------------------------------------------
WEBHOOK: dict[str, Any] = {"WEBHOOK_URL": "https://bot.example.org/tg/hook", "WEBHOOK_SECRET": WEBHOOK_SECRET}
WRONG_SECRETS: list[dict[str, str]] = [
    {},
    {"X-Telegram-Bot-Api-Secret-Token": ""},
    {"X-Telegram-Bot-Api-Secret-Token": "guess"},
    {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET + "x"},
    {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET[:-1]},
    {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET.upper()},
    {"X-Telegram-Bot-Api-Secret-Token": f"{WEBHOOK_SECRET}{WEBHOOK_SECRET}"},
    {"X-Telegram-Bot-Api-Secret": WEBHOOK_SECRET},
    {"Authorization": f"Bearer {WEBHOOK_SECRET}"},
]


async def test_the_webhook_handles_nothing_without_its_secret(tmp_path: Path) -> None:
    async with live_bot(tmp_path / "store.sqlite3", PORT=0, WEBHOOK_LISTEN="127.0.0.1", **WEBHOOK) as live:
        fake = live.fake
        updates = [
            {
                "update_id": 1,
                "message": fake.incoming_message(ASHA, {"text": "/subscribe", "entities": [_cmd(10)]}, user_id=ASHA),
            },
            {
                "update_id": 2,
                "message": fake.incoming_message(GROUP, {"text": "/quiz 3", "entities": [_cmd(5)]}, user_id=ADMIN),
            },
            {
                "update_id": 3,
                "channel_post": fake.incoming_message(
                    CHANNEL, {"text": "/subscribe", "entities": [_cmd(10)]}, sender_chat_id=CHANNEL
                ),
            },
            {"update_id": 4, "poll_answer": {"poll_id": "1", "user": fake.add_user(RAVI, "Ravi"), "option_ids": [0]}},
            {"update_id": 5, "my_chat_member": fake.set_bot_status(GROUP, "kicked", ADMIN)["my_chat_member"]},
        ]
        port = live.run.application.bot_data[WEBHOOK_PORT_KEY]
        store_before = _whole_store(live)
        calls_before = len(fake.requests)
        async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{port}") as http:
            for update in updates:
                for headers in WRONG_SECRETS:
                    for path in ("/tg/hook", f"/tg/hook?secret_token={WEBHOOK_SECRET}"):
                        async with http.post(path, json=update, headers=headers) as response:
                            assert response.status == 403, (headers, path)
            assert _whole_store(live) == store_before
            assert len(fake.requests) == calls_before  # not one Bot API call
            headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
            async with http.post("/tg/hook", json=updates[0], headers=headers) as response:
                assert response.status == 200  # the same update, with the secret, is handled
        assert _whole_store(live) != store_before


def _cmd(length: int) -> dict[str, Any]:
    return {"type": "bot_command", "offset": 0, "length": length}


def _whole_store(live: LiveBot) -> dict[str, list[tuple[Any, ...]]]:
    tables = [
        r[0] for r in live.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    ]
    return {table: sorted(live.query(f"SELECT * FROM {table}"), key=repr) for table in tables}


async def test_a_webhook_bot_at_debug_logs_neither_its_token_nor_its_secret(
    tmp_path: Path, logs_never_show_secrets: LeakScanner
) -> None:
    async with live_bot(tmp_path / "store.sqlite3", PORT=0, WEBHOOK_LISTEN="127.0.0.1", **WEBHOOK):
        pass
    # PTB logged its API URL and setWebhook's parameters at DEBUG: both went out redacted.
    assert logs_never_show_secrets.redacted >= 2
    assert logs_never_show_secrets.leaks == []
