"""Every command, declared once — name, where it is offered, its description and its handler —
and every handler registered in one place, in a deliberate order.

``register()`` and the command menus (``set_command_menus`` in bot/app.py, /help) are both built
from ``COMMANDS``, so a command cannot have a handler without a menu entry or the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from enum import Flag, StrEnum, auto
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    PollAnswerHandler,
    PollHandler,
    TypeHandler,
    filters,
)

from bot.context import StudyApplication, StudyContext
from bot.handlers import answers, basics, errors, groups, inline, learning, operators, settings, stats, study
from bot.handlers.support import is_stale_press, remember
from bot.render import callbacks, keyboards
from bot.render.callbacks import Action
from bot.render.keyboards import DeepLink

Callback = Callable[[Update, StudyContext], Coroutine[Any, Any, None]]


class Scope(Flag):
    PRIVATE = auto()
    GROUP = auto()
    #: Settings commands: in groups only administrators may use them.
    GROUP_ADMIN = auto()
    CHANNEL = auto()
    #: The operators' commands (ADMIN_IDS): only in each operator's private-chat menu.
    OPERATOR = auto()


EVERYWHERE = Scope.PRIVATE | Scope.GROUP | Scope.GROUP_ADMIN
SETTINGS = Scope.PRIVATE | Scope.GROUP_ADMIN | Scope.CHANNEL


class Group(StrEnum):
    """What a command is for: /help shows the commands by group, in this order."""

    STUDY = "study"
    PRACTICE = "practice"
    DAILY = "daily"
    DATA = "data"
    BASICS = "basics"


@dataclass(frozen=True)
class Command:
    name: str
    scopes: Scope
    callback: Callback
    group: Group

    @property
    def description_key(self) -> str:
        return f"cmd.{self.name}"


#: In menu order.
COMMANDS: tuple[Command, ...] = (
    Command("fact", EVERYWHERE, study.fact, Group.STUDY),
    Command("quiz", EVERYWHERE, study.quiz, Group.STUDY),
    Command("topics", EVERYWHERE, study.topics, Group.STUDY),
    Command("topic", EVERYWHERE, study.topic, Group.STUDY),
    Command("stats", EVERYWHERE | Scope.CHANNEL, stats.stats, Group.PRACTICE),
    Command("leaderboard", Scope.GROUP | Scope.GROUP_ADMIN, groups.leaderboard, Group.PRACTICE),
    # Personal commands work in groups too, by a link to the private chat.
    Command("review", EVERYWHERE, learning.review, Group.PRACTICE),
    Command("mistakes", EVERYWHERE, learning.mistakes, Group.PRACTICE),
    Command("test", EVERYWHERE, learning.test, Group.PRACTICE),
    Command("mains", EVERYWHERE, learning.mains, Group.STUDY),
    Command("subscribe", SETTINGS, settings.subscribe, Group.DAILY),
    Command("unsubscribe", SETTINGS, settings.unsubscribe, Group.DAILY),
    Command("settime", SETTINGS, settings.settime, Group.DAILY),
    Command("timezone", SETTINGS, settings.timezone, Group.DAILY),
    Command("pause", SETTINGS, settings.pause, Group.DAILY),
    Command("resume", SETTINGS, settings.resume, Group.DAILY),
    Command("settings", EVERYWHERE | Scope.CHANNEL, settings.show_settings, Group.DAILY),
    Command("language", SETTINGS, settings.language, Group.BASICS),
    Command("export", Scope.PRIVATE, learning.export, Group.DATA),
    Command("forget", Scope.PRIVATE, learning.forget, Group.DATA),
    Command("help", EVERYWHERE, basics.help_command, Group.BASICS),
    Command("start", Scope.PRIVATE, basics.start, Group.BASICS),
    # Gated in the handler: anyone else gets the unknown-command reply.
    Command("admin", Scope.OPERATOR, operators.admin, Group.BASICS),
    Command("reload", Scope.OPERATOR, operators.reload, Group.BASICS),
    Command("broadcast", Scope.OPERATOR, operators.broadcast, Group.BASICS),
)

#: ``/start <payload>`` from a group's "open the private chat" button runs that command there.
DEEP_LINKS: dict[str, Callback] = {
    "review": learning.review,
    "mistakes": learning.mistakes,
    "export": learning.export,
    "forget": learning.forget,
    keyboards.STATS_ALL_PAYLOAD: stats.stats_everywhere,
}


def help_sections(scope: Scope) -> list[tuple[Group, list[Command]]]:
    """/help's sections: the commands of one scope, by group, in :class:`Group` order (empty groups left out)."""
    offered = commands_for(scope)
    sections = [(group, [c for c in offered if c.group is group]) for group in Group]
    return [(group, commands) for group, commands in sections if commands]


def admin_only_commands() -> list[Command]:
    """The commands a group's admins have beyond its members (the settings)."""
    members = set(commands_for(Scope.GROUP))
    return [c for c in commands_for(Scope.GROUP_ADMIN) if c not in members]


def commands_for(scope: Scope) -> list[Command]:
    """The commands shown in one scope's menu (group admins see the group commands too; an
    operator's private chat has the private commands and the operator's)."""
    wanted = scope
    if scope == Scope.GROUP_ADMIN:
        wanted |= Scope.GROUP
    elif scope == Scope.OPERATOR:
        wanted |= Scope.PRIVATE
    return [c for c in COMMANDS if c.scopes & wanted]


#: ``/start <prefix><id>`` from a shared link or an inline result: a topic page, a quiz on a topic,
#: one given question. Each says False when the id is not in the bank (then /start greets).
LINKED_ITEMS: dict[str, Callable[[Update, StudyContext, str], Coroutine[Any, Any, bool]]] = {
    DeepLink.TOPIC: study.topic_link,
    DeepLink.QUIZ: study.quiz_link,
    DeepLink.QUESTION: study.question_link,
}


async def run_deep_link(update: Update, context: StudyContext, payload: str) -> bool:
    """Run the command a deep link names (``review``, ``test_<topic>``, ``topic_<id>``,
    ``quiz_<topic>``, ``q_<question id>`` …); False when none."""
    name, _, topic_id = payload.partition("_")
    if name == "test":
        await learning.start_test_link(update, context, topic_id)
        return True
    for prefix, open_item in LINKED_ITEMS.items():
        if payload.startswith(prefix):
            return await open_item(update, context, payload.removeprefix(prefix))
    command = DEEP_LINKS.get(payload)
    if command is None:
        return False
    await command(update, context)
    return True


class RememberHandler(TypeHandler[Update, StudyContext, None]):
    """Group -1: every update but poll answers, whose handler records the member itself.

    Poll answers are most of a busy bot's updates (a group's every member answers every quiz), and
    one handler fewer for each is a context's dispatch and a coroutine less (bench/README.md).
    """

    def __init__(self, callback: Callable[[Update, StudyContext], Coroutine[Any, Any, None]]) -> None:
        super().__init__(Update, callback)

    def check_update(self, update: object) -> bool:
        return isinstance(update, Update) and update.poll_answer is None


#: New messages and channel posts; edited ones are ignored on purpose.
FRESH = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST


class StalePressHandler(BaseHandler[Update, StudyContext, None]):
    """Takes the presses :func:`bot.handlers.support.is_stale_press` finds stale, before any button handler."""

    def check_update(self, update: object) -> bool:
        return is_stale_press(update)


def register(application: StudyApplication) -> None:
    """Group -1 records who wrote; group 0 answers. Order within group 0 matters: the first
    matching handler wins, so commands come first and the catch-alls last."""
    application.add_handler(RememberHandler(remember), group=-1)
    # Poll answers first: the busiest updates by far (a group's every member answers every quiz),
    # and no other handler of group 0 takes them, so they need not be checked against 30 others.
    application.add_handler(PollAnswerHandler(answers.on_poll_answer))
    application.add_handler(ChatMemberHandler(groups.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(ChatMemberHandler(groups.on_chat_member, ChatMemberHandler.CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, groups.on_migrate))
    for command in COMMANDS:
        application.add_handler(CommandHandler(command.name, command.callback, filters=FRESH))

    # First of the buttons: a forged press (see is_stale_press) is answered as stale, whatever it says.
    application.add_handler(StalePressHandler(basics.stale_press))
    settings_buttons = callbacks.pattern(Action.SETTING, Action.SUBSCRIBE, Action.TIMEZONE, Action.LANGUAGE)
    application.add_handler(CallbackQueryHandler(settings.on_settings_button, pattern=settings_buttons))
    application.add_handler(CallbackQueryHandler(learning.on_button, pattern=callbacks.pattern(*learning.ACTIONS)))
    application.add_handler(CallbackQueryHandler(stats.on_stats_button, pattern=callbacks.pattern(Action.STATS)))
    broadcast_buttons = callbacks.pattern(Action.BROADCAST)
    application.add_handler(CallbackQueryHandler(operators.on_broadcast_button, pattern=broadcast_buttons))
    # Whatever is left: topic buttons, and stale or forged data (answered with a notice).
    application.add_handler(CallbackQueryHandler(study.on_topic_button))
    application.add_handler(InlineQueryHandler(inline.on_inline_query))
    application.add_handler(PollHandler(groups.on_poll))

    application.add_handler(MessageHandler(FRESH & filters.COMMAND, basics.unknown_command))
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.COMMAND, basics.plain_text)
    )
    # Group 1 runs after the answer: a command posted in a channel is then removed.
    application.add_handler(
        MessageHandler(filters.UpdateType.CHANNEL_POST & filters.COMMAND, groups.remove_channel_command), group=1
    )
    application.add_error_handler(errors.on_error)
