"""The global error handler: log (the token is redacted by the log filter), tell the user, keep going."""

from __future__ import annotations

import logging
from contextlib import suppress

from telegram import Chat, Update
from telegram.error import ChatMigrated, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.handlers.common import app_ctx
from bot.strings import t

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    if isinstance(error, ChatMigrated):
        await follow_migration(update, context, error)
        return
    if isinstance(error, RetryAfter | NetworkError):
        log.warning("Telegram did not take a request: %s", error)
    else:
        log.error("error while handling an update", exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.callback_query is not None:
        with suppress(TelegramError):
            await update.callback_query.answer(t("error.generic"))
        return
    if update.effective_message is not None and update.effective_chat.type == "private":
        try:
            await context.bot.send_message(update.effective_chat.id, t("error.generic"))
        except TelegramError:
            log.warning("could not tell the user about the error")


async def follow_migration(update: object, context: ContextTypes.DEFAULT_TYPE, error: ChatMigrated) -> None:
    """A handler wrote to a group that has become a supergroup: move the chat, as its service
    messages would. Not a fault of ours, so no traceback."""
    chat = update.effective_chat if isinstance(update, Update) else None
    # Only basic groups become supergroups, so the basic group the update came from is the one.
    if chat is not None and chat.type == Chat.GROUP and chat.id != error.new_chat_id:
        await app_ctx(context).groups.migrate(chat.id, error.new_chat_id)
        log.info("chat %s had become supergroup %s while an update was handled", chat.id, error.new_chat_id)
    else:
        log.info("a group had become supergroup %s; this update does not say which", error.new_chat_id)
