"""The global error handler: log (the token is redacted by the log filter), tell the user, keep going."""

from __future__ import annotations

import logging
from contextlib import suppress

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.strings import t

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
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
