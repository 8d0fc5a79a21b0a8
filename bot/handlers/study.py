"""/fact, /quiz, /topics, /topic and the topic buttons (``page:``, ``sum:``, ``fact:``, ``quiz:``)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.context import StudyContext
from bot.delivery.sender import send_quiz
from bot.handlers.support import (
    argument,
    chat_language,
    deliver_fact,
    deliver_quiz,
    edit,
    reply,
    resolve_topic,
    session_command,
    within_cooldown,
)
from bot.render import callbacks, keyboards
from bot.render import messages as render
from bot.render.callbacks import Action
from bot.render.texts import t


async def fact(update: Update, context: StudyContext) -> None:
    if await within_cooldown(update, context, "fact"):
        return
    topic_id = await resolve_topic(update, context, callbacks.fact)
    if topic_id is not None and update.effective_chat:
        await deliver_fact(context, update.effective_chat, topic_id, await chat_language(update, context))


async def quiz(update: Update, context: StudyContext) -> None:
    """/quiz [topic]; in a group an admin's ``/quiz N [topic]`` starts a quiz session, ``/quiz stop`` ends it."""
    words = list(context.args or [])
    if await session_command(update, context, words, default_size=None):
        return
    if words and words[0].isascii() and words[0].isdigit():
        context.args = words[1:]  # a member's /quiz 10 is an ordinary quiz
    if await within_cooldown(update, context, "quiz"):
        return
    topic_id = await resolve_topic(update, context, callbacks.quiz)
    if topic_id is not None and update.effective_chat:
        user = update.effective_user
        lang = await chat_language(update, context)
        await deliver_quiz(context, update.effective_chat, topic_id, user.id if user else None, lang)


async def topics(update: Update, context: StudyContext) -> None:
    lang = await chat_language(update, context)
    all_topics = list(context.app.bank_in(lang).topics.values())
    await reply(update, render.topic_list(all_topics, lang), keyboards.topic_buttons(all_topics))


async def topic(update: Update, context: StudyContext) -> None:
    lang = await chat_language(update, context)
    if not argument(context):
        # One line and the buttons; /topics has the list with descriptions.
        topics = list(context.app.bank_in(lang).topics.values())
        await reply(update, t("topic.usage", lang), keyboards.topic_buttons(topics))
        return
    topic_id = await resolve_topic(update, context, callbacks.topic_page)
    if topic_id is None:
        return
    await send_topic_page(update, context, topic_id, lang)


def _study_page(
    context: StudyContext, topic_id: str, lang: str, *, with_summary: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """A topic's page, takeaways first, and its buttons (summary, fact, quiz, related topics)."""
    bank = context.app.bank_in(lang)
    topic = bank.topics[topic_id]
    related = [bank.topics[r] for r in topic.related if r in bank.topics]
    return (
        render.topic_page(topic, lang, with_summary=with_summary),
        keyboards.topic_page(topic, related, lang, with_summary=with_summary),
    )


async def send_topic_page(update: Update, context: StudyContext, topic_id: str, lang: str) -> None:
    """A topic's study page, takeaways first, with its buttons (summary, fact, quiz, Share, related)."""
    await reply(update, *_study_page(context, topic_id, lang))


async def topic_link(update: Update, context: StudyContext, topic_id: str) -> bool:
    """``?start=topic_<id>``: that topic's page; False when the bank has no such topic."""
    if topic_id not in context.app.bank.topics:
        return False
    await send_topic_page(update, context, topic_id, await chat_language(update, context))
    return True


async def quiz_link(update: Update, context: StudyContext, topic_id: str) -> bool:
    """``?start=quiz_<topic>``: a quiz on that topic; False when the bank has no such topic."""
    chat, user = update.effective_chat, update.effective_user
    if topic_id not in context.app.bank.topics or chat is None:
        return False
    await deliver_quiz(context, chat, topic_id, user.id if user else None, await chat_language(update, context))
    return True


async def question_link(update: Update, context: StudyContext, question_id: str) -> bool:
    """``?start=q_<question id>``: that very question; False when the bank has no such question."""
    ctx = context.app
    question = ctx.bank.questions.get(question_id)
    chat, user = update.effective_chat, update.effective_user
    if question is None or chat is None:
        return False
    lang = await chat_language(update, context)
    await send_quiz(context.bot, ctx, chat.id, question, lang, requested_by=user.id if user else None)
    return True


async def on_topic_button(update: Update, context: StudyContext) -> None:
    """A topic's page, a fact or a quiz on it (``*``: any topic; not for pages)."""
    lang = await chat_language(update, context)
    query = update.callback_query
    if query is None:
        return
    ctx = context.app
    pressed = callbacks.decode(query.data)
    chat = update.effective_chat
    # Pages and the topic list are reading, not a quiz or fact for the group: no cooldown.
    pages = (Action.TOPIC_PAGE, Action.TOPIC_SUMMARY, Action.TOPICS)
    valid = pressed is not None and (
        (pressed.value in ctx.bank.topics and pressed.action != Action.TOPICS)
        or (pressed.value == callbacks.ALL and pressed.action not in (Action.TOPIC_PAGE, Action.TOPIC_SUMMARY))
    )
    if pressed is None or not valid or chat is None:
        await query.answer(t("error.stale_button", lang))
        return
    if pressed.action not in pages and await within_cooldown(update, context, pressed.action.value):
        return
    await query.answer()
    if pressed.action == Action.TOPIC_PAGE:
        await reply(update, *_study_page(context, pressed.value, lang))
    elif pressed.action == Action.TOPICS:
        await reply(update, t("topic.usage", lang), keyboards.topic_buttons(list(ctx.bank_in(lang).topics.values())))
    elif pressed.action == Action.TOPIC_SUMMARY:
        # The folded page grows in place: the takeaways stay on top, the summary comes below.
        await edit(query, *_study_page(context, pressed.value, lang, with_summary=True))
    elif pressed.action == Action.FACT:
        await deliver_fact(context, chat, pressed.value, lang)
    else:
        await deliver_quiz(context, chat, pressed.value, query.from_user.id, lang)
