"""The command registry and the callback-data module: declared once, and every part agrees."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import CommandHandler

from bot.handlers.registry import COMMANDS, Scope, admin_only_commands, commands_for, help_sections
from bot.render import callbacks
from bot.render.callbacks import Action
from bot.render.texts import t
from tests.fakebot import FakeBotAPI
from tests.harness import RunningBot, running_bot


def test_help_groups_every_command_and_admins_have_only_settings_beyond_members() -> None:
    for scope in (Scope.PRIVATE, Scope.GROUP, Scope.GROUP_ADMIN):
        listed = [c for _, commands in help_sections(scope) for c in commands]
        assert sorted(c.name for c in listed) == sorted(c.name for c in commands_for(scope))
        for group, _ in help_sections(scope):
            assert t(f"help.group.{group.value}") != f"help.group.{group.value}"
    extra = {c.name for c in admin_only_commands()}
    assert {"subscribe", "settime", "pause"} <= extra and not extra & {"quiz", "help", "leaderboard"}


def test_every_command_is_declared_once_with_a_description() -> None:
    names = [c.name for c in COMMANDS]
    assert len(names) == len(set(names))
    for command in COMMANDS:
        assert t(command.description_key) != command.description_key
        assert command.scopes & (Scope.PRIVATE | Scope.GROUP | Scope.GROUP_ADMIN | Scope.CHANNEL | Scope.OPERATOR)


async def test_every_command_handler_has_a_menu_entry_and_every_menu_entry_a_handler(bot: RunningBot) -> None:
    handled = {
        name
        for handlers in bot.application.handlers.values()
        for handler in handlers
        if isinstance(handler, CommandHandler)
        for name in handler.commands
    }
    in_menus = {entry["command"] for menu in bot.fake.commands.values() for entry in menu}
    channel_only = {c.name for c in commands_for(Scope.CHANNEL)} - in_menus  # Telegram has no channel menus
    assert handled == in_menus | channel_only
    assert handled == {c.name for c in COMMANDS}


@pytest.mark.parametrize(
    ("data", "action", "value"),
    [
        (callbacks.topic_page("iom-basics"), Action.TOPIC_PAGE, "iom-basics"),
        (callbacks.fact(callbacks.ALL), Action.FACT, "*"),
        (callbacks.quiz("colombo-process"), Action.QUIZ, "colombo-process"),
        (callbacks.setting("time:07:00"), Action.SETTING, "time:07:00"),
        (callbacks.subscribe("iom-nepal"), Action.SUBSCRIBE, "iom-nepal"),
        (callbacks.timezone("Asia/Kolkata"), Action.TIMEZONE, "Asia/Kolkata"),
        (callbacks.review_more(), Action.REVIEW, "go"),
        (callbacks.mistake_page(3), Action.MISTAKES, "3"),
        (callbacks.test_start("iom-basics"), Action.TEST, "go:iom-basics"),
        (callbacks.test_quit(), Action.TEST, "quit"),
        (callbacks.mains_another(callbacks.ALL), Action.MAINS, "go:*"),
        (callbacks.mains_key_points("iom-basics-m01"), Action.MAINS, "key:iom-basics-m01"),
        (callbacks.forget(True), Action.FORGET, "yes"),
        (callbacks.weak_topic("iom-india"), Action.WEAK_TOPIC, "iom-india"),
        (callbacks.topic_summary("iom-india"), Action.TOPIC_SUMMARY, "iom-india"),
        (callbacks.topics_list(), Action.TOPICS, "*"),
        (callbacks.stats_view(True), Action.STATS, "all"),
        (callbacks.stats_view(False), Action.STATS, "here"),
        (callbacks.broadcast_confirm(12), Action.BROADCAST, "go:12"),
        (callbacks.broadcast_cancel(12), Action.BROADCAST, "no:12"),
    ],
)
def test_every_encoder_decodes_back(data: str, action: Action, value: str) -> None:
    assert callbacks.decode(data) == callbacks.Pressed(action, value)
    assert callbacks.pattern(action).match(data)


@pytest.mark.parametrize("data", [None, "", "zz:1", "fact", "page", "ß:x", ":x"])
def test_data_no_button_of_ours_carries_decodes_to_nothing(data: str | None) -> None:
    assert callbacks.decode(data) is None


def test_an_encoder_refuses_data_over_telegrams_64_bytes() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        callbacks.timezone("x" * 70)


def test_operator_commands_are_in_no_menu_but_the_operators() -> None:
    operator_only = {c.name for c in COMMANDS if c.scopes == Scope.OPERATOR}
    assert {"admin", "reload", "broadcast"} <= operator_only
    for scope in (Scope.PRIVATE, Scope.GROUP, Scope.GROUP_ADMIN, Scope.CHANNEL):
        assert not operator_only & {c.name for c in commands_for(scope)}
    assert operator_only | {c.name for c in commands_for(Scope.PRIVATE)} == {
        c.name for c in commands_for(Scope.OPERATOR)
    }


#: An operator whose private chat gets the operator menu, so every handler has a menu entry.
OPERATOR = 9001


@pytest.fixture
async def bot(fake_api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[RunningBot]:
    fake_api.add_private_chat(OPERATOR, "Ops")
    async with running_bot(fake_api, tmp_path, ADMIN_IDS=str(OPERATOR)) as running:
        yield running
