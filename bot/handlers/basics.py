"""/start, /help, and what the bot says to anything it does not understand."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.commands import Scope, commands_for
from bot.handlers import learning
from bot.handlers.common import is_private, reply
from bot.render.messages import escape
from bot.render.texts import t


def help_text(scope: Scope) -> str:
    lines = [t("help.intro"), "", t("help.commands")]
    lines += [f"/{c.name} — {escape(t(c.description_key))}" for c in commands_for(scope)]
    lines += ["", t("help.footer")]
    return "\n".join(lines)


def _scope(update: Update) -> Scope:
    chat = update.effective_chat
    if is_private(chat):
        return Scope.PRIVATE
    if chat is not None and chat.type == chat.CHANNEL:
        return Scope.CHANNEL
    return Scope.GROUP_ADMIN


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    # A deep link from a group (t.me/<bot>?start=review) runs the command it names.
    if context.args and await learning.start_payload(update, context, context.args[0]):
        return
    text = help_text(_scope(update))
    user = update.effective_user
    if is_private(update.effective_chat) and user is not None:
        text = t("start.greeting", name=escape(user.first_name)) + "\n\n" + text
    await reply(update, text)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, help_text(_scope(update)))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply to a command we do not have, unless it was meant for another bot in a group."""
    message = update.effective_message
    if message is None or not message.text:
        return
    first_word = message.text.split(maxsplit=1)[0]
    _, _, addressee = first_word.partition("@")
    if addressee and addressee.casefold() != (context.bot.username or "").casefold():
        return
    if not is_private(update.effective_chat) and not addressee:
        return  # in a group, a bare /unknown may belong to another bot: stay quiet
    await reply(update, t("error.unknown_command"))


async def plain_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A private message that is not a command gets a pointer to /help."""
    await reply(update, t("error.text"))
