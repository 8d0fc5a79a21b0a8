"""The global error handler: log (the token is redacted by the log filter), tell the user, keep going."""

from __future__ import annotations

import logging
from contextlib import suppress

from telegram import Chat, Update
from telegram.error import ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.context import StudyContext
from bot.delivery.telegram_bot import StudyBot
from bot.render.texts import t

log = logging.getLogger(__name__)


async def on_error(update: object, context: StudyContext) -> None:
    error = context.error
    chat = update.effective_chat if isinstance(update, Update) else None
    if isinstance(error, ChatMigrated):
        await follow_migration(update, context, error)
        return
    if isinstance(error, Forbidden):
        # Blocked, kicked or no longer a member: like the push, stop writing to that chat, and
        # certainly do not write to it to say so.
        if chat is not None:
            await context.app.chat_settings.deactivate(chat.id)
        log.info("chat %s refused a message (%s); it is now inactive", chat.id if chat else "?", error.message)
        return
    if isinstance(error, RetryAfter | NetworkError):
        log.warning("Telegram did not take a request: %s", error)
    else:
        log.error("error while handling an update", exc_info=error)
    if not isinstance(update, Update) or chat is None:
        return
    query = update.callback_query
    if query is not None:
        bot = context.bot
        if not (isinstance(bot, StudyBot) and bot.was_answered(query.id)):
            with suppress(TelegramError):
                await query.answer(t("error.generic"))
        return
    if update.effective_message is not None and chat.type == "private":
        try:
            await context.bot.send_message(chat.id, t("error.generic"))
        except TelegramError:
            log.warning("could not tell the user about the error")


async def follow_migration(update: object, context: StudyContext, error: ChatMigrated) -> None:
    """A handler wrote to a group that has become a supergroup: move the chat, as its service
    messages would. Not a fault of ours, so no traceback."""
    chat = update.effective_chat if isinstance(update, Update) else None
    # Only basic groups become supergroups, so the basic group the update came from is the one.
    if chat is not None and chat.type == Chat.GROUP and chat.id != error.new_chat_id:
        await context.app.groups.migrate(chat.id, error.new_chat_id)
        log.info("chat %s had become supergroup %s while an update was handled", chat.id, error.new_chat_id)
    else:
        log.info("a group had become supergroup %s; this update does not say which", error.new_chat_id)
