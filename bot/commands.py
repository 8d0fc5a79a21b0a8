"""The bot's commands, listed once: /help and every scope's command menu are built from this."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Flag, auto


class Scope(Flag):
    PRIVATE = auto()
    GROUP = auto()
    #: Settings commands: in groups only administrators may use them.
    GROUP_ADMIN = auto()
    CHANNEL = auto()


EVERYWHERE = Scope.PRIVATE | Scope.GROUP | Scope.GROUP_ADMIN
SETTINGS = Scope.PRIVATE | Scope.GROUP_ADMIN | Scope.CHANNEL


@dataclass(frozen=True)
class CommandSpec:
    name: str
    scopes: Scope

    @property
    def description_key(self) -> str:
        return f"cmd.{self.name}"


#: In menu order. A command is listed once its handler exists (see bot/handlers/__init__.py).
COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("fact", EVERYWHERE),
    CommandSpec("quiz", EVERYWHERE),
    CommandSpec("topics", EVERYWHERE),
    CommandSpec("topic", EVERYWHERE),
    CommandSpec("stats", EVERYWHERE | Scope.CHANNEL),
    CommandSpec("leaderboard", Scope.GROUP | Scope.GROUP_ADMIN),
    # Personal commands work in groups too, by a link to the private chat.
    CommandSpec("review", EVERYWHERE),
    CommandSpec("mistakes", EVERYWHERE),
    CommandSpec("test", EVERYWHERE),
    CommandSpec("mains", EVERYWHERE),
    CommandSpec("subscribe", SETTINGS),
    CommandSpec("unsubscribe", SETTINGS),
    CommandSpec("settime", SETTINGS),
    CommandSpec("timezone", SETTINGS),
    CommandSpec("pause", SETTINGS),
    CommandSpec("resume", SETTINGS),
    CommandSpec("settings", EVERYWHERE | Scope.CHANNEL),
    CommandSpec("export", Scope.PRIVATE),
    CommandSpec("forget", Scope.PRIVATE),
    CommandSpec("help", EVERYWHERE),
    CommandSpec("start", Scope.PRIVATE),
)


def commands_for(scope: Scope) -> list[CommandSpec]:
    """The commands shown in one scope's menu (admins see the group commands too)."""
    wanted = scope | Scope.GROUP if scope == Scope.GROUP_ADMIN else scope
    return [c for c in COMMANDS if c.scopes & wanted]
