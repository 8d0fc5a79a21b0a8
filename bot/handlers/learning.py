"""/review, /mistakes, /test, /mains, /export, /forget, their buttons and their /start deep links.

Buttons (see bot/render/callbacks.py): continue a review, page mistakes, start or give up a mock
test, Mains prompts and key points, confirm /forget, practise a weak topic from /stats.

What is personal (review, mistakes, tests, export, forget) happens in the private chat: in a group
these commands answer with a button that opens it, rather than flooding the group.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Update

from bot.context import StudyContext
from bot.delivery.learning import start_review, start_test, user_tz
from bot.handlers.support import (
    SESSION_STOP_WORDS,
    argument,
    chat_language,
    deliver_quiz,
    edit,
    is_private,
    point_to_private_chat,
    reply,
    resolve_topic,
    session_command,
    within_cooldown,
)
from bot.render import callbacks, keyboards
from bot.render import learning as render_learning
from bot.render.callbacks import ALL, Action
from bot.render.texts import t, tn
from bot.services.parsing import parse_int
from bot.services.quiz_session import DEFAULT_SIZE as SESSION_SIZE
from bot.services.scoring import format_marks

log = logging.getLogger(__name__)

#: The buttons handled here (registered before the topic buttons).
ACTIONS = (Action.REVIEW, Action.MISTAKES, Action.TEST, Action.MAINS, Action.FORGET, Action.WEAK_TOPIC)
#: /test arguments that give up the running test instead of naming a topic.
STOP_WORDS = SESSION_STOP_WORDS


# --- commands -------------------------------------------------------------------------------------
async def review(update: Update, context: StudyContext) -> None:
    """/review: the due questions, one at a time (in groups: a link to the private chat)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or await point_to_private_chat(update, context, "review"):
        return
    await start_review(context.bot, context.app, user.id, chat.id, await chat_language(update, context))


async def mistakes(update: Update, context: StudyContext) -> None:
    """/mistakes: the newest wrong answer, with buttons to page through the others."""
    user = update.effective_user
    if user is None or await point_to_private_chat(update, context, "mistakes"):
        return
    await _show_mistake(update, context, user.id, 0, None)


async def test(update: Update, context: StudyContext) -> None:
    """/test [topic] — or /test stop."""
    ctx = context.app
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    asked = argument(context)
    # A group's admin starts (or stops) a quiz session of the mock test's length for everyone.
    if await session_command(update, context, list(context.args or []), default_size=SESSION_SIZE):
        return
    lang = await chat_language(update, context)
    if not is_private(chat):
        best = ctx.study.find_topic(asked, lang).best if asked and asked.casefold() not in STOP_WORDS else None
        await point_to_private_chat(update, context, f"test_{best.id}" if best else "test")
        return
    if asked.casefold() in STOP_WORDS:
        await _quit_test(update, context, user.id)
        return
    topic_id = await resolve_topic(update, context, callbacks.test_start)
    if topic_id is not None:
        await start_test(context.bot, ctx, user.id, chat.id, None if topic_id == ALL else topic_id, lang)


async def mains(update: Update, context: StudyContext) -> None:
    """/mains [topic]: one prompt is no flood, so it is answered wherever it is asked."""
    topic_id = await resolve_topic(update, context, callbacks.mains_another)
    if topic_id is not None:
        await _send_mains(update, context, topic_id)


async def export(update: Update, context: StudyContext) -> None:
    """/export: the user's answer history as a CSV document."""
    lang = await chat_language(update, context)
    ctx = context.app
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or await point_to_private_chat(update, context, "export"):
        return
    tz = await user_tz(ctx, user.id)
    result = await ctx.learning.data.export_csv(user.id, tz, lang)
    if not result.rows:
        await reply(update, t("export.empty", lang))
        return
    await context.bot.send_document(
        chat.id,
        result.content,
        filename=result.filename,
        caption=t("export.caption", lang, count=tn("count.answer", result.rows, lang), tz=tz.key),
    )


async def forget(update: Update, context: StudyContext) -> None:
    """/forget: ask for confirmation; the ``fg:yes`` button deletes."""
    lang = await chat_language(update, context)
    if update.effective_user is None or await point_to_private_chat(update, context, "forget"):
        return
    await reply(update, t("forget.confirm", lang), keyboards.forget(lang))


async def start_test_link(update: Update, context: StudyContext, topic_id: str) -> None:
    """``/start test_<topic>``: a group's link to a mock test, opened in the private chat."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or not is_private(chat):
        return
    ctx = context.app
    lang = await chat_language(update, context)
    await start_test(context.bot, ctx, user.id, chat.id, topic_id if topic_id in ctx.bank.topics else None, lang)


# --- buttons --------------------------------------------------------------------------------------
async def on_button(update: Update, context: StudyContext) -> None:
    """Every learning button. Each query is answered once; stale or tampered data gets a notice."""
    lang = await chat_language(update, context)
    query = update.callback_query
    if query is None:
        return
    pressed = callbacks.decode(query.data)
    handlers: dict[Action, Callable[[Update, StudyContext, CallbackQuery, str], Awaitable[bool]]] = {
        Action.REVIEW: _review_button,
        Action.MISTAKES: _mistakes_button,
        Action.TEST: _test_button,
        Action.MAINS: _mains_button,
        Action.FORGET: _forget_button,
        Action.WEAK_TOPIC: _weak_topic_button,
    }
    handler = handlers.get(pressed.action) if pressed else None
    if pressed is None or handler is None or not await handler(update, context, query, pressed.value):
        await query.answer(t("error.stale_button", lang))


async def _private_button(update: Update, context: StudyContext, query: CallbackQuery) -> bool:
    """Personal buttons work only in the private chat; elsewhere say where to go (query answered)."""
    lang = await chat_language(update, context)
    if is_private(update.effective_chat):
        return True
    await query.answer(t("private.only", lang), show_alert=True)
    return False


async def _review_button(update: Update, context: StudyContext, query: CallbackQuery, value: str) -> bool:
    chat = update.effective_chat
    if value != "go" or chat is None:
        return False
    if await _private_button(update, context, query):
        await query.answer()
        lang = await chat_language(update, context)
        await start_review(context.bot, context.app, query.from_user.id, chat.id, lang)
    return True


async def _mistakes_button(update: Update, context: StudyContext, query: CallbackQuery, value: str) -> bool:
    index = parse_int(value, high=9999)
    if index is None:
        return False
    if not await _private_button(update, context, query):
        return True
    return await _show_mistake(update, context, query.from_user.id, index, query)


async def _show_mistake(
    update: Update, context: StudyContext, user_id: int, index: int, query: CallbackQuery | None
) -> bool:
    """Show a mistake: a new message for /mistakes, the same one edited for its buttons."""
    lang = await chat_language(update, context)
    ctx = context.app
    page = await ctx.learning.practice.mistake_page(user_id, index)
    if page is None:
        if query is not None:
            return False  # the list changed (or the data was made up): a stale button
        await reply(update, t("mistakes.none", lang))
        return True
    text = render_learning.mistake(page, ctx.bank_in(lang), await user_tz(ctx, user_id), lang)
    keyboard = keyboards.mistakes(page.index, page.total, page.mistake.question.topic, lang)
    if query is None:
        await reply(update, text, keyboard)
        return True
    await query.answer()
    await edit(query, text, keyboard)
    return True


async def _test_button(update: Update, context: StudyContext, query: CallbackQuery, value: str) -> bool:
    ctx = context.app
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
        lang = await chat_language(update, context)
        topic = None if topic_id == ALL else topic_id
        await start_test(context.bot, ctx, query.from_user.id, chat.id, topic, lang)
    return True


async def _quit_test(update: Update, context: StudyContext, user_id: int) -> None:
    lang = await chat_language(update, context)
    ctx = context.app
    given_up = await ctx.learning.tests.abandon(user_id, ctx.now())
    if given_up is None:
        await reply(update, t("test.none_running", lang))
        return
    partial = await ctx.learning.tests.result(given_up.test_id)
    answered = partial.correct + partial.wrong if partial else 0
    if partial is None or not answered:
        await reply(update, t("test.abandoned", lang))
        return
    await reply(
        update,
        t(
            "test.abandoned_partial",
            lang,
            answered=answered,
            size=given_up.size,
            correct=partial.correct,
            wrong=partial.wrong,
            score=format_marks(partial.score),
        ),
    )


async def _mains_button(update: Update, context: StudyContext, query: CallbackQuery, value: str) -> bool:
    ctx = context.app
    action, _, item = value.partition(":")
    if action == "key":
        prompt = ctx.learning.practice.mains_by_id(item)
        if prompt is None:
            return False
        await query.answer()
        lang = await chat_language(update, context)
        bank = ctx.bank_in(lang)
        text = (
            render_learning.mains_prompt(prompt, bank, lang)
            + "\n\n"
            + render_learning.mains_key_points(prompt, bank, lang)
        )
        await edit(query, text, keyboards.mains(None, lang))
        return True
    if action == "go" and (item == ALL or item in ctx.bank.topics):
        await query.answer()
        await _send_mains(update, context, item)
        return True
    return False


async def _send_mains(update: Update, context: StudyContext, topic_id: str) -> None:
    lang = await chat_language(update, context)
    ctx = context.app
    prompt = ctx.learning.practice.mains_prompt(None if topic_id == ALL else topic_id)
    if prompt is None:
        await reply(update, t("mains.none", lang))
        return
    await reply(update, render_learning.mains_prompt(prompt, ctx.bank_in(lang), lang), keyboards.mains(prompt.id, lang))


async def _forget_button(update: Update, context: StudyContext, query: CallbackQuery, value: str) -> bool:
    lang = await chat_language(update, context)
    if value not in ("yes", "no"):
        return False
    if not await _private_button(update, context, query):
        return True
    await query.answer()
    if value == "no":
        await edit(query, t("forget.cancelled", lang), None)
        return True
    report = await context.app.learning.data.forget(query.from_user.id)
    if report.nothing:
        await edit(query, t("forget.nothing", lang), None)  # pressed twice: it was all gone already
        return True
    log.info("forgot user %s at their request", query.from_user.id)
    await edit(query, render_learning.forget_done(report, lang), None)
    return True


async def _weak_topic_button(update: Update, context: StudyContext, query: CallbackQuery, value: str) -> bool:
    chat = update.effective_chat
    if chat is None or value not in context.app.bank.topics:
        return False
    if await within_cooldown(update, context, "quiz"):
        return True
    await query.answer()
    await deliver_quiz(context, chat, value, query.from_user.id, await chat_language(update, context))
    return True
