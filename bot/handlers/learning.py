"""/review, /mistakes, /test, /mains, /export, /forget, their buttons and their /start deep links.

Callback data: ``rv:go`` (continue review), ``mk:<index>`` (mistakes page), ``ts:go:<topic|*>`` and
``ts:quit`` (mock tests), ``mn:go:<topic|*>`` and ``mn:key:<prompt>`` (Mains), ``fg:yes|no``
(forget), ``wk:<topic>`` (practise a weak topic from /stats).

What is personal (review, mistakes, tests, export, forget) happens in the private chat: in a group
these commands answer with a button that opens it, rather than flooding the group.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.delivery.learning import start_review, start_test, user_tz
from bot.handlers.common import ALL, app_ctx, argument, edit, is_private, reply
from bot.handlers.groups import within_cooldown
from bot.handlers.study import deliver_quiz, resolve_topic
from bot.render import learning as render_learning
from bot.render.texts import t
from bot.services.parsing import parse_int
from bot.services.stats import TopicStats

log = logging.getLogger(__name__)

#: Callback data prefixes handled here (registered before the generic button handler).
PATTERN = r"^(rv|mk|ts|mn|fg|wk):"
#: /test arguments that give up the running test instead of naming a topic.
STOP_WORDS = frozenset({"stop", "quit", "cancel"})
#: Longest topic title shown on a button.
_BUTTON_TITLE = 40


# --- keyboards ------------------------------------------------------------------------------------
def private_link(username: str | None, payload: str) -> InlineKeyboardMarkup:
    """A button that opens the private chat and runs ``payload`` there (``/start <payload>``)."""
    url = f"https://t.me/{username or ''}?start={payload}"
    return InlineKeyboardMarkup([[InlineKeyboardButton(t("button.open_private"), url=url)]])


def mistake_keyboard(index: int, total: int, topic_id: str) -> InlineKeyboardMarkup:
    """Newer/older arrows where there are neighbours, and a quiz on the mistake's topic."""
    arrows = []
    if index > 0:
        arrows.append(InlineKeyboardButton(t("button.newer"), callback_data=f"mk:{index - 1}"))
    if index + 1 < total:
        arrows.append(InlineKeyboardButton(t("button.older"), callback_data=f"mk:{index + 1}"))
    practise = [InlineKeyboardButton(t("button.practise_topic"), callback_data=f"wk:{topic_id}")]
    return InlineKeyboardMarkup([arrows, practise] if arrows else [practise])


def mains_keyboard(prompt_id: str | None) -> InlineKeyboardMarkup:
    """The key-points button (until pressed) and one for another prompt."""
    rows = []
    if prompt_id is not None:
        rows.append([InlineKeyboardButton(t("button.key_points"), callback_data=f"mn:key:{prompt_id}")])
    rows.append([InlineKeyboardButton(t("button.another_prompt"), callback_data="mn:go:*")])
    return InlineKeyboardMarkup(rows)


def practise_buttons(topics: list[TopicStats]) -> InlineKeyboardMarkup | None:
    """A button per weak topic on /stats; each sends a quiz on it."""
    if not topics:
        return None
    rows = [
        [InlineKeyboardButton(t("button.practise", title=x.title[:_BUTTON_TITLE]), callback_data=f"wk:{x.topic_id}")]
        for x in topics
    ]
    return InlineKeyboardMarkup(rows)


def forget_keyboard() -> InlineKeyboardMarkup:
    """The confirmation /forget asks for before deleting anything."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t("button.forget_yes"), callback_data="fg:yes"),
                InlineKeyboardButton(t("button.forget_no"), callback_data="fg:no"),
            ]
        ]
    )


async def _elsewhere(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: str) -> bool:
    """Outside a private chat, point to it with a deep link (True); in one, carry on (False)."""
    if is_private(update.effective_chat):
        return False
    await reply(update, t("private.only"), private_link(context.bot.username, payload))
    return True


# --- commands -------------------------------------------------------------------------------------
async def review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/review: the due questions, one at a time (in groups: a link to the private chat)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or await _elsewhere(update, context, "review"):
        return
    await start_review(context.bot, app_ctx(context), user.id, chat.id)


async def mistakes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/mistakes: the newest wrong answer, with buttons to page through the others."""
    user = update.effective_user
    if user is None or await _elsewhere(update, context, "mistakes"):
        return
    await _show_mistake(update, context, user.id, 0, None)


async def test(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/test [topic] — or /test stop."""
    ctx = app_ctx(context)
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    asked = argument(context)
    if not is_private(chat):
        best = ctx.study.find_topic(asked).best if asked and asked.casefold() not in STOP_WORDS else None
        await _elsewhere(update, context, f"test_{best.id}" if best else "test")
        return
    if asked.casefold() in STOP_WORDS:
        await _quit_test(update, context, user.id)
        return
    topic_id = await resolve_topic(update, context, "ts:go")
    if topic_id is not None:
        await start_test(context.bot, ctx, user.id, chat.id, None if topic_id == ALL else topic_id)


async def mains(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/mains [topic]: one prompt is no flood, so it is answered wherever it is asked."""
    topic_id = await resolve_topic(update, context, "mn:go")
    if topic_id is not None:
        await _send_mains(update, context, topic_id)


async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export: the user's answer history as a CSV document."""
    ctx = app_ctx(context)
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or await _elsewhere(update, context, "export"):
        return
    tz = await user_tz(ctx, user.id)
    result = await ctx.learning.data.export_csv(user.id, tz)
    if not result.rows:
        await reply(update, t("export.empty"))
        return
    await context.bot.send_document(
        chat.id,
        result.content,
        filename=result.filename,
        caption=t("export.caption", count=result.rows, tz=tz.key),
    )


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/forget: ask for confirmation; the ``fg:yes`` button deletes."""
    if update.effective_user is None or await _elsewhere(update, context, "forget"):
        return
    await reply(update, t("forget.confirm"), forget_keyboard())


async def start_payload(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: str) -> bool:
    """Run the command a group's deep link asked for (``/start review`` ...); False if none."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or not is_private(chat):
        return False
    ctx = app_ctx(context)
    name, _, topic_id = payload.partition("_")
    if name == "test":
        await start_test(context.bot, ctx, user.id, chat.id, topic_id if topic_id in ctx.bank.topics else None)
        return True
    commands: dict[str, Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]] = {
        "review": review,
        "mistakes": mistakes,
        "export": export,
        "forget": forget,
    }
    command = commands.get(payload)
    if command is None:
        return False
    await command(update, context)
    return True


# --- buttons --------------------------------------------------------------------------------------
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every learning button. Each query is answered once; stale or tampered data gets a notice."""
    query = update.callback_query
    if query is None:
        return
    kind, _, value = (query.data or "").partition(":")
    handlers: dict[str, Callable[[Update, ContextTypes.DEFAULT_TYPE, CallbackQuery, str], Awaitable[bool]]] = {
        "rv": _review_button,
        "mk": _mistakes_button,
        "ts": _test_button,
        "mn": _mains_button,
        "fg": _forget_button,
        "wk": _weak_topic_button,
    }
    handler = handlers.get(kind)
    if handler is None or not await handler(update, context, query, value):
        await query.answer(t("error.stale_button"))


async def _private_button(update: Update, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery) -> bool:
    """Personal buttons work only in the private chat; elsewhere say where to go (query answered)."""
    if is_private(update.effective_chat):
        return True
    await query.answer(t("private.only"), show_alert=True)
    return False


async def _review_button(update: Update, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, value: str) -> bool:
    chat = update.effective_chat
    if value != "go" or chat is None:
        return False
    if await _private_button(update, context, query):
        await query.answer()
        await start_review(context.bot, app_ctx(context), query.from_user.id, chat.id)
    return True


async def _mistakes_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, value: str
) -> bool:
    index = parse_int(value, high=9999)
    if index is None:
        return False
    if not await _private_button(update, context, query):
        return True
    return await _show_mistake(update, context, query.from_user.id, index, query)


async def _show_mistake(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user_id: int, index: int, query: CallbackQuery | None
) -> bool:
    """Show a mistake: a new message for /mistakes, the same one edited for its buttons."""
    ctx = app_ctx(context)
    page = await ctx.learning.practice.mistake_page(user_id, index)
    if page is None:
        if query is not None:
            return False  # the list changed (or the data was made up): a stale button
        await reply(update, t("mistakes.none"))
        return True
    text = render_learning.mistake(page, ctx.bank, await user_tz(ctx, user_id))
    keyboard = mistake_keyboard(page.index, page.total, page.mistake.question.topic)
    if query is None:
        await reply(update, text, keyboard)
        return True
    await query.answer()
    await edit(query, text, keyboard)
    return True


async def _test_button(update: Update, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, value: str) -> bool:
    ctx = app_ctx(context)
    chat = update.effective_chat
    action, _, topic_id = value.partition(":")
    if chat is None or not (
        (action == "quit" and not topic_id) or (action == "go" and (topic_id == ALL or topic_id in ctx.bank.topics))
    ):
        return False
    if not await _private_button(update, context, query):
        return True
    await query.answer()
    if action == "quit":
        await _quit_test(update, context, query.from_user.id)
    else:
        await start_test(context.bot, ctx, query.from_user.id, chat.id, None if topic_id == ALL else topic_id)
    return True


async def _quit_test(update: Update, context: ContextTypes.DEFAULT_TYPE, user_id: int) -> None:
    ctx = app_ctx(context)
    given_up = await ctx.learning.tests.abandon(user_id, ctx.now())
    await reply(update, t("test.abandoned") if given_up else t("test.none_running"))


async def _mains_button(update: Update, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, value: str) -> bool:
    ctx = app_ctx(context)
    action, _, item = value.partition(":")
    if action == "key":
        prompt = ctx.learning.practice.mains_by_id(item)
        if prompt is None:
            return False
        await query.answer()
        text = (
            render_learning.mains_prompt(prompt, ctx.bank) + "\n\n" + render_learning.mains_key_points(prompt, ctx.bank)
        )
        await edit(query, text, mains_keyboard(None))
        return True
    if action == "go" and (item == ALL or item in ctx.bank.topics):
        await query.answer()
        await _send_mains(update, context, item)
        return True
    return False


async def _send_mains(update: Update, context: ContextTypes.DEFAULT_TYPE, topic_id: str) -> None:
    ctx = app_ctx(context)
    prompt = ctx.learning.practice.mains_prompt(None if topic_id == ALL else topic_id)
    if prompt is None:
        await reply(update, t("mains.none"))
        return
    await reply(update, render_learning.mains_prompt(prompt, ctx.bank), mains_keyboard(prompt.id))


async def _forget_button(update: Update, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, value: str) -> bool:
    if value not in ("yes", "no"):
        return False
    if not await _private_button(update, context, query):
        return True
    await query.answer()
    if value == "no":
        await edit(query, t("forget.cancelled"), None)
        return True
    report = await app_ctx(context).learning.data.forget(query.from_user.id)
    log.info("forgot user %s at their request", query.from_user.id)
    await edit(query, render_learning.forget_done(report), None)
    return True


async def _weak_topic_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, value: str
) -> bool:
    chat = update.effective_chat
    if chat is None or value not in app_ctx(context).bank.topics:
        return False
    if await within_cooldown(update, context, "quiz"):
        return True
    await query.answer()
    await deliver_quiz(context, chat, value, query.from_user.id)
    return True
