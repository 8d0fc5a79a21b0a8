"""Groups and channels: joining and leaving, /leaderboard, cooldowns, channel polls and clean-up."""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import suppress

from telegram import Chat, ChatMember, ChatMemberUpdated, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.handlers.common import app_ctx, argument, chat_record, reply
from bot.handlers.permissions import forget_admins
from bot.render.messages import safe_name
from bot.render.texts import t
from bot.services.groups import Leaderboard, RankedRow
from bot.storage.repository import ChatRecord

log = logging.getLogger(__name__)

#: The bot's confirmations of admin commands in a channel are removed after this long.
CHANNEL_CONFIRMATION_TTL = dt.timedelta(minutes=2)
#: A settings keyboard posted in a channel is removed after this long, or once it is used.
CHANNEL_SETTINGS_TTL = dt.timedelta(minutes=5)
_PRESENT = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED)


# --- joining and leaving ------------------------------------------------------------------------
def _is_present(member: ChatMember) -> bool:
    if member.status == ChatMember.RESTRICTED:
        return bool(getattr(member, "is_member", True))
    return member.status in _PRESENT


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Blocked, kicked or left → inactive; unblocked or re-added → active again with the old settings."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    ctx = app_ctx(context)
    chat = change.chat
    was, now = _is_present(change.old_chat_member), _is_present(change.new_chat_member)
    forget_admins(context, chat.id)
    if was == now:
        return
    await ctx.repo.update_chat(chat.id, active=now)
    log.info("chat %s is now %s", chat.id, "active" if now else "inactive")
    if now and chat.type in (Chat.GROUP, Chat.SUPERGROUP):
        with suppress(TelegramError):
            await context.bot.send_message(chat.id, t("group.welcome", title=safe_name(chat.title or "")))


async def on_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A member was promoted or demoted (or joined or left): re-read the admin list next time."""
    if update.chat_member is not None:
        forget_admins(context, update.chat_member.chat.id)


async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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
    await app_ctx(context).groups.migrate(old_id, new_id)


# --- cooldown -----------------------------------------------------------------------------------
async def within_cooldown(update: Update, context: ContextTypes.DEFAULT_TYPE, action: str) -> bool:
    """In groups, True when a quiz or fact was asked for too soon, by a command or a button.

    A command hears so once, then silence; a button press is answered with the same notice as a
    toast (it must be answered anyway, and a toast floods nobody).
    """
    chat = update.effective_chat
    if chat is None or chat.type not in (Chat.GROUP, Chat.SUPERGROUP):
        return False
    ctx = app_ctx(context)
    allowed, left, tell = ctx.cooldown.check(chat.id, action, ctx.now())
    if allowed:
        return False
    notice = t("group.cooldown", what=t(f"group.cooldown_{action}"), seconds=left)
    if update.callback_query is not None:
        await update.callback_query.answer(notice)
    elif tell:
        await reply(update, notice)
    return True


# --- leaderboard --------------------------------------------------------------------------------
def _line(key: str, ranked: RankedRow) -> str:
    return t(
        key,
        rank=ranked.rank,
        name=safe_name(ranked.row.name),
        correct=ranked.row.correct,
        accuracy=ranked.accuracy,
    )


def render_leaderboard(board: Leaderboard) -> str:
    period = t(f"leaderboard.{board.period}")
    if not board.top:
        return t("leaderboard.empty", period=period)
    lines = [t("leaderboard.header", period=period)]
    lines += [_line("leaderboard.line", r) for r in board.top]
    if board.own is not None:
        lines.append(_line("leaderboard.own", board.own))
    return "\n".join(lines)


async def leaderboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type not in (Chat.GROUP, Chat.SUPERGROUP):
        await reply(update, t("group.only"))
        return
    period = (argument(context) or "week").casefold()
    if period not in ("week", "all"):
        await reply(update, t("leaderboard.usage"))
        return
    ctx = app_ctx(context)
    tz = ctx.chat_tz(await chat_record(update, context))
    board = await ctx.groups.leaderboard(chat.id, user.id if user else None, period, tz, ctx.now())
    await reply(update, render_leaderboard(board))


# --- channels -----------------------------------------------------------------------------------
async def on_poll(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Anonymous (channel) polls report only totals: keep the latest for the channel's /stats."""
    poll = update.poll
    if poll is None:
        return
    counts = [option.voter_count for option in poll.options]
    if not await app_ctx(context).groups.record_channel_poll(poll.id, counts, poll.total_voter_count):
        log.debug("ignored results of poll %s", poll.id)


async def channel_stats(update: Update, context: ContextTypes.DEFAULT_TYPE, channel_id: int, title: str) -> None:
    totals = await app_ctx(context).groups.channel_totals(channel_id)
    percent = round(100 * totals.correct / totals.votes) if totals.votes else 0
    await reply(
        update,
        t("channel.stats", title=safe_name(title), polls=totals.polls, votes=totals.votes, percent=percent),
    )


async def channel_stats_for_admin(update: Update, context: ContextTypes.DEFAULT_TYPE, name: str) -> None:
    """/stats @channel in a private chat, for that channel's admins only.

    Whether the name is unknown, a person or a channel the asker does not run, the refusal reads
    the same, so nobody can probe who uses the bot.
    """
    ctx = app_ctx(context)
    user = update.effective_user
    channel_id = await ctx.repo.find_chat_by_username(name.lstrip("@"))
    record = await ctx.repo.get_chat(channel_id) if channel_id is not None else None
    if record is None or not record.is_channel or user is None or not await _runs_channel(context, user.id, record):
        await reply(update, t("channel.not_admin"))
        return
    await channel_stats(update, context, record.chat_id, record.title or name)


async def _runs_channel(context: ContextTypes.DEFAULT_TYPE, user_id: int, channel: ChatRecord) -> bool:
    if user_id in app_ctx(context).settings.admin_ids:
        return True
    try:
        admins = await context.bot.get_chat_administrators(channel.chat_id)
    except TelegramError:
        return False
    return user_id in {a.user.id for a in admins}


async def remove_channel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """After a command posted in a channel is handled, remove the post to keep the channel clean."""
    post = update.channel_post
    if post is None or not post.text or not post.text.startswith("/"):
        return
    with suppress(TelegramError):
        await post.delete()


async def confirm(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    ttl: dt.timedelta = CHANNEL_CONFIRMATION_TTL,
) -> None:
    """Reply to a settings command; in a channel the reply is removed again after ``ttl``
    (by the clean-up job, from a list kept in SQLite so a restart does not leave it behind), so
    neither a confirmation nor a settings keyboard stays posted for every subscriber to see."""
    message = await reply(update, text, keyboard)
    chat = update.effective_chat
    if message is None or chat is None or chat.type != Chat.CHANNEL:
        return
    ctx = app_ctx(context)
    await ctx.repo.schedule_deletion(chat.id, message.message_id, ctx.now() + ttl)


async def cleanup_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Delete the channel confirmations whose time has come (a job; state lives in SQLite)."""
    ctx = app_ctx(context)
    for chat_id, message_id in await ctx.repo.due_deletions(ctx.now()):
        with suppress(TelegramError):
            await context.bot.delete_message(chat_id, message_id)
        await ctx.repo.forget_deletion(chat_id, message_id)
