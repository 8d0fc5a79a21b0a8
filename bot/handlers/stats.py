"""/stats: the asking user's progress in this chat, or a channel's results for its admins."""

from __future__ import annotations

from telegram import Chat, Update
from telegram.error import TelegramError

from bot.context import StudyContext
from bot.handlers.support import argument, chat_record, is_private, reply
from bot.render import charts, keyboards
from bot.render import messages as render
from bot.render.messages import escape
from bot.render.texts import t
from bot.storage.repository import ChatRecord


async def stats(update: Update, context: StudyContext) -> None:
    ctx = context.app
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
    record = await chat_record(update, context)
    result = await ctx.stats.user_stats(user.id, chat.id, ctx.chat_tz(record), ctx.now())
    where = t("stats.where_private") if is_private(chat) else t("stats.where_group", title=escape(chat.title or ""))
    # The 14-day chart is an image when matplotlib (the "charts" extra) is installed, else a sparkline.
    chart = await charts.activity_png(result.activity, t("stats.chart_title")) if result.answered else None
    buttons = keyboards.practise(result.weakest)
    if result.answered and context.bot.username:
        share = t("share.stats", answered=result.answered, accuracy=result.accuracy)
        buttons = keyboards.with_share(buttons, keyboards.share_button(context.bot.username, share))
    await reply(update, render.stats(result, where, sparkline=chart is None), buttons)
    if chart is not None:
        await context.bot.send_photo(chat.id, chart, caption=t("stats.chart_caption"))


async def _channel_stats(update: Update, context: StudyContext, channel_id: int, title: str) -> None:
    totals = await context.app.groups.channel_totals(channel_id)
    await reply(update, render.channel_stats(title, totals.polls, totals.votes, totals.correct))


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
