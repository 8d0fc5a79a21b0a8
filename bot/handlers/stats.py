"""/stats: the asking user's progress in this chat, or a channel's results for its admins."""

from __future__ import annotations

from telegram import Chat, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.context import StudyContext
from bot.handlers.support import argument, chat_language, confirm, edit, is_private, reply
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
    lang = await chat_language(update, context)
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    result, where, keyboard = await _stats_view(context, user.id, chat, lang, everywhere=everywhere)
    # The 14-day chart is an image when matplotlib (the "charts" extra) is installed, else a sparkline.
    chart = await charts.activity_png(result.activity, lang) if result.answered else None
    if result.answered and context.bot.username:
        share = t("share.stats", lang, answered=result.answered, accuracy=result.accuracy)
        keyboard = keyboards.with_share(keyboard, keyboards.share_button(context.bot.username, share, lang))
    await reply(update, render.stats(result, where, lang, sparkline=chart is None), keyboard)
    if chart is not None:
        await context.bot.send_photo(chat.id, chart, caption=t("stats.chart_caption", lang))


async def _stats_view(
    context: StudyContext, user_id: int, chat: Chat, lang: str, *, everywhere: bool
) -> tuple[UserStats, str, InlineKeyboardMarkup]:
    """The figures, the words for whose and where they are, and the buttons under them."""
    ctx = context.app
    record = await ctx.chat_settings.get(chat.id)
    tz = ctx.chat_tz(record)
    result = await ctx.stats.user_stats(user_id, None if everywhere else chat.id, tz, ctx.now(), lang)
    if everywhere:
        where = t("stats.where_all", lang)
    elif is_private(chat):
        where = t("stats.where_private", lang)
    else:
        where = t("stats.where_group", lang, title=escape(chat.title or ""))
    keyboard = keyboards.stats(
        result.weakest, lang, everywhere=everywhere, private=is_private(chat), username=context.bot.username
    )
    return result, where, keyboard


async def on_stats_button(update: Update, context: StudyContext) -> None:
    """``st:all`` / ``st:here`` under a private /stats: the same message, switched in place."""
    lang = await chat_language(update, context)
    query = update.callback_query
    if query is None:
        return
    pressed = callbacks.decode(query.data)
    chat = update.effective_chat
    if pressed is None or pressed.value not in ("all", "here") or chat is None or not is_private(chat):
        await query.answer(t("error.stale_button", lang))
        return
    await query.answer()
    everywhere = pressed.value == "all"
    result, where, keyboard = await _stats_view(context, query.from_user.id, chat, lang, everywhere=everywhere)
    await edit(query, render.stats(result, where, lang), keyboard)


async def _channel_stats(update: Update, context: StudyContext, channel_id: int, title: str) -> None:
    lang = await chat_language(update, context)
    totals = await context.app.groups.channel_totals(channel_id)
    # Posted in the channel, the figures are removed again after a while, like a confirmation.
    await confirm(update, context, render.channel_stats(title, totals.polls, totals.votes, totals.correct, lang))


async def _channel_stats_for_admin(update: Update, context: StudyContext, name: str) -> None:
    """/stats @channel in a private chat, for that channel's admins only.

    Whether the name is unknown, a person or a channel the asker does not run, the refusal reads
    the same, so nobody can probe who uses the bot.
    """
    lang = await chat_language(update, context)
    user = update.effective_user
    channel = await context.app.groups.find_channel(name)
    if channel is None or user is None or not await _runs_channel(context, user.id, channel):
        await reply(update, t("channel.not_admin", lang))
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
