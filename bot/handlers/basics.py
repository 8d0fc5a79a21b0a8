"""/start, /help, and what the bot says to anything it does not understand."""

from __future__ import annotations

from telegram import Update

from bot.context import StudyContext

# The registry imports this module; this one reads the registry only when a command runs.
from bot.handlers import registry, support
from bot.handlers.permissions import can_change_settings
from bot.handlers.support import chat_language, is_group, is_private, reply
from bot.render import keyboards
from bot.render import messages as render
from bot.render.messages import escape
from bot.render.texts import t


def help_text(scope: registry.Scope, lang: str, *, admin: bool = False) -> str:
    """/help from the registry, grouped by purpose; a group's admins get their settings in one line."""
    sections = [
        (t(f"help.group.{group.value}", lang), [(c.name, t(c.description_key, lang)) for c in commands])
        for group, commands in registry.help_sections(scope)
    ]
    admin_names = [c.name for c in registry.admin_only_commands()] if admin else []
    return render.help_text(sections, lang, admin_names)


def _addressed_to_us(update: Update) -> bool:
    """True when the command names this bot (``/help@studybot``); PTB has already checked the name."""
    message = update.effective_message
    first_word = (message.text or "").split(maxsplit=1)[0] if message is not None and message.text else ""
    return "@" in first_word


def _scope(update: Update) -> registry.Scope:
    chat = update.effective_chat
    if is_private(chat):
        return registry.Scope.PRIVATE
    if chat is not None and chat.type == chat.CHANNEL:
        return registry.Scope.CHANNEL
    return registry.Scope.GROUP


async def start(update: Update, context: StudyContext) -> None:
    # A deep link from a group (t.me/<bot>?start=review) runs the command it names.
    lang = await chat_language(update, context)
    if (
        context.args
        and is_private(update.effective_chat)
        and await registry.run_deep_link(update, context, context.args[0])
    ):
        return
    if not is_private(update.effective_chat):
        await help_command(update, context)
        return
    # A few lines and four buttons; /help has every command.
    user = update.effective_user
    greeting = t("start.greeting", lang, name=escape(user.first_name)) if user is not None else ""
    await reply(update, (greeting + "\n" + t("start.intro", lang)).strip(), keyboards.start(lang))


async def help_command(update: Update, context: StudyContext) -> None:
    # In a group a bare /help (or /start) may be meant for another bot there: answer /help@us only.
    if is_group(update.effective_chat) and not _addressed_to_us(update):
        return
    admin = is_group(update.effective_chat) and await can_change_settings(update, context)
    await reply(update, help_text(_scope(update), await chat_language(update, context), admin=admin))


async def unknown_command(update: Update, context: StudyContext) -> None:
    """A command we do not have (the reply lives in support, shared with the operator gate)."""
    await support.unknown_command(update, context)


async def plain_text(update: Update, context: StudyContext) -> None:
    """A private message that is not a command gets a pointer to /help."""
    lang = await chat_language(update, context)
    await reply(update, t("error.text", lang))


async def stale_press(update: Update, context: StudyContext) -> None:
    """A forged press (see support.is_stale_press): say the button has expired, do nothing."""
    if update.callback_query is not None:
        await update.callback_query.answer(t("error.stale_button", await chat_language(update, context)))
