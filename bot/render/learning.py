"""Learning results (review, mistakes, mock tests, Mains prompts, your data) as Telegram HTML.

Like bot/render.py: plain values in, keyed strings out, and everything from content or users is
escaped here, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from telegram.constants import MessageLimit

from bot.content.loader import Bank
from bot.content.models import MainsPrompt, Question
from bot.content.twins import twin
from bot.render.messages import cite, day_text, escape, moment_text
from bot.render.texts import t, tn
from bot.services.mock_test import MockTestResult
from bot.services.practice import MistakePage
from bot.services.review import SESSION_SIZE, ReviewTurn
from bot.services.scoring import format_marks
from bot.storage.repository import ForgetReport

MAX_MESSAGE = int(MessageLimit.MAX_TEXT_LENGTH)


def when(moment: dt.datetime, tz: ZoneInfo, lang: str) -> str:
    """A time as the chat reads it: ``Tue 3 Mar, 14:20 (Asia/Kolkata)``."""
    return f"{moment_text(moment.astimezone(tz), lang)} ({tz.key})"


def fit(build: Callable[[str], str], text: str, limit: int = MAX_MESSAGE) -> str:
    """``build(text)``, with ``text`` (raw, before escaping) shortened until the result fits one message,
    so that a cut never falls inside an HTML tag or entity."""
    rendered = build(text)
    while len(rendered) > limit and text:
        text = text[: max(0, len(text) - (len(rendered) - limit) - 10)].rstrip() + "…"
        if len(text) <= 1:
            text = ""
        rendered = build(text)
    return rendered


def chunks(paragraphs: list[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Paragraphs packed into as few messages as fit Telegram's limit (each paragraph fits alone)."""
    messages: list[str] = []
    current = ""
    for paragraph in paragraphs:
        if current and len(current) + 2 + len(paragraph) > limit:
            messages.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph
    if current:
        messages.append(current)
    return messages


# --- spaced review --------------------------------------------------------------------------------
def review_start(turn: ReviewTurn, lang: str) -> str:
    """The line before a session's first question."""
    limit = t("review.limit", lang, size=SESSION_SIZE) if turn.due > SESSION_SIZE else ""
    return t("review.start", lang, due=tn("count.question", turn.due, lang), limit=limit)


def review_idle(turn: ReviewTurn, tz: ZoneInfo, lang: str) -> str:
    """/review with nothing due now."""
    if not turn.has_cards:
        return t("review.none_yet", lang)
    return t("review.nothing_due", lang, when=when(turn.next_due, tz, lang) if turn.next_due else "—")


def review_end(turn: ReviewTurn, tz: ZoneInfo, lang: str) -> str:
    """The end of a session: "N more due" when it stopped at its size, else when the next one is."""
    if turn.due:
        return t("review.more_due", lang, correct=turn.correct, answered=turn.answered, due=turn.due)
    if turn.next_due is None:
        return t("review.all_done_later", lang, correct=turn.correct, answered=turn.answered)
    return t("review.all_done", lang, correct=turn.correct, answered=turn.answered, when=when(turn.next_due, tz, lang))


# --- mistakes -------------------------------------------------------------------------------------
def _mistake_text(page: MistakePage, bank: Bank, tz: ZoneInfo, lang: str, explanation: str) -> str:
    m = page.mistake
    q = twin(bank, m.question)
    topic = bank.topics.get(q.topic)
    return "\n\n".join(
        [
            t(
                "mistakes.page",
                lang,
                n=page.index + 1,
                total=page.total,
                topic=escape(topic.title if topic else q.topic),
                date=day_text(m.answered_at.astimezone(tz).date(), lang),
            ),
            escape(q.asked()),
            t("mistakes.yours", lang, answer=escape(q.options[m.chosen]))
            + "\n"
            + t("mistakes.correct", lang, answer=escape(q.options[q.answer])),
            t("quiz.full_explanation", lang, text=escape(explanation), source=cite(bank, q.source)),
        ]
    )


def mistake(page: MistakePage, bank: Bank, tz: ZoneInfo, lang: str) -> str:
    """One mistake: the question, both answers, the full explanation and its source, in one message."""
    # Only the explanation is ever shortened: the question and answers are what the page is for.
    full_text = twin(bank, page.mistake.question).full_text
    return fit(lambda explanation: _mistake_text(page, bank, tz, lang, explanation), full_text)


# --- mock tests -----------------------------------------------------------------------------------
def test_intro(size: int, seconds: int, topic_title: str | None, lang: str) -> str:
    """The message before a mock test's first question."""
    return t(
        "test.intro",
        lang,
        topic=escape(topic_title) if topic_title else t("test.all_topics", lang),
        size=size,
        seconds=seconds,
    )


def _duration(taken: dt.timedelta, lang: str) -> str:
    seconds = max(0, round(taken.total_seconds()))
    if seconds < 60:
        return t("test.seconds", lang, seconds=seconds)
    return t("test.minutes", lang, minutes=seconds // 60, seconds=seconds % 60)


def test_result(result: MockTestResult, bank: Bank, lang: str) -> list[str]:
    """The result card, then the explanations of the questions missed, split to fit messages."""
    topic = bank.topics.get(result.test.topic_id) if result.test.topic_id else None
    card = t(
        "test.result",
        lang,
        topic=escape(topic.title) if topic else t("test.all_topics", lang),
        correct=result.correct,
        wrong=result.wrong,
        unanswered=result.unanswered,
        score=format_marks(result.score),
        max=format_marks(result.max_score),
        time=_duration(result.time_taken, lang),
    )
    if not result.missed:
        return [card + "\n\n" + t("test.perfect", lang)]
    paragraphs = [t("test.missed_header", lang)]
    for missed in result.missed:
        q = twin(bank, missed.question)
        chosen = escape(q.options[missed.chosen]) if missed.chosen is not None else t("test.unanswered", lang)

        def item(text: str, q: Question = q, chosen: str = chosen, n: int = missed.position + 1) -> str:
            return t(
                "test.missed_item",
                lang,
                n=n,
                question=escape(q.asked()),
                chosen=chosen,
                correct=escape(q.options[q.answer]),
                explanation=escape(text),
                source=cite(bank, q.source),
            )

        paragraphs.append(fit(item, q.full_text))
    return [card, *chunks(paragraphs)]


# --- mains ----------------------------------------------------------------------------------------
def mains_prompt(prompt: MainsPrompt, bank: Bank, lang: str) -> str:
    """A Mains prompt with its word count and suggested time."""
    prompt = twin(bank, prompt)
    topic = bank.topics.get(prompt.topic)
    return t(
        "mains.prompt",
        lang,
        topic=escape(topic.title if topic else prompt.topic),
        prompt=escape(prompt.prompt),
        words=prompt.words,
        minutes=prompt.minutes,
    )


def mains_key_points(prompt: MainsPrompt, bank: Bank, lang: str) -> str:
    """The model answer's key points, with their sources."""
    prompt = twin(bank, prompt)
    points = "\n".join(f"• {escape(p)}" for p in prompt.key_points)
    return t("mains.key_points", lang, points=points, source=cite(bank, prompt.source))


# --- your data ------------------------------------------------------------------------------------
def forget_done(report: ForgetReport, lang: str) -> str:
    """What /forget deleted."""
    return t(
        "forget.done",
        lang,
        answers=tn("count.answer", report.answers, lang),
        cards=tn("count.card", report.cards, lang),
        tests=tn("count.test", report.tests, lang),
        settings=t("forget.settings", lang) if report.chat_settings else "",
        profile=t("forget.profile", lang) if report.profile else "",
    )


def full_explanation(question: Question, bank: Bank, lang: str) -> str:
    """The long explanation sent after an answer, cut to one message if it must be."""
    question = twin(bank, question)
    source = cite(bank, question.source)
    return fit(lambda text: t("quiz.full_explanation", lang, text=escape(text), source=source), question.full_text)
