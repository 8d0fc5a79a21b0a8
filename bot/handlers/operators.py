"""The operators' commands (ADMIN_IDS, in their private chat only): /admin and /reload.

Anyone else, anywhere else, gets the ordinary unknown-command reply (or the silence a group gets
for a bare unknown command): nothing says that these commands exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from functools import wraps
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from telegram import Update

from bot.context import StudyContext
from bot.handlers.support import is_private, reply, unknown_command
from bot.render import operators as render
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
    await reply(update, render.overview(view, bot_version(), str(ctx.settings.database_path)))


@operators_only
async def reload(update: Update, context: StudyContext) -> None:
    """Load the bank again from CONTENT_DIR; an invalid one leaves the old bank in place."""
    ctx = context.app
    where = ctx.settings.content_dir
    # Parsing the bank takes a moment: off the event loop, so other chats are not held up.
    outcome, bank = await asyncio.to_thread(reload_bank, ctx.bank, where, ctx.now().date())
    if bank is not None:
        ctx.use_bank(bank)
    await reply(update, render.reload_outcome(outcome, content_counts(ctx.bank), str(where)))
