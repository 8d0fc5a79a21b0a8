"""Groups and channels: joining and leaving, upgrades to supergroups, /leaderboard, channel polls
and the removal of commands posted in a channel."""

from __future__ import annotations

import logging
from contextlib import suppress

from telegram import Chat, ChatMember, ChatMemberUpdated, Update
from telegram.error import TelegramError

from bot.context import StudyContext
from bot.handlers.permissions import forget_admins
from bot.handlers.support import argument, chat_language, chat_record, is_group, reply
from bot.render import messages as render
from bot.render.messages import safe_name
from bot.render.texts import t

log = logging.getLogger(__name__)

_PRESENT = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED)


# --- joining and leaving ------------------------------------------------------------------------
def _is_present(member: ChatMember) -> bool:
    if member.status == ChatMember.RESTRICTED:
        return bool(getattr(member, "is_member", True))
    return member.status in _PRESENT


async def on_my_chat_member(update: Update, context: StudyContext) -> None:
    """Blocked, kicked or left → inactive; unblocked or re-added → active again with the old settings."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    chat = change.chat
    was, now = _is_present(change.old_chat_member), _is_present(change.new_chat_member)
    forget_admins(context, chat.id)
    if was == now:
        return
    await context.app.chat_settings.set_active(chat.id, now)
    log.info("chat %s is now %s", chat.id, "active" if now else "inactive")
    if now and chat.type in (Chat.GROUP, Chat.SUPERGROUP):
        lang = await chat_language(update, context)
        with suppress(TelegramError):
            await context.bot.send_message(chat.id, t("group.welcome", lang, title=safe_name(chat.title or "")))


async def on_chat_member(update: Update, context: StudyContext) -> None:
    """A member was promoted or demoted (or joined or left): re-read the admin list next time."""
    if update.chat_member is not None:
        forget_admins(context, update.chat_member.chat.id)


async def on_migrate(update: Update, context: StudyContext) -> None:
    """A group became a supergroup: Telegram says so in both chats; the first message moves it."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old_id, new_id = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old_id, new_id = message.migrate_from_chat_id, message.chat.id
    else:
        return
    forget_admins(context, old_id)
    await context.app.groups.migrate(old_id, new_id)


# --- leaderboard --------------------------------------------------------------------------------
async def leaderboard(update: Update, context: StudyContext) -> None:
    lang = await chat_language(update, context)
    chat, user = update.effective_chat, update.effective_user
    if chat is None or not is_group(chat):
        await reply(update, t("group.only", lang))
        return
    period = (argument(context) or "week").casefold()
    if period not in ("week", "all"):
        await reply(update, t("leaderboard.usage", lang))
        return
    ctx = context.app
    tz = ctx.chat_tz(await chat_record(update, context))
    board = await ctx.groups.leaderboard(chat.id, user.id if user else None, period, tz, ctx.now())
    await reply(update, render.leaderboard(board, lang, await ctx.learning.sessions.last_ranking(chat.id)))


# --- channels -----------------------------------------------------------------------------------
async def on_poll(update: Update, context: StudyContext) -> None:
    """Anonymous (channel) polls report only totals: keep the latest for the channel's /stats."""
    poll = update.poll
    if poll is None:
        return
    counts = [option.voter_count for option in poll.options]
    if not await context.app.groups.record_channel_poll(poll.id, counts, poll.total_voter_count):
        log.debug("ignored results of poll %s", poll.id)


async def remove_channel_command(update: Update, context: StudyContext) -> None:
    """After a command posted in a channel is handled, remove the post to keep the channel clean."""
    post = update.channel_post
    if post is None or not post.text or not post.text.startswith("/"):
        return
    with suppress(TelegramError):
        await post.delete()
