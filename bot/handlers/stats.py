"""/stats: the asking user's progress in this chat."""

from __future__ import annotations

from telegram import Chat, Update
from telegram.ext import ContextTypes

from bot.handlers.common import app_ctx, argument, chat_record, is_private, reply
from bot.handlers.groups import channel_stats, channel_stats_for_admin
from bot.handlers.learning import practise_buttons
from bot.render import charts
from bot.render import messages as render
from bot.render.messages import escape
from bot.render.texts import t


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = app_ctx(context)
    user, chat = update.effective_user, update.effective_chat
    if chat is not None and chat.type == Chat.CHANNEL:
        await channel_stats(update, context, chat.id, chat.title or "")
        return
    asked = argument(context)
    if is_private(chat) and asked.startswith("@"):
        await channel_stats_for_admin(update, context, asked[:64])
        return
    if user is None or chat is None:
        return
    record = await chat_record(update, context)
    result = await ctx.stats.user_stats(user.id, chat.id, ctx.chat_tz(record), ctx.now())
    where = t("stats.where_private") if is_private(chat) else t("stats.where_group", title=escape(chat.title or ""))
    # The 14-day chart is an image when matplotlib (the "charts" extra) is installed, else a sparkline.
    chart = await charts.activity_png(result.activity, t("stats.chart_title")) if result.answered else None
    await reply(update, render.stats(result, where, sparkline=chart is None), practise_buttons(result.weakest))
    if chart is not None:
        await context.bot.send_photo(chat.id, chart, caption=t("stats.chart_caption"))
