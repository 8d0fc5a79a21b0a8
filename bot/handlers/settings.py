"""/subscribe, /unsubscribe, /settime, /timezone, /pause, /resume, /settings and their buttons."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import suppress
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.delivery.push import make_deliver
from bot.handlers.common import MAX_ARGUMENT_LENGTH, app_ctx, argument, edit, reply
from bot.handlers.groups import CHANNEL_SETTINGS_TTL, confirm
from bot.handlers.permissions import can_change_settings
from bot.handlers.study import resolve_topic
from bot.render.messages import escape
from bot.render.texts import t
from bot.services.chat_settings import MAX_PAUSE_DAYS, find_timezone, parse_days, parse_time
from bot.storage.repository import ChatRecord

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def admins_only(handler: Callable[[Update, ContextTypes.DEFAULT_TYPE, ChatRecord], Awaitable[None]]) -> Handler:
    """Run a settings handler only for those allowed to change this chat; pass it the chat's record."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        if not await can_change_settings(update, context):
            if update.callback_query is not None:
                await update.callback_query.answer(t("admin.only"), show_alert=True)
            else:
                await reply(update, t("admin.only"))
            return
        if len(argument(context)) > MAX_ARGUMENT_LENGTH:
            await reply(update, t("error.too_long"))
            return
        record = await app_ctx(context).repo.get_chat(chat.id)
        if record is None:  # remember() runs first, so this only happens if the store was wiped
            return
        await handler(update, context, record)

    return guarded


def _fmt(when: object) -> str:
    return when.strftime("%a %d %b, %H:%M") if hasattr(when, "strftime") else t("settings.none")


@admins_only
async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatRecord) -> None:
    topic_id = await resolve_topic(update, context, "sub")
    if topic_id is None:
        return
    await _subscribe(update, context, chat, topic_id)


async def _subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatRecord, topic_id: str) -> None:
    ctx = app_ctx(context)
    topic = ctx.bank.topics.get(topic_id)
    due_now = await ctx.chat_settings.subscribe(chat, topic.id if topic else None, ctx.now())
    resolved = ctx.chat_settings.resolve(chat, ctx.now())
    suffix = t("sub.topic_suffix", topic=escape(topic.title)) if topic else ""
    key = "sub.done_now" if due_now else "sub.done"
    await confirm(update, context, t(key, time=resolved.push_time, tz=resolved.timezone, topic=suffix))
    if due_now:
        await _push_today(context, chat.chat_id)


async def _push_today(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    """A new subscriber after today's time sees at once what they signed up for."""
    ctx = app_ctx(context)
    fresh = await ctx.repo.get_chat(chat_id)
    if fresh is not None:
        await ctx.push.serve_now(fresh, ctx.now(), make_deliver(context.bot, ctx))


@admins_only
async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatRecord) -> None:
    if not chat.subscribed:
        await reply(update, t("sub.not_subscribed"))
        return
    await app_ctx(context).chat_settings.unsubscribe(chat.chat_id)
    await confirm(update, context, t("sub.stopped"))


@admins_only
async def settime(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatRecord) -> None:
    hhmm = parse_time(argument(context))
    if hhmm is None:
        await reply(update, t("settime.usage"))
        return
    ctx = app_ctx(context)
    await ctx.chat_settings.set_time(chat, hhmm, ctx.now())
    await confirm(update, context, t("settime.done", time=hhmm, tz=chat.timezone or ctx.settings.timezone))


@admins_only
async def timezone(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatRecord) -> None:
    query = argument(context)
    if not query:
        await reply(update, t("timezone.usage"))
        return
    found = find_timezone(query)
    if found.zone is None:
        if not found.suggestions:
            await reply(update, t("timezone.unknown", query=escape(query)))
            return
        buttons = [[InlineKeyboardButton(z, callback_data=f"tz:{z}")] for z in found.suggestions]
        keyboard = InlineKeyboardMarkup(buttons)
        await confirm(update, context, t("timezone.suggest", query=escape(query)), keyboard, CHANNEL_SETTINGS_TTL)
        return
    await _set_zone(update, context, chat, found.zone)


async def _set_zone(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatRecord, zone: str) -> None:
    ctx = app_ctx(context)
    await ctx.chat_settings.set_timezone(chat, zone, ctx.now())
    local = ctx.now().astimezone(ZoneInfo(zone)).strftime("%H:%M")
    await confirm(update, context, t("timezone.done", tz=zone, local=local))


@admins_only
async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatRecord) -> None:
    days = parse_days(argument(context))
    if days is None:
        await reply(update, t("pause.usage", max=MAX_PAUSE_DAYS))
        return
    await _pause(update, context, chat, days)


async def _pause(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatRecord, days: int) -> None:
    ctx = app_ctx(context)
    until = await ctx.chat_settings.pause(chat, days, ctx.now())
    await confirm(update, context, t("pause.done", date=until.strftime("%a %d %b %Y")))


@admins_only
async def resume(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatRecord) -> None:
    ctx = app_ctx(context)
    if chat.paused_until is None:
        await reply(update, t("resume.not_paused"))
        return
    await ctx.chat_settings.resume(chat.chat_id)
    fresh = await ctx.repo.get_chat(chat.chat_id)
    resolved = ctx.chat_settings.resolve(fresh or chat, ctx.now())
    await confirm(update, context, t("resume.done", next=_fmt(resolved.next_push)))


async def show_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Anyone may look; only those allowed may press the buttons."""
    ctx = app_ctx(context)
    chat = update.effective_chat
    record = await ctx.repo.get_chat(chat.id) if chat else None
    if record is None:
        return
    await confirm(update, context, settings_text(context, record), settings_keyboard(record), CHANNEL_SETTINGS_TTL)


def settings_text(context: ContextTypes.DEFAULT_TYPE, chat: ChatRecord) -> str:
    ctx = app_ctx(context)
    s = ctx.chat_settings.resolve(chat, ctx.now())
    topic = ctx.bank.topics.get(s.topic_id) if s.topic_id else None
    paused = t("settings.paused_until", date=s.paused_until.isoformat()) if s.paused_until else t("settings.not_paused")
    body = t(
        "settings.body",
        subscribed=t("settings.yes") if s.subscribed else t("settings.no"),
        time=s.push_time,
        tz=s.timezone,
        topic=escape(topic.title) if topic else t("settings.all_topics"),
        paused=paused,
        next=_fmt(s.next_push),
    )
    return t("settings.header") + "\n\n" + body


def settings_keyboard(chat: ChatRecord) -> InlineKeyboardMarkup:
    first = (
        InlineKeyboardButton(t("button.unsubscribe"), callback_data="set:unsub")
        if chat.subscribed
        else InlineKeyboardButton(t("button.subscribe"), callback_data="set:sub")
    )
    second = (
        InlineKeyboardButton(t("button.resume"), callback_data="set:resume")
        if chat.paused_until
        else InlineKeyboardButton(t("button.pause_week"), callback_data="set:pause7")
    )
    times = [InlineKeyboardButton(h, callback_data=f"set:time:{h}") for h in ("06:00", "07:00", "08:00", "21:00")]
    return InlineKeyboardMarkup([[first, second], times])


@admins_only
async def on_settings_button(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatRecord) -> None:
    """``set:sub|unsub|pause7|resume|time:HH:MM``, ``sub:<topic>`` and ``tz:<zone>`` buttons."""
    query = update.callback_query
    if query is None or not query.data:
        return
    ctx = app_ctx(context)
    kind, _, value = query.data.partition(":")
    await query.answer()
    if chat.is_channel and isinstance(query.message, Message):
        # A channel's settings keyboard is gone once used: its subscribers see only the outcome.
        with suppress(TelegramError):
            await query.message.delete()
    if kind == "tz" and find_timezone(value).zone == value:
        await _set_zone(update, context, chat, value)
    elif kind == "sub" and (value in ctx.bank.topics or value == "*"):
        await _subscribe(update, context, chat, value)
    elif kind == "set" and (value in ("sub", "unsub", "pause7", "resume") or value.startswith("time:")):
        await _apply_setting(update, context, chat, value)
        fresh = await ctx.repo.get_chat(chat.chat_id)
        if fresh is None:
            return
        if chat.is_channel:
            await confirm(update, context, settings_text(context, fresh))
        elif fresh != chat:  # a choice already set changes nothing, and Telegram refuses such an edit
            await edit(query, settings_text(context, fresh), settings_keyboard(fresh))
    else:
        await reply(update, t("error.stale_button"))


async def _apply_setting(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatRecord, value: str) -> None:
    service = app_ctx(context).chat_settings
    if value == "sub":
        if await service.subscribe(chat, chat.push_topic, app_ctx(context).now()):
            await _push_today(context, chat.chat_id)
    elif value == "unsub":
        await service.unsubscribe(chat.chat_id)
    elif value == "pause7":
        await service.pause(chat, 7, app_ctx(context).now())
    elif value == "resume":
        await service.resume(chat.chat_id)
    elif (hhmm := parse_time(value.removeprefix("time:"))) is not None:
        await service.set_time(chat, hhmm, app_ctx(context).now())
