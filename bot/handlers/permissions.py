"""Who may change a chat's settings: anyone in a private chat, a group's or channel's admins."""

from __future__ import annotations

import datetime as dt
import logging

from telegram import Chat, Update
from telegram.error import TelegramError

from bot.context import StudyContext

log = logging.getLogger(__name__)

#: Admin lists are cached briefly: a promotion or demotion takes effect within this time.
ADMIN_CACHE_TTL = dt.timedelta(minutes=5)
_CACHE_KEY = "admin_cache"


def forget_admins(context: StudyContext, chat_id: int) -> None:
    """Drop a chat's cached admin list (on chat_member updates or errors)."""
    context.application.bot_data.setdefault(_CACHE_KEY, {}).pop(chat_id, None)


async def _admin_ids(context: StudyContext, chat_id: int) -> set[int]:
    cache: dict[int, tuple[dt.datetime, set[int]]] = context.application.bot_data.setdefault(_CACHE_KEY, {})
    now = context.app.now()
    cached = cache.get(chat_id)
    if cached and cached[0] > now:
        return cached[1]
    try:
        admins = await context.bot.get_chat_administrators(chat_id)
    except TelegramError as exc:
        log.warning("could not read the admins of chat %s: %s", chat_id, exc)
        forget_admins(context, chat_id)
        return set()
    ids = {member.user.id for member in admins}
    cache[chat_id] = (now + ADMIN_CACHE_TTL, ids)
    return ids


async def can_change_settings(update: Update, context: StudyContext) -> bool:
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type == Chat.PRIVATE:
        return True
    if chat.type == Chat.CHANNEL and update.callback_query is None:
        # Only a channel's admins can post in it, so a channel post speaks for its admins. A
        # button press comes from whoever sees the post: it is checked like a group member's.
        return True
    message = update.effective_message
    if update.callback_query is None and message is not None and message.sender_chat is not None:
        # An anonymous admin writes as the group itself.
        return message.sender_chat.id == chat.id
    user = update.effective_user
    if user is None:
        return False
    if user.id in context.app.settings.admin_ids:
        return True
    return user.id in await _admin_ids(context, chat.id)
