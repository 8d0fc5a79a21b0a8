"""End to end: the operators' commands (/admin, /reload), their menus, the gate, and error alerts."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import DEFAULT_CONTENT_DIR
from bot.render.texts import t
from tests.fakebot import FakeBotAPI
from tests.harness import RunningBot, reply_text, running_bot

ADMIN = 9001
USER = 501
GROUP = -100777
CHANNEL = -100888
OPERATOR_COMMANDS = ("/admin", "/reload", "/broadcast")


def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, target)
    return target


@pytest.fixture
async def bot(fake_api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[RunningBot]:
    fake_api.add_private_chat(ADMIN, "Ops", username="ops")
    fake_api.add_private_chat(USER, "Asha", username="asha")
    fake_api.add_group(GROUP, "UPSC 2027", admins=[USER], members={ADMIN: "Ops"})
    fake_api.add_channel(CHANNEL, "IOM daily", "iomdaily", admins=[USER])
    content = content_copy(tmp_path)
    async with running_bot(fake_api, tmp_path, ADMIN_IDS=str(ADMIN), CONTENT_DIR=str(content)) as running:
        yield running


def drop_questions(content: Path, topic: str, keep: int = 0, only: str | None = None) -> list[str]:
    """Rewrite a topic file without its questions after the first ``keep`` (or without the one
    question ``only``), and its language overlays without them, as an author would; the ids dropped."""
    path = content / "topics" / f"{topic}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    kept = [q for n, q in enumerate(data["questions"]) if (q["id"] != only if only else n < keep)]
    dropped = [q["id"] for q in data["questions"] if q not in kept]
    data["questions"] = kept
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for overlay in content.glob(f"*/{topic}.yaml"):
        if overlay.parent.name == "topics":
            continue
        translated = yaml.safe_load(overlay.read_text(encoding="utf-8"))
        translated["questions"] = {i: q for i, q in translated["questions"].items() if i not in dropped}
        overlay.write_text(yaml.safe_dump(translated, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dropped


def texts_to(fake: FakeBotAPI, chat_id: int) -> list[str]:
    return [str(c.params.get("text", "")) for c in fake.calls_to(chat_id) if c.method == "sendMessage"]


# --- menus ----------------------------------------------------------------------------------------
async def test_only_the_operators_private_chat_menu_has_the_operator_commands(bot: RunningBot) -> None:
    menus = bot.fake.commands
    mine = {c["command"] for c in menus[bot.fake.scope_key({"type": "chat", "chat_id": ADMIN})]}
    assert {"admin", "reload", "broadcast", "quiz", "help"} <= mine
    # The operator's own menu in each language (English, and Hindi for a client set to Hindi).
    own = {bot.fake.scope_key({"type": "chat", "chat_id": ADMIN}, code) for code in ("", "hi")}
    for key, menu in menus.items():
        if key not in own:
            assert not {"admin", "reload", "broadcast"} & {c["command"] for c in menu}, key


async def test_help_does_not_mention_the_operator_commands_to_anyone(bot: RunningBot) -> None:
    for chat in (USER, ADMIN):
        text = reply_text(await bot.say(chat, "/help"))
        assert "/admin" not in text and "/reload" not in text and "/broadcast" not in text


# --- the gate -------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", OPERATOR_COMMANDS)
async def test_a_non_admin_in_a_private_chat_gets_the_ordinary_unknown_command_reply(
    bot: RunningBot, command: str
) -> None:
    unknown = reply_text(await bot.say(USER, "/nosuchcommand"))
    bank = bot.ctx.bank
    calls = await bot.say(USER, f"{command} hello")
    assert reply_text(calls) == unknown == t("error.unknown_command")
    assert len(calls) == 2  # one reply each, nothing else
    await nothing_changed(bot, bank)


async def nothing_changed(bot: RunningBot, bank: object) -> None:
    assert bot.ctx.bank is bank
    assert await bot.ctx.repo.broadcasts_in("draft") == []
    assert texts_to(bot.fake, ADMIN) == []


@pytest.mark.parametrize("command", OPERATOR_COMMANDS)
@pytest.mark.parametrize("sender", [USER, ADMIN])
async def test_in_a_group_an_operator_command_is_an_unknown_command_for_anyone(
    bot: RunningBot, command: str, sender: int
) -> None:
    bank = bot.ctx.bank
    assert await bot.say(GROUP, f"{command} hello", user_id=sender) == []  # a bare unknown command: silence
    calls = await bot.say(GROUP, f"{command}@{bot.fake.bot_username} hello", user_id=sender)
    assert [c.params["text"] for c in calls] == [t("error.unknown_command")]
    await nothing_changed(bot, bank)


@pytest.mark.parametrize("command", OPERATOR_COMMANDS)
async def test_in_a_channel_an_operator_command_gets_nothing(bot: RunningBot, command: str) -> None:
    bank = bot.ctx.bank
    calls = await bot.say(CHANNEL, f"{command} hello")
    assert [c.method for c in calls if c.method.startswith("send")] == []
    await nothing_changed(bot, bank)


# --- /admin ---------------------------------------------------------------------------------------
async def test_admin_shows_users_chats_answers_push_store_and_content(bot: RunningBot) -> None:
    await bot.say(USER, "/subscribe")
    await bot.say(GROUP, "/help", user_id=USER)
    text = reply_text(await bot.say(ADMIN, "/admin"))
    counts = bot.ctx.bank
    assert "<b>Users</b> 2" in text
    assert "private 2, groups 1" in text
    assert "<b>Active subscriptions</b> 1" in text
    assert "<b>Answers</b> today 0, 7 days 0, all 0" in text
    assert f"{len(counts.topics)} topics, {len(counts.facts)} facts, {len(counts.questions)} questions" in text
    assert "studybot.sqlite3" in text and "KiB" in text


async def test_admin_counts_todays_push(bot: RunningBot) -> None:
    await bot.say(USER, "/subscribe")
    bot.clock.set(dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC))  # 08:30 in India: due
    before = reply_text(await bot.say(ADMIN, "/admin"))
    assert "due 1: sent 0 (late 0), failed 0, pending 1" in before
    await bot.push_tick()
    after = reply_text(await bot.say(ADMIN, "/admin"))
    assert "due 1: sent 1 (late 1), failed 0, pending 0" in after  # 30 minutes after its time


async def test_admin_counts_a_blocked_chat_as_deactivated(bot: RunningBot) -> None:
    await bot.say(USER, "/subscribe")
    bot.fake.block(USER)
    bot.clock.set(dt.datetime(2026, 3, 2, 2, 35, tzinfo=dt.UTC))
    await bot.push_tick()
    assert "blocked 1, removed 0" in reply_text(await bot.say(ADMIN, "/admin"))


# --- /reload --------------------------------------------------------------------------------------
async def test_reload_with_a_broken_file_keeps_the_old_bank_and_lists_the_problems(bot: RunningBot) -> None:
    bank = bot.ctx.bank
    broken = bot.ctx.settings.content_dir / "topics" / "iom-nepal.yaml"
    broken.write_text("topic: [unclosed\n", encoding="utf-8")
    text = reply_text(await bot.say(ADMIN, "/reload"))
    assert "has problems; the old one stays" in text and "iom-nepal.yaml" in text
    assert bot.ctx.bank is bank
    # The bot still works with the old bank.
    assert "Nepal" in reply_text(await bot.say(USER, "/topic iom nepal"))


async def test_reload_takes_a_valid_bank_and_says_what_was_added_and_removed(bot: RunningBot) -> None:
    old_count = len(bot.ctx.bank.questions)
    dropped = drop_questions(bot.ctx.settings.content_dir, "iom-nepal", keep=1)
    text = reply_text(await bot.say(ADMIN, "/reload"))
    assert text.startswith("✅ Bank reloaded")
    assert f"{old_count - len(dropped)} questions" in text
    removed = text.split("Removed:")[1]
    assert all(q in removed for q in dropped) and "Added: none" in text
    assert not set(dropped) & set(bot.ctx.bank.questions)
    # New quizzes come from the new bank only.
    for _ in range(3):
        bot.fake.send_text(USER, "/quiz iom nepal")
    polls = await bot.fake.wait_for_async("sendPoll", count=3)
    await bot.settle()
    for poll in polls:
        record = await bot.ctx.repo.get_poll(poll.result["poll"]["id"])
        assert record is not None and record.question_id not in dropped


async def test_a_poll_sent_before_a_reload_that_dropped_its_question_still_counts(bot: RunningBot) -> None:
    polls_before = len(bot.fake.calls("sendPoll"))
    bot.fake.send_text(USER, "/quiz iom nepal")
    sent = await bot.fake.wait_for_async("sendPoll", count=polls_before + 1)
    poll_id = sent[-1].result["poll"]["id"]
    await bot.settle()
    record = await bot.ctx.repo.get_poll(poll_id)
    assert record is not None
    assert drop_questions(bot.ctx.settings.content_dir, "iom-nepal", only=record.question_id) == [record.question_id]
    assert reply_text(await bot.say(ADMIN, "/reload")).startswith("✅")
    assert record.question_id not in bot.ctx.bank.questions
    await bot.answer(poll_id, USER, [record.correct_option])
    await bot.settle()
    stats = reply_text(await bot.say(USER, "/stats"))
    assert "1" in stats and t("stats.none") not in stats


# --- error alerts ---------------------------------------------------------------------------------
def _explode(bot: RunningBot, message: str) -> None:
    def find_topic(query: str, lang: str) -> Any:
        raise RuntimeError(message)

    bot.ctx.study.find_topic = find_topic  # type: ignore[method-assign]


async def test_an_error_reaches_the_operators_once_per_type_per_ten_minutes(bot: RunningBot) -> None:
    token = bot.fake.token
    _explode(bot, f"boom with {token} inside")
    long_query = "x" * 150
    await bot.say(USER, f"/topic {long_query}")
    await bot.settle()
    alerts = texts_to(bot.fake, ADMIN)
    assert len(alerts) == 1
    alert = alerts[0]
    assert "RuntimeError" in alert and "boom with" in alert and "Update: message" in alert
    assert "Handler: study.topic" in alert
    assert token not in alert and token.split(":")[1] not in alert
    shown = alert.split("Text: ")[1].split("\n")[0]
    assert len(shown) <= 100 and shown.startswith("/topic xxx")
    assert t("error.generic") in texts_to(bot.fake, USER)

    await bot.say(USER, "/topic again")
    bot.clock.advance(minutes=9)
    await bot.say(USER, "/topic again")
    await bot.settle()
    assert len(texts_to(bot.fake, ADMIN)) == 1
    bot.clock.advance(minutes=1)
    await bot.say(USER, "/topic and again")
    await bot.settle()
    assert len(texts_to(bot.fake, ADMIN)) == 2


async def test_another_error_type_is_alerted_separately(bot: RunningBot) -> None:
    _explode(bot, "one")
    await bot.say(USER, "/topic a")

    def find_topic(query: str, lang: str) -> Any:
        raise KeyError("two")

    bot.ctx.study.find_topic = find_topic  # type: ignore[method-assign]
    await bot.say(USER, "/topic b")
    await bot.settle()
    alerts = texts_to(bot.fake, ADMIN)
    assert len(alerts) == 2 and "RuntimeError" in alerts[0] and "KeyError" in alerts[1]


async def test_an_operator_telegram_does_not_know_yet_does_not_stop_the_start(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    fake_api.add_private_chat(ADMIN, "Ops")
    never_started = 9002  # never opened the bot's chat: setMyCommands for it is refused
    async with running_bot(fake_api, tmp_path, ADMIN_IDS=f"{ADMIN},{never_started}") as bot:
        menus = bot.fake.commands
        assert bot.fake.scope_key({"type": "chat", "chat_id": ADMIN}) in menus
        assert not any(key.startswith(f"chat:{never_started}") for key in menus)
        assert "<b>Users</b>" in reply_text(await bot.say(ADMIN, "/admin"))
