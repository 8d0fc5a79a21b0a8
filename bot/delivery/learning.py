"""Learning flows as Bot API calls: answer follow-ups, /review sessions and mock tests.

Handlers and the mock-test timer job both come through here, so a review card or a test question
is sent the same way whoever triggers it. Every poll goes out through ``send_quiz``.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.content.twins import twin
from bot.context import AppContext
from bot.delivery.sender import send_quiz
from bot.render import keyboards
from bot.render import learning as render_learning
from bot.render.texts import t
from bot.services.mock_test import MockTestStep
from bot.services.scoring import format_marks
from bot.services.study import AnswerOutcome

log = logging.getLogger(__name__)


async def user_tz(ctx: AppContext, user_id: int) -> ZoneInfo:
    """The time zone of the user's private chat (its id is the user's), else the default."""
    return ctx.chat_tz(await ctx.chat_settings.get(user_id))


async def _say(bot: Bot, chat_id: int, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    await bot.send_message(chat_id, text, reply_markup=keyboard)


# --- after every answer ---------------------------------------------------------------------------
async def after_answer(bot: Bot, ctx: AppContext, outcome: AnswerOutcome) -> None:
    """The follow-ups of an answer (its review card was stored with it): the full explanation
    (private chats), the next review card, or the mock test's next question."""
    now = ctx.now()
    poll = outcome.poll
    # In a private chat the chat's id is the user's; a mock test keeps its explanations for the end.
    private = poll.chat_id == outcome.user_id
    if not private and poll.purpose not in ("review", "test"):
        return  # a group's or channel's answer is followed by nothing: no language to read
    # A poll answer comes without a chat: what follows is in the language of the chat the poll went to.
    lang = await ctx.language_of(poll.chat_id)
    bank = ctx.bank_in(lang)
    question = twin(bank, outcome.question)
    if private and poll.purpose in ("quiz", "push"):
        # No dead end: the full explanation (when there is one) and the next question, one tap away.
        text = (
            render_learning.full_explanation(question, bank, lang)
            if question.full_explanation
            else t("quiz.next", lang)
        )
        await _say(bot, poll.chat_id, text, keyboards.next_question(bank.topics.get(question.topic), lang))
    elif private and question.full_explanation and poll.purpose == "review":
        await _say(bot, poll.chat_id, render_learning.full_explanation(question, bank, lang))
    if poll.purpose == "review":
        await continue_review(bot, ctx, outcome, lang)
    elif poll.purpose == "test":
        step = await ctx.learning.tests.answered(poll.poll_id, outcome.user_id, outcome.chosen, outcome.is_correct, now)
        if step is not None:
            await send_test_step(bot, ctx, step, lang)


# --- spaced review --------------------------------------------------------------------------------
async def start_review(bot: Bot, ctx: AppContext, user_id: int, chat_id: int, lang: str) -> None:
    """Begin a /review session in the user's private chat: the first due card, or when the next one is."""
    turn = await ctx.learning.review.start(user_id, chat_id, ctx.now())
    if turn.question is None:
        await _say(bot, chat_id, render_learning.review_idle(turn, await user_tz(ctx, user_id), lang))
        return
    await _say(bot, chat_id, render_learning.review_start(turn, lang))
    record, _ = await send_quiz(bot, ctx, chat_id, turn.question, lang, purpose="review", requested_by=user_id)
    await ctx.learning.review.sent(user_id, record.poll_id)


async def continue_review(bot: Bot, ctx: AppContext, outcome: AnswerOutcome, lang: str) -> None:
    """After a review answer: the session's next card, or how it ended."""
    turn = await ctx.learning.review.answered(outcome.user_id, outcome.poll.poll_id, outcome.is_correct, ctx.now())
    if turn is None:
        return  # an older review poll, answered late: the session has moved on
    chat_id = outcome.poll.chat_id
    if turn.question is not None:
        record, _ = await send_quiz(
            bot, ctx, chat_id, turn.question, lang, purpose="review", requested_by=outcome.user_id
        )
        await ctx.learning.review.sent(outcome.user_id, record.poll_id)
        return
    text = render_learning.review_end(turn, await user_tz(ctx, outcome.user_id), lang)
    await _say(bot, chat_id, text, keyboards.review_more(lang) if turn.due else None)


# --- mock tests -----------------------------------------------------------------------------------
async def start_test(bot: Bot, ctx: AppContext, user_id: int, chat_id: int, topic_id: str | None, lang: str) -> None:
    """/test: the intro and the first question, or why not (a test is already running)."""
    started = await ctx.learning.tests.start(user_id, chat_id, topic_id, ctx.now())
    if started.busy is not None:
        busy = started.busy
        await _say(bot, chat_id, t("test.busy", lang, n=busy.current + 1, size=busy.size), keyboards.test_quit(lang))
        return
    if started.step is None:
        await _say(bot, chat_id, t("error.empty_scope", lang))
        return
    test = started.step.test
    topic = ctx.bank_in(lang).topics.get(topic_id) if topic_id else None
    title = topic.title if topic else None
    await _say(bot, chat_id, render_learning.test_intro(test.size, test.open_period, title, lang))
    await send_test_step(bot, ctx, started.step, lang)


async def send_test_step(bot: Bot, ctx: AppContext, step: MockTestStep, lang: str) -> None:
    """The test's next question (its clock starts when it is sent), or its result card."""
    test = step.test
    if step.result is not None:
        result = step.result
        messages = render_learning.test_result(result, ctx.bank_in(lang), lang)
        share = None
        if bot.username:
            text = t(
                "share.test",
                lang,
                score=format_marks(result.score),
                max=format_marks(result.max_score),
                correct=result.correct,
                wrong=result.wrong,
            )
            share = keyboards.share_button(bot.username, text, lang)
        again = keyboards.test_again(test.topic_id, lang, share)
        for i, text in enumerate(messages):
            await _say(bot, test.chat_id, text, again if i == len(messages) - 1 else None)
        return
    if step.question is None:  # pragma: no cover - a step has a question or a result
        return
    try:
        record, _ = await send_quiz(
            bot,
            ctx,
            test.chat_id,
            step.question,
            lang,
            purpose="test",
            requested_by=test.user_id,
            open_period=test.open_period,
            label=t("test.label", lang, n=step.position + 1, size=test.size),
        )
    except TelegramError:
        # Without its question the test could never move on again: end it rather than leave it hanging.
        await ctx.learning.tests.abandon(test.user_id, ctx.now())
        raise
    await ctx.learning.tests.question_sent(step, record.poll_id, ctx.now())


async def expire_tests(bot: Bot, ctx: AppContext) -> int:
    """Settle test questions whose time ran out (unanswered) and send what comes next; the count."""
    steps = await ctx.learning.tests.expire_due(ctx.now())
    for step in steps:
        try:
            lang = await ctx.language_of(step.test.chat_id)
            # The question that ran out is the one before this step's.
            await _say(bot, step.test.chat_id, t("test.time_up", lang, n=step.position, size=step.test.size))
            await send_test_step(bot, ctx, step, lang)
        except TelegramError as exc:
            log.warning("mock test %s: could not send the next step: %s", step.test.test_id, exc)
    return len(steps)
