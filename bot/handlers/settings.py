"""/subscribe, /unsubscribe, /settime, /timezone, /pause, /resume, /settings and their buttons."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update

from bot.context import StudyContext
from bot.delivery.push import make_deliver
from bot.handlers.permissions import can_change_settings
from bot.handlers.support import (
    CHANNEL_SETTINGS_TTL,
    MAX_ARGUMENT_LENGTH,
    argument,
    chat_language,
    confirm,
    delete_pressed,
    edit,
    reply,
    resolve_topic,
)
from bot.languages import LANGUAGES, parse_language
from bot.render import callbacks, keyboards
from bot.render import messages as render
from bot.render.callbacks import Action
from bot.render.messages import escape
from bot.render.texts import t
from bot.services.chat_settings import MAX_PAUSE_DAYS, PUSH_SIZES, find_timezone, parse_time
from bot.services.parsing import parse_int, read_days, read_time
from bot.storage.repository import ChatRecord

#: The values of ``set:`` buttons besides ``time:HH:MM``.
SETTING_VALUES = ("sub", "unsub", "pause7", "resume")

Handler = Callable[[Update, StudyContext], Coroutine[Any, Any, None]]


def admins_only(handler: Callable[[Update, StudyContext, ChatRecord], Awaitable[None]]) -> Handler:
    """Run a settings handler only for those allowed to change this chat; pass it the chat's record."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: StudyContext) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        lang = await chat_language(update, context)
        if not await can_change_settings(update, context):
            if update.callback_query is not None:
                await update.callback_query.answer(t("admin.only", lang), show_alert=True)
            else:
                await reply(update, t("admin.only", lang))
            return
        if len(argument(context)) > MAX_ARGUMENT_LENGTH:
            await reply(update, t("error.too_long", lang))
            return
        record = await context.app.chat_settings.get(chat.id)
        if record is None:  # remember() runs first, so this only happens if the store was wiped
            return
        await handler(update, context, record)

    return guarded


@admins_only
async def subscribe(update: Update, context: StudyContext, chat: ChatRecord) -> None:
    topic_id = await resolve_topic(update, context, callbacks.subscribe)
    if topic_id is None:
        return
    await _subscribe(update, context, chat, topic_id)


async def _subscribe(update: Update, context: StudyContext, chat: ChatRecord, topic_id: str) -> None:
    lang = await chat_language(update, context)
    ctx = context.app
    topic = ctx.bank_in(lang).topics.get(topic_id)
    due_now = await ctx.chat_settings.subscribe(chat, topic.id if topic else None, ctx.now())
    resolved = ctx.chat_settings.resolve(chat, ctx.now())
    suffix = t("sub.topic_suffix", lang, topic=escape(topic.title)) if topic else ""
    key = "sub.done_now" if due_now else "sub.done"
    if chat.is_channel:  # worded for the channel's readers, not for one person
        key += "_channel"
    await confirm(update, context, t(key, lang, time=resolved.push_time, tz=resolved.timezone, topic=suffix))
    if due_now:
        await _push_today(context, chat.chat_id)


async def _push_today(context: StudyContext, chat_id: int) -> None:
    """A new subscriber after today's time sees at once what they signed up for."""
    ctx = context.app
    fresh = await ctx.chat_settings.get(chat_id)
    if fresh is not None:
        await ctx.push.serve_now(fresh, ctx.now(), make_deliver(context.bot, ctx))


@admins_only
async def unsubscribe(update: Update, context: StudyContext, chat: ChatRecord) -> None:
    lang = await chat_language(update, context)
    if not chat.subscribed:
        await reply(update, t("sub.not_subscribed", lang))
        return
    await context.app.chat_settings.unsubscribe(chat.chat_id)
    await confirm(update, context, t("sub.stopped", lang))


@admins_only
async def settime(update: Update, context: StudyContext, chat: ChatRecord) -> None:
    lang = await chat_language(update, context)
    typed = argument(context)
    read = read_time(typed)
    hhmm = read.value
    if hhmm is None:
        problem = t(read.problem, lang, typed=escape(typed)) + "\n" if typed and read.problem else ""
        await reply(update, problem + t("settime.usage", lang))
        return
    ctx = context.app
    await ctx.chat_settings.set_time(chat, hhmm, ctx.now())
    await confirm(update, context, t("settime.done", lang, time=hhmm, tz=chat.timezone or ctx.settings.timezone))


@admins_only
async def timezone(update: Update, context: StudyContext, chat: ChatRecord) -> None:
    lang = await chat_language(update, context)
    query = argument(context)
    if not query:
        await reply(update, t("timezone.usage", lang))
        return
    found = find_timezone(query)
    if found.zone is None:
        if not found.suggestions:
            await reply(update, t("timezone.unknown", lang, query=escape(query)))
            return
        keyboard = keyboards.timezones(found.suggestions)
        await confirm(update, context, t("timezone.suggest", lang, query=escape(query)), keyboard, CHANNEL_SETTINGS_TTL)
        return
    await _set_zone(update, context, chat, found.zone, query if found.guessed else None)


async def _set_zone(
    update: Update, context: StudyContext, chat: ChatRecord, zone: str, read_from: str | None = None
) -> None:
    lang = await chat_language(update, context)
    ctx = context.app
    await ctx.chat_settings.set_timezone(chat, zone, ctx.now())
    local = ctx.now().astimezone(ZoneInfo(zone)).strftime("%H:%M")
    if read_from is None:
        await confirm(update, context, t("timezone.done", lang, tz=zone, local=local))
    else:
        await confirm(update, context, t("timezone.done_guess", lang, tz=zone, local=local, query=escape(read_from)))


@admins_only
async def pause(update: Update, context: StudyContext, chat: ChatRecord) -> None:
    lang = await chat_language(update, context)
    typed = argument(context)
    read = read_days(typed, MAX_PAUSE_DAYS)
    days = read.value
    if days is None:
        problem = (
            t(read.problem, lang, typed=escape(typed), max=MAX_PAUSE_DAYS) + "\n" if typed and read.problem else ""
        )
        await reply(update, problem + t("pause.usage", lang, max=MAX_PAUSE_DAYS))
        return
    await _pause(update, context, chat, days)


async def _pause(update: Update, context: StudyContext, chat: ChatRecord, days: int) -> None:
    lang = await chat_language(update, context)
    ctx = context.app
    until = await ctx.chat_settings.pause(chat, days, ctx.now())
    await confirm(update, context, t("pause.done", lang, date=render.day_text(until, lang)))


@admins_only
async def resume(update: Update, context: StudyContext, chat: ChatRecord) -> None:
    lang = await chat_language(update, context)
    ctx = context.app
    if chat.paused_until is None:
        await reply(update, t("resume.not_paused", lang))
        return
    await ctx.chat_settings.resume(chat.chat_id)
    fresh = await ctx.chat_settings.get(chat.chat_id)
    resolved = ctx.chat_settings.resolve(fresh or chat, ctx.now())
    await confirm(update, context, t("resume.done", lang, next=render.when_next(resolved.next_push, lang)))


async def show_settings(update: Update, context: StudyContext) -> None:
    """Anyone may look; only those allowed may press the buttons."""
    ctx = context.app
    chat = update.effective_chat
    record = await ctx.chat_settings.get(chat.id) if chat else None
    if record is None:
        return
    keyboard = settings_keyboard(context, record)
    await confirm(update, context, settings_text(context, record), keyboard, CHANNEL_SETTINGS_TTL)


def settings_keyboard(context: StudyContext, chat: ChatRecord) -> InlineKeyboardMarkup:
    ctx = context.app
    resolved = ctx.chat_settings.resolve(chat, ctx.now())
    return keyboards.settings(chat, resolved.push_time, resolved.language)


def settings_text(context: StudyContext, chat: ChatRecord) -> str:
    """/settings in the chat's language as ``chat`` has it (just changed, it may be a new one)."""
    ctx = context.app
    resolved = ctx.chat_settings.resolve(chat, ctx.now())
    topic = ctx.bank_in(resolved.language).topics.get(resolved.topic_id) if resolved.topic_id else None
    return render.settings(resolved, topic.title if topic else None, resolved.language)


@admins_only
async def language(update: Update, context: StudyContext, chat: ChatRecord) -> None:
    """/language: the buttons; ``/language hi`` (``hindi``, ``हिन्दी``, ``en``, ``english`` …) sets it."""
    typed = argument(context)
    current = context.app.chat_settings.language(chat)
    if not typed:
        text = render.language_choice(current)
        await confirm(update, context, text, keyboards.languages(current), CHANNEL_SETTINGS_TTL)
        return
    chosen = parse_language(typed)
    if chosen is None:
        text = t("language.unknown", current, query=escape(typed))
        await confirm(update, context, text, keyboards.languages(current), CHANNEL_SETTINGS_TTL)
        return
    await _set_language(context, chat, chosen)
    await confirm(update, context, t("language.done", chosen))


async def _set_language(context: StudyContext, chat: ChatRecord, chosen: str) -> None:
    """Store the chat's choice; the rest of this update speaks it too."""
    await context.app.chat_settings.set_language(chat.chat_id, chosen)
    context.language = chosen


@admins_only
async def on_settings_button(update: Update, context: StudyContext, chat: ChatRecord) -> None:
    """``set:sub|unsub|pause7|resume|time:HH:MM|size:N|lang:<code>``, ``sub:<topic>``, ``tz:<zone>``
    and ``lang:<code>`` buttons."""
    lang = await chat_language(update, context)
    query = update.callback_query
    if query is None or not query.data:
        return
    ctx = context.app
    pressed = callbacks.decode(query.data)
    value = pressed.value if pressed else ""
    valid = pressed is not None and (
        (pressed.action == Action.TIMEZONE and find_timezone(value).zone == value)
        or (pressed.action == Action.SUBSCRIBE and (value in ctx.bank.topics or value == callbacks.ALL))
        or (pressed.action == Action.SETTING and (value in SETTING_VALUES or value.startswith(("time:", "size:"))))
        or (pressed.action == Action.SETTING and value.startswith("lang:") and value[len("lang:") :] in LANGUAGES)
        or (pressed.action == Action.LANGUAGE and value in LANGUAGES)
    )
    if pressed is None or not valid:
        await query.answer(t("error.stale_button", lang))  # a toast: a forged or stale press writes nothing
        return
    await query.answer()
    if chat.is_channel:
        # A channel's settings keyboard is gone once used: its subscribers see only the outcome.
        await delete_pressed(query)
    if pressed.action == Action.LANGUAGE:
        await _set_language(context, chat, value)
        if chat.is_channel:
            await confirm(update, context, t("language.done", value))
        else:
            await edit(query, t("language.done", value), keyboards.languages(value))
    elif pressed.action == Action.TIMEZONE:
        await _set_zone(update, context, chat, value)
    elif pressed.action == Action.SUBSCRIBE:
        await _subscribe(update, context, chat, value)
    else:
        await _apply_setting(update, context, chat, value)
        fresh = await ctx.chat_settings.get(chat.chat_id)
        if fresh is None:
            return
        if chat.is_channel:
            await confirm(update, context, settings_text(context, fresh))
        else:
            shown = settings_text(context, fresh), settings_keyboard(context, fresh)
            # A choice that leaves the page as it was (one already set, or the language the chat
            # already reads by default) is no edit: Telegram refuses an edit that changes nothing.
            if shown != (settings_text(context, chat), settings_keyboard(context, chat)):
                await edit(query, *shown)


async def _apply_setting(update: Update, context: StudyContext, chat: ChatRecord, value: str) -> None:
    service = context.app.chat_settings
    if value == "sub":
        if await service.subscribe(chat, chat.push_topic, context.app.now()):
            await _push_today(context, chat.chat_id)
    elif value == "unsub":
        await service.unsubscribe(chat.chat_id)
    elif value == "pause7":
        await service.pause(chat, 7, context.app.now())
    elif value == "resume":
        await service.resume(chat.chat_id)
    elif value.startswith("size:"):
        size = parse_int(value.removeprefix("size:"))
        if size in PUSH_SIZES:
            await service.set_push_size(chat.chat_id, size)
    elif value.startswith("lang:"):
        await _set_language(context, chat, value.removeprefix("lang:"))
    elif (hhmm := parse_time(value.removeprefix("time:"))) is not None:
        await service.set_time(chat, hhmm, context.app.now())
