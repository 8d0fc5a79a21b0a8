"""The global error handler: log (the token is redacted by the log filter), tell the user, keep going."""

from __future__ import annotations

import logging
from contextlib import suppress

from telegram import Chat, Update
from telegram.error import ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.context import StudyContext
from bot.delivery.telegram_bot import StudyBot
from bot.logging_setup import redact
from bot.render import operators as render_operators
from bot.render.texts import t
from bot.storage.faults import is_store_fault

log = logging.getLogger(__name__)


async def _language_of(context: StudyContext, chat_id: int) -> str:
    """A chat's language for an error notice; the default when it cannot be read (the store may be
    the very thing that failed)."""
    ctx = context.app
    try:
        return await ctx.language_of(chat_id)
    except Exception:
        return ctx.settings.default_language


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
    if is_store_fault(error):
        await store_fault(update, context)
        return
    if isinstance(error, RetryAfter | NetworkError):
        log.warning("Telegram did not take a request: %s", error)
    else:
        log.error("error while handling an update", exc_info=error)
        if error is not None:
            await alert_operators(update, context, error)
    if not isinstance(update, Update) or chat is None:
        return
    query = update.callback_query
    if query is not None:
        bot = context.bot
        if not (isinstance(bot, StudyBot) and bot.was_answered(query.id)):
            lang = await _language_of(context, chat.id)
            with suppress(TelegramError):
                await query.answer(t("error.generic", lang))
        return
    if update.effective_message is not None and chat.type == "private":
        lang = await _language_of(context, chat.id)
        try:
            await context.bot.send_message(chat.id, t("error.generic", lang))
        except TelegramError:
            log.warning("could not tell the user about the error")


async def store_fault(update: object, context: StudyContext) -> None:
    """The store did not take a write (full, locked, read-only, connection lost): the transaction
    was rolled back, so the user is asked to try again, wherever they asked; operators are told."""
    error = context.error
    log.warning("the store did not take a write: %s", error, exc_info=error)
    if error is not None:
        await alert_operators(update, context, error)
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    with suppress(TelegramError):
        if update.callback_query is not None and chat is not None:
            bot = context.bot
            if not (isinstance(bot, StudyBot) and bot.was_answered(update.callback_query.id)):
                await update.callback_query.answer(
                    t("error.store", await _language_of(context, chat.id)), show_alert=True
                )
        elif update.poll_answer is not None and update.poll_answer.user is not None:
            # A quiz cannot be answered twice: the private chat is told (if the user ever opened it).
            user_id = update.poll_answer.user.id
            await context.bot.send_message(user_id, t("error.store_answer", await _language_of(context, user_id)))
        elif update.effective_message is not None and chat is not None and chat.type != Chat.CHANNEL:
            await context.bot.send_message(chat.id, t("error.store", await _language_of(context, chat.id)))


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


def _update_kind(update: object) -> str:
    """``message``, ``callback_query``, ``inline_query`` …; ``job`` when there was no update."""
    if not isinstance(update, Update):
        return "job" if update is None else type(update).__name__
    for kind in Update.ALL_TYPES:
        if getattr(update, kind, None) is not None:
            return kind
    return "update"


def _handler_of(error: BaseException) -> str:
    """The handler (or job) the error came out of, ``study.topic``: the outermost of our frames
    in the traceback, since PTB does not tell an error handler which handler failed."""
    trace = error.__traceback__
    while trace is not None:
        module = str(trace.tb_frame.f_globals.get("__name__", ""))
        if module.startswith(("bot.handlers.", "bot.delivery.")):
            return f"{module.rsplit('.', 1)[-1]}.{trace.tb_frame.f_code.co_name}"
        trace = trace.tb_next
    return "?"


def _user_text(update: object) -> str | None:
    if not isinstance(update, Update):
        return None
    if update.effective_message is not None and update.effective_message.text:
        return update.effective_message.text
    if update.callback_query is not None:
        return update.callback_query.data
    if update.inline_query is not None:
        return update.inline_query.query
    return None


async def alert_operators(update: object, context: StudyContext, error: BaseException) -> None:
    """Tell every operator (ADMIN_IDS) about an error, at most once per error type per 10 minutes.

    The token never goes out (every field is redacted), and of the user's text at most 100
    characters do.
    """
    ctx = context.app
    admins = sorted(ctx.settings.admin_ids)
    error_type = type(error).__name__
    if not admins or not ctx.alerts.allow(error_type, ctx.now()):
        return
    secrets = ctx.settings.secrets
    text = _user_text(update)
    report = render_operators.ErrorReport(
        kind=_update_kind(update),
        handler=_handler_of(error),
        error_type=error_type,
        error=redact(str(error), secrets),
        user_text=redact(text, secrets) if text else None,
    )
    for admin_id in admins:
        message = render_operators.error_alert(report, await _language_of(context, admin_id))
        try:
            await context.bot.send_message(admin_id, message)
        except TelegramError as exc:
            log.warning("could not alert operator %s: %s", admin_id, exc)
