"""Plain results rendered to Telegram HTML text, through the keyed strings.

Everything from content or from users is escaped here, once, so no name or query can format or ping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape as _html_escape
from html.parser import HTMLParser
from typing import Literal

from bot.content.loader import Bank
from bot.content.models import Fact, Question, Topic
from bot.content.twins import twin

# Re-exported: the handlers and learning.py read dates through this module, as before.
from bot.render.locale import day_text as day_text
from bot.render.locale import long_day, month_year, number
from bot.render.locale import moment_text as moment_text
from bot.render.texts import t, tn
from bot.services.chat_settings import PushSettings
from bot.services.groups import Leaderboard, RankedRow
from bot.services.quiz_session import SessionRanking
from bot.services.scoring import format_marks
from bot.services.scoring import sparkline as make_sparkline
from bot.services.stats import UserStats
from bot.services.study import QuizPlan
from bot.storage.repository import PollSummary

#: /stats shows a per-100 score only once it means something.
MIN_ANSWERS_PER_100 = 10


def escape(text: str) -> str:
    """Escape for Telegram HTML. Quotes need no escaping in text, and leaving them keeps texts readable."""
    return _html_escape(text, quote=False)


def safe_name(name: str) -> str:
    """A display name that can neither format (HTML is escaped) nor ping (@ is broken by a word joiner)."""
    return escape(name).replace("@", "@\u2060")


def cite(bank: Bank, source_ids: list[str]) -> str:
    """The source line's HTML: each source by its title, linked where it has a public address."""
    parts = []
    for source_id in source_ids:
        source = bank.sources.get(source_id)
        if source is None:
            parts.append(escape(source_id))
        elif source.url:
            parts.append(f'<a href="{_html_escape(source.url)}">{escape(source.title)}</a>')
        else:
            parts.append(escape(source.title))
    return "; ".join(parts)


def fact(item: Fact, bank: Bank, lang: str) -> str:
    """A fact as ``bank`` (the chat's language) reads it, with its topic and source."""
    item = twin(bank, item)
    topic = bank.topics[item.topic]
    text = escape(item.text)
    if item.as_of:
        text += " " + t("fact.as_of", lang, date=month_year(item.as_of, lang))
    return "\n\n".join(
        [
            t("fact.header", lang, topic=escape(topic.title)),
            text,
            t("fact.source", lang, source=cite(bank, item.source)),
        ]
    )


#: An inline result's description line is cut here (Telegram shows about two lines).
INLINE_DESCRIPTION = 120


def inline_description(item: Fact) -> str:
    """The plain-text preview line of a fact in inline mode (not HTML: Telegram shows it as is)."""
    text = item.text
    return text if len(text) <= INLINE_DESCRIPTION else text[: INLINE_DESCRIPTION - 1] + "…"


def quiz_intro(plan: QuizPlan, bank: Bank, lang: str) -> str:
    """The message sent before a poll whose statements (or label) do not fit in it."""
    question = plan.question
    topic = escape(bank.topics[question.topic].title)
    header = t("quiz.statements_header", lang, topic=f"{escape(plan.label)} · {topic}" if plan.label else topic)
    if plan.intro == plan.label:  # only the label had no room in the poll
        return header
    return header + "\n\n" + escape(question.statements_message())


def full_explanation(question: Question, bank: Bank, lang: str) -> str:
    question = twin(bank, question)
    return t(
        "quiz.full_explanation",
        lang,
        text=escape(question.full_text),
        source=cite(bank, question.source),
    )


def topic_list(topics: list[Topic], lang: str) -> str:
    lines = [t("topics.header", lang)]
    lines += [t("topics.line", lang, title=escape(x.title), description=escape(x.description)) for x in topics]
    return "\n".join(lines)


def topic_page(topic: Topic, lang: str, *, with_summary: bool = False) -> str:
    """A study page, takeaways first: the title, the takeaways and the exam relevance; the summary
    follows only ``with_summary`` (the "Read the summary" button edits it in). Related topics are
    buttons (:func:`bot.render.keyboards.topic_page`), not text."""
    page = t(
        "topic.page",
        lang,
        title=escape(topic.title),
        takeaways="\n".join(f"• {escape(x)}" for x in topic.takeaways),
        relevance=escape(topic.exam_relevance),
    )
    if with_summary:
        page += "\n\n" + t("topic.page_summary", lang, summary=escape(topic.summary))
    return page


def stats(result: UserStats, where: str, lang: str, *, sparkline: bool = True) -> str:
    """The /stats message; ``sparkline`` puts the 14-day activity in as text (when no chart image is sent)."""
    if not result.answered:
        return t("stats.none", lang, where=where)
    parts = [
        t("stats.header", lang, where=where),
        t(
            "stats.summary",
            lang,
            answered=number(result.answered, lang),
            correct=number(result.correct, lang),
            accuracy=result.accuracy,
            streak=tn("count.day", result.streak, lang),
            best=result.best_streak,
        ),
    ]
    if result.answered >= MIN_ANSWERS_PER_100:
        score = t("stats.score", lang, score=format_marks(result.score), per100=f"{result.score_per_100:.2f}")
    else:
        score = t("stats.score_early", lang, score=format_marks(result.score), n=MIN_ANSWERS_PER_100)
    if sparkline and result.activity:
        score += "\n" + t("stats.activity", lang, spark=make_sparkline([count for _, count in result.activity]))
    parts.append(score)
    if result.topics:
        lines = [t("stats.by_topic", lang)]
        lines += [
            t(
                "stats.topic_line",
                lang,
                title=escape(x.title),
                correct=x.correct,
                answered=x.answered,
                accuracy=x.accuracy,
            )
            for x in result.topics
        ]
        parts.append("\n".join(lines))
    if result.weakest:
        lines = [t("stats.weakest", lang)]
        lines += [
            t("stats.weak_line", lang, title=escape(x.title), accuracy=x.accuracy, answered=x.answered)
            for x in result.weakest
        ]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _ranked_line(key: str, ranked: RankedRow, lang: str) -> str:
    return t(
        key,
        lang,
        rank=ranked.rank,
        name=safe_name(ranked.row.name),
        correct=ranked.row.correct,
        accuracy=ranked.accuracy,
    )


def leaderboard(board: Leaderboard, lang: str, last_session: SessionRanking | None = None) -> str:
    """A group's top members (names can neither format nor ping), and the asker's own place; the
    latest quiz session's podium is quoted below."""
    period = t(f"leaderboard.{board.period}", lang)
    if not board.top:
        lines = [t("leaderboard.empty", lang, period=period)]
    else:
        lines = [t("leaderboard.header", lang, period=period)]
        lines += [_ranked_line("leaderboard.line", r, lang) for r in board.top]
        if board.own is not None:
            lines.append(_ranked_line("leaderboard.own", board.own, lang))
    if last_session is not None:
        lines += ["", last_session_line(last_session, lang)]
    return "\n".join(lines)


#: The first three places of a quiz session's ranking.
MEDALS = ("🥇", "🥈", "🥉")
#: How many members a session's ranking lists.
RANKING_SIZE = 10


def session_intro(size: int, seconds: int, topic: Topic | None, lang: str) -> str:
    """The message that opens a group quiz session."""
    scope = escape(topic.title) if topic is not None else t("test.all_topics", lang)
    return t("session.intro", lang, size=size, seconds=seconds, topic=scope)


def _place(rank: int) -> str:
    return MEDALS[rank - 1] if rank <= len(MEDALS) else f"{rank}."


def session_ranking(ranking: SessionRanking, lang: str) -> str:
    """The ranking after a session: 🥇🥈🥉 and each member's UPSC marks (names cannot format or ping)."""
    session = ranking.session
    if session.state == "stopped":
        lines = [t("session.stopped_header", lang, asked=ranking.asked, size=session.size)]
    else:
        lines = [t("session.over_header", lang, asked=ranking.asked)]
    if not ranking.ranked:
        lines.append(t("session.nobody", lang))
        return "\n".join(lines)
    lines += [
        t(
            "session.line",
            lang,
            place=_place(r.rank),
            name=safe_name(r.score.name),
            marks=format_marks(r.marks),
            correct=r.score.correct,
            wrong=r.score.wrong,
        )
        for r in ranking.ranked[:RANKING_SIZE]
    ]
    lines.append(t("session.marking", lang))
    return "\n".join(lines)


def last_session_line(ranking: SessionRanking, lang: str) -> str:
    """/leaderboard's quote of the latest session: its podium in one line."""
    podium = ", ".join(
        t("session.podium", lang, place=_place(r.rank), name=safe_name(r.score.name), marks=format_marks(r.marks))
        for r in ranking.ranked[: len(MEDALS)]
    )
    return t("leaderboard.last_session", lang, podium=podium or t("session.podium_empty", lang))


def channel_stats(title: str, polls: int, votes: int, correct: int, lang: str) -> str:
    percent = round(100 * correct / votes) if votes else 0
    return t(
        "channel.stats",
        lang,
        title=safe_name(title),
        polls=number(polls, lang),
        votes=number(votes, lang),
        percent=percent,
    )


def language_choice(current: str) -> str:
    """/language without an argument: the chat's language, in it, and the buttons' question."""
    return t("language.choose", current, current=t(f"language.name.{current}", current))


def help_text(sections: list[tuple[str, list[tuple[str, str]]]], lang: str, admin_commands: Sequence[str] = ()) -> str:
    """/help: what the bot is for, then the chat's commands by purpose, one line each; a group's
    admins also get their settings commands, named in one short line."""
    lines = [t("help.intro", lang)]
    for heading, commands in sections:
        lines += ["", f"<b>{escape(heading)}</b>"]
        lines += [f"/{name} — {escape(description)}" for name, description in commands]
    if admin_commands:
        lines += ["", t("help.admins", lang, commands=" ".join(f"/{name}" for name in admin_commands))]
    lines += ["", t("help.footer", lang)]
    return "\n".join(lines)


def when_next(moment: dt.datetime | None, lang: str) -> str:
    """The next push, as /settings and /resume show it."""
    return moment_text(moment, lang) if moment is not None else t("settings.none", lang)


def settings(resolved: PushSettings, topic_title: str | None, lang: str) -> str:
    """/settings: every setting of the chat, resolved against the operator's defaults."""
    paused = (
        t("settings.paused_until", lang, date=day_text(resolved.paused_until, lang))
        if resolved.paused_until
        else t("settings.not_paused", lang)
    )
    body = t(
        "settings.body",
        lang,
        subscribed=t("settings.yes", lang) if resolved.subscribed else t("settings.no", lang),
        time=resolved.push_time,
        tz=resolved.timezone,
        topic=escape(topic_title) if topic_title else t("settings.all_topics", lang),
        paused=paused,
        next=when_next(resolved.next_push, lang),
        size=tn("count.question", resolved.push_size, lang),
    )
    language = t("settings.language", lang, language=t(f"language.name.{resolved.language}", resolved.language))
    return t("settings.header", lang) + "\n\n" + body + "\n" + language


@dataclass(frozen=True)
class DailyPush:
    """What a chat's daily push message says."""

    local_date: dt.date
    #: When it was due, if it is late.
    late_since: dt.datetime | None
    fact: Fact | None
    kind: Literal["private", "group", "channel"]
    #: Groups: how they did on the previous daily quiz.
    yesterday: PollSummary | None = None
    #: Private chats: the streak and the review cards due.
    streak: int = 0
    due_reviews: int = 0


def daily_push(view: DailyPush, bank: Bank, lang: str) -> str:
    """The daily message: header, yesterday's result (groups), a late notice, the fact, a footer."""
    # A group's or channel's post is read by many: "today's study", not "your daily study".
    header = "push.header" if view.kind == "private" else "push.header_shared"
    day = view.local_date
    parts = [t(header, lang, date=long_day(day, lang))]
    if view.yesterday is not None:
        parts.append(group_summary(view.yesterday, bank, lang, channel=view.kind == "channel"))
    if view.late_since is not None:
        parts.append(t("push.late", lang, time=view.late_since.strftime("%H:%M")))
    if view.fact is not None:
        parts.append(fact(view.fact, bank, lang))
    if view.kind == "group":
        parts.append(t("push.group_nudge", lang))
    elif view.kind == "private":
        line = t("push.streak", lang, days=tn("count.day", view.streak, lang)) if view.streak else t("push.nudge", lang)
        if view.due_reviews:
            line += "\n" + t("push.review_due", lang, count=tn("count.question", view.due_reviews, lang))
        parts.append(line)
    return "\n\n".join(parts)


#: The longest quote of yesterday's question in a push (stem and statements), before it is cut.
QUOTE_LENGTH = 500


def quoted_question(question: Question, limit: int = QUOTE_LENGTH) -> str:
    """What was asked, as plain text: the stem, any statements and the closing line, cut at a
    word with an ellipsis when longer than ``limit``."""
    text = question.statements_message()
    if question.statements:
        text += "\n" + question.split_poll_question()
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0].rstrip() + "…"
    return text


def group_summary(summary: PollSummary, bank: Bank, lang: str, *, channel: bool = False) -> str:
    """How the group (or the channel's anonymous voters) did on the previous daily quiz: the
    question quoted, then the answer (and full explanation)."""
    if summary.answered and channel:
        percent = round(100 * summary.correct / summary.answered)
        votes = t("summary.vote", lang) if summary.answered == 1 else t("summary.votes", lang, count=summary.answered)
        lines = [t("summary.channel_yesterday", lang, votes=votes, percent=percent)]
    elif summary.answered:
        fastest = t("summary.fastest", lang, name=safe_name(summary.fastest)) if summary.fastest else ""
        percent = round(100 * summary.correct / summary.answered)
        lines = [t("summary.yesterday", lang, answered=summary.answered, percent=percent, fastest=fastest)]
    else:
        lines = [t("summary.none", lang)]
    question = bank.questions.get(summary.question_id)
    if question is not None:
        lines.append(t("summary.question", lang, question=escape(quoted_question(question))))
        lines.append(t("summary.answer", lang, answer=escape(question.options[question.answer])))
        lines.append(escape(question.full_text))
    return "\n".join(lines)


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(html_text: str) -> str:
    """What Telegram shows of a message sent as HTML: the text without its tags, entities decoded,
    trimmed as Telegram trims it (to tell whether an edit would change the text at all)."""
    parser = _VisibleText()
    parser.feed(html_text)
    parser.close()
    return "".join(parser.parts).strip()
