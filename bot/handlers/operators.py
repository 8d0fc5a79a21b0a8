"""The operators' commands (ADMIN_IDS, in their private chat only): /admin, /reload, /broadcast.

Anyone else, anywhere else, gets the ordinary unknown-command reply (or the silence a group gets
for a bare unknown command): nothing says that these commands exist.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Coroutine
from functools import wraps
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from telegram import Update

from bot.context import StudyContext
from bot.delivery.broadcast import run_broadcast
from bot.handlers.support import chat_language, edit, is_private, pressed_message, reply, unknown_command
from bot.render import callbacks, keyboards
from bot.render import operators as render
from bot.render.texts import t
from bot.services.broadcast import AUDIENCES, BroadcastReport
from bot.services.operators import content_counts, reload_bank

Handler = Callable[[Update, StudyContext], Coroutine[Any, Any, None]]


def is_operator(update: Update, context: StudyContext) -> bool:
    """An operator writing in their own private chat (never a group, a channel or a button)."""
    user = update.effective_user
    return (
        update.message is not None
        and is_private(update.effective_chat)
        and user is not None
        and user.id in context.app.settings.admin_ids
    )


def operators_only(handler: Handler) -> Handler:
    """Run ``handler`` for an operator; answer anyone else as if the command did not exist."""

    @wraps(handler)
    async def gated(update: Update, context: StudyContext) -> None:
        if not is_operator(update, context):
            await unknown_command(update, context)
            return
        await handler(update, context)

    return gated


def bot_version() -> str:
    try:
        return version("studybot")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "dev"


@operators_only
async def admin(update: Update, context: StudyContext) -> None:
    """How the bot is doing: users, chats, subscriptions, answers, today's push, store, content."""
    ctx = context.app
    view = await ctx.operators.overview(ctx.bank, ctx.now(), ctx.started_at)
    lang = await chat_language(update, context)
    await reply(update, render.overview(view, bot_version(), str(ctx.settings.database_path), lang))


@operators_only
async def reload(update: Update, context: StudyContext) -> None:
    """Load the bank again from CONTENT_DIR; an invalid one leaves the old bank in place."""
    ctx = context.app
    where = ctx.settings.content_dir
    # Parsing the bank takes a moment: off the event loop, so other chats are not held up.
    outcome, bank = await asyncio.to_thread(reload_bank, ctx.bank, where, ctx.now().date())
    if bank is not None:
        ctx.use_bank(bank)
    lang = await chat_language(update, context)
    await reply(update, render.reload_outcome(outcome, content_counts(ctx.bank), str(where), lang))


_FIRST_WORD = re.compile(r"(\S+)\s*(.*)", re.DOTALL)


def _audience_and_text(html: str) -> tuple[str, str]:
    """``/broadcast [audience] text`` (as the message's HTML): the audience and the text."""
    match = _FIRST_WORD.match(html.strip())
    rest = match.group(2) if match else ""  # the command itself is the first word
    match = _FIRST_WORD.match(rest)
    if match and match.group(1).lower() in AUDIENCES:
        return match.group(1).lower(), match.group(2).strip()
    return "all", rest.strip()


@operators_only
async def broadcast(update: Update, context: StudyContext) -> None:
    """A preview with the audience's size and Confirm / Cancel; as a reply, the replied-to
    message is copied instead of a text being sent."""
    lang = await chat_language(update, context)
    message = update.message
    if message is None or message.from_user is None:
        return
    ctx = context.app
    audience, text = _audience_and_text(message.text_html)
    source = message.reply_to_message
    if source is None and not text:
        await reply(update, t("broadcast.usage", lang))
        return
    copy_from = (source.chat.id, source.message_id) if source is not None else None
    body = None if source is not None else text
    broadcast_id, size = await ctx.broadcasts.draft(message.from_user.id, audience, body, copy_from, ctx.now())
    preview = render.broadcast_preview(broadcast_id, audience, size, body, lang)
    await reply(update, preview, keyboards.broadcast_preview(broadcast_id, lang))


async def on_broadcast_button(update: Update, context: StudyContext) -> None:
    """Confirm or Cancel under a preview. Anyone but its operator gets what forged data gets."""
    lang = await chat_language(update, context)
    query = update.callback_query
    if query is None:
        return
    ctx = context.app
    pressed = callbacks.decode(query.data)
    verb, value = pressed.split() if pressed is not None else ("", "")
    user_id = query.from_user.id
    allowed = user_id in ctx.settings.admin_ids and is_private(update.effective_chat) and value.isdigit()
    preview = pressed_message(query)
    if not allowed or verb not in ("go", "no") or preview is None:
        await query.answer(t("error.stale_button", lang))
        return
    broadcast_id = int(value)
    if verb == "no":
        if not await ctx.broadcasts.cancel(broadcast_id, user_id, ctx.now()):
            await query.answer(t("broadcast.gone", lang))
            return
        await query.answer()
        await edit(query, t("broadcast.cancelled", lang, id=broadcast_id))
        return
    record = await ctx.broadcasts.confirm(broadcast_id, user_id, preview.message_id, ctx.now())
    if record is None:
        await query.answer(t("broadcast.gone", lang))
        return
    await query.answer()
    total = await ctx.broadcasts.audience_size(record.audience)
    await edit(query, render.broadcast_progress(broadcast_id, BroadcastReport(total=total), False, lang))
    ctx.broadcasts.start(run_broadcast(context.bot, ctx, record))
