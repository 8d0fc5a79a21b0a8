"""/start, /help, and what the bot says to anything it does not understand."""

from __future__ import annotations

from telegram import Update

from bot.context import StudyContext

# The registry imports this module; this one reads the registry only when a command runs.
from bot.handlers import registry, support
from bot.handlers.support import is_private, reply
from bot.render import messages as render
from bot.render.messages import escape
from bot.render.texts import t


def help_text(scope: registry.Scope) -> str:
    return render.help_text([(c.name, t(c.description_key)) for c in registry.commands_for(scope)])


def _scope(update: Update) -> registry.Scope:
    chat = update.effective_chat
    if is_private(chat):
        return registry.Scope.PRIVATE
    if chat is not None and chat.type == chat.CHANNEL:
        return registry.Scope.CHANNEL
    return registry.Scope.GROUP_ADMIN


async def start(update: Update, context: StudyContext) -> None:
    # A deep link from a group (t.me/<bot>?start=review) runs the command it names.
    if (
        context.args
        and is_private(update.effective_chat)
        and await registry.run_deep_link(update, context, context.args[0])
    ):
        return
    text = help_text(_scope(update))
    user = update.effective_user
    if is_private(update.effective_chat) and user is not None:
        text = t("start.greeting", name=escape(user.first_name)) + "\n\n" + text
    await reply(update, text)


async def help_command(update: Update, context: StudyContext) -> None:
    await reply(update, help_text(_scope(update)))


async def unknown_command(update: Update, context: StudyContext) -> None:
    """A command we do not have (the reply lives in support, shared with the operator gate)."""
    await support.unknown_command(update, context)


async def plain_text(update: Update, context: StudyContext) -> None:
    """A private message that is not a command gets a pointer to /help."""
    await reply(update, t("error.text"))
