"""/stats: the asking user's progress in this chat, or a channel's results for its admins."""

from __future__ import annotations

from telegram import Chat, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.context import StudyContext
from bot.handlers.support import argument, confirm, edit, is_private, reply
from bot.render import callbacks, charts, keyboards
from bot.render import messages as render
from bot.render.messages import escape
from bot.render.texts import t
from bot.services.stats import UserStats
from bot.storage.repository import ChatRecord


async def stats(update: Update, context: StudyContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if chat is not None and chat.type == Chat.CHANNEL:
        await _channel_stats(update, context, chat.id, chat.title or "")
        return
    asked = argument(context)
    if is_private(chat) and asked.startswith("@"):
        await _channel_stats_for_admin(update, context, asked[:64])
        return
    if user is None or chat is None:
        return
    await _user_stats(update, context, everywhere=False)


async def stats_everywhere(update: Update, context: StudyContext) -> None:
    """``/start stats_all`` (a group's "All chats" button): the figures over every chat, privately."""
    if is_private(update.effective_chat):
        await _user_stats(update, context, everywhere=True)


async def _user_stats(update: Update, context: StudyContext, *, everywhere: bool) -> None:
    """The asker's figures in this chat, or over every chat, saying whose and where they are."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    result, where, keyboard = await _stats_view(context, user.id, chat, everywhere=everywhere)
    # The 14-day chart is an image when matplotlib (the "charts" extra) is installed, else a sparkline.
    chart = await charts.activity_png(result.activity, t("stats.chart_title")) if result.answered else None
    if result.answered and context.bot.username:
        share = t("share.stats", answered=result.answered, accuracy=result.accuracy)
        keyboard = keyboards.with_share(keyboard, keyboards.share_button(context.bot.username, share))
    await reply(update, render.stats(result, where, sparkline=chart is None), keyboard)
    if chart is not None:
        await context.bot.send_photo(chat.id, chart, caption=t("stats.chart_caption"))


async def _stats_view(
    context: StudyContext, user_id: int, chat: Chat, *, everywhere: bool
) -> tuple[UserStats, str, InlineKeyboardMarkup]:
    """The figures, the words for whose and where they are, and the buttons under them."""
    ctx = context.app
    record = await ctx.chat_settings.get(chat.id)
    result = await ctx.stats.user_stats(user_id, None if everywhere else chat.id, ctx.chat_tz(record), ctx.now())
    if everywhere:
        where = t("stats.where_all")
    elif is_private(chat):
        where = t("stats.where_private")
    else:
        where = t("stats.where_group", title=escape(chat.title or ""))
    keyboard = keyboards.stats(
        result.weakest, everywhere=everywhere, private=is_private(chat), username=context.bot.username
    )
    return result, where, keyboard


async def on_stats_button(update: Update, context: StudyContext) -> None:
    """``st:all`` / ``st:here`` under a private /stats: the same message, switched in place."""
    query = update.callback_query
    if query is None:
        return
    pressed = callbacks.decode(query.data)
    chat = update.effective_chat
    if pressed is None or pressed.value not in ("all", "here") or chat is None or not is_private(chat):
        await query.answer(t("error.stale_button"))
        return
    await query.answer()
    result, where, keyboard = await _stats_view(context, query.from_user.id, chat, everywhere=pressed.value == "all")
    await edit(query, render.stats(result, where), keyboard)


async def _channel_stats(update: Update, context: StudyContext, channel_id: int, title: str) -> None:
    totals = await context.app.groups.channel_totals(channel_id)
    # Posted in the channel, the figures are removed again after a while, like a confirmation.
    await confirm(update, context, render.channel_stats(title, totals.polls, totals.votes, totals.correct))


async def _channel_stats_for_admin(update: Update, context: StudyContext, name: str) -> None:
    """/stats @channel in a private chat, for that channel's admins only.

    Whether the name is unknown, a person or a channel the asker does not run, the refusal reads
    the same, so nobody can probe who uses the bot.
    """
    user = update.effective_user
    channel = await context.app.groups.find_channel(name)
    if channel is None or user is None or not await _runs_channel(context, user.id, channel):
        await reply(update, t("channel.not_admin"))
        return
    await _channel_stats(update, context, channel.chat_id, channel.title or name)


async def _runs_channel(context: StudyContext, user_id: int, channel: ChatRecord) -> bool:
    if user_id in context.app.settings.admin_ids:
        return True
    try:
        admins = await context.bot.get_chat_administrators(channel.chat_id)
    except TelegramError:
        return False
    return user_id in {a.user.id for a in admins}
