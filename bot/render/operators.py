"""What the operators read: the /admin overview, a reload's outcome, and error alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from telegram.constants import MessageLimit

from bot.render.locale import number
from bot.render.messages import escape
from bot.render.texts import t, tn
from bot.services.broadcast import BroadcastReport
from bot.services.operators import Overview, ReloadOutcome

#: At most this much of a user's text goes into an alert.
ALERT_USER_TEXT = 100
#: An error's message is cut here, so an alert stays short.
ALERT_ERROR_TEXT = 300
#: A reload's list of problems or ids is cut to leave room for the rest of the message.
_LIST_BUDGET = MessageLimit.MAX_TEXT_LENGTH - 400


def _size(n: int, lang: str) -> str:
    # The units are the same in every language: they are what `du -h` and the host's panel show.
    for unit in ("B", "KiB", "MiB"):
        if n < 1024:
            return f"{number(n, lang)} {unit}"
        n //= 1024
    return f"{number(n, lang)} GiB"


def _uptime(span: dt.timedelta, lang: str) -> str:
    minutes = int(span.total_seconds()) // 60
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return t("admin.uptime_days", lang, days=number(days, lang), hours=hours, minutes=minutes)
    return t("admin.uptime", lang, hours=hours, minutes=minutes)


def overview(view: Overview, version: str, store: str, lang: str) -> str:
    counts, push = view.counts, view.push
    topics, facts, questions, mains = view.content
    private_inactive = counts.inactive.get("private", 0)
    return t(
        "admin.overview",
        lang,
        version=escape(version),
        uptime=_uptime(view.uptime, lang),
        users=number(counts.users, lang),
        private=number(counts.chats.get("private", 0), lang),
        groups=number(counts.chats.get("group", 0) + counts.chats.get("supergroup", 0), lang),
        channels=number(counts.chats.get("channel", 0), lang),
        subscribed=number(counts.subscribed, lang),
        today=number(counts.answers_today, lang),
        week=number(counts.answers_week, lang),
        all=number(counts.answers_all, lang),
        due=number(push.due, lang),
        sent=number(push.sent, lang),
        late=number(push.late, lang),
        failed=number(push.failed, lang),
        pending=number(push.pending, lang),
        blocked=number(private_inactive, lang),
        removed=number(sum(counts.inactive.values()) - private_inactive, lang),
        store=escape(store),
        size=_size(counts.store_bytes, lang),
        topics=topics,
        facts=facts,
        questions=questions,
        mains=mains,
    )


def _bounded(lines: list[str], lang: str, budget: int = _LIST_BUDGET) -> str:
    """Lines joined up to ``budget`` characters, then how many were left out."""
    shown: list[str] = []
    used = 0
    for n, line in enumerate(lines):
        if used + len(line) + 1 > budget:
            shown.append(t("reload.more", lang, n=len(lines) - n))
            break
        shown.append(line)
        used += len(line) + 1
    return "\n".join(shown)


def reload_outcome(outcome: ReloadOutcome, counts: tuple[int, int, int, int], where: str, lang: str) -> str:
    if not outcome.ok:
        problems = _bounded([f"• {escape(str(p))}" for p in outcome.problems], lang)
        return t("reload.invalid", lang, where=escape(where), problems=problems)
    topics, facts, questions, mains = counts
    budget = _LIST_BUDGET // 2
    return t(
        "reload.done",
        lang,
        topics=topics,
        facts=facts,
        questions=questions,
        mains=mains,
        added=_bounded([escape(i) for i in outcome.added], lang, budget) or t("reload.none", lang),
        removed=_bounded([escape(i) for i in outcome.removed], lang, budget) or t("reload.none", lang),
    )


@dataclass(frozen=True)
class ErrorReport:
    """What an alert says; every field already free of secrets."""

    kind: str
    handler: str
    error_type: str
    error: str
    user_text: str | None


def error_alert(report: ErrorReport, lang: str) -> str:
    text = report.user_text
    if text is not None and len(text) > ALERT_USER_TEXT:
        text = text[: ALERT_USER_TEXT - 1] + "…"
    error = report.error if len(report.error) <= ALERT_ERROR_TEXT else report.error[: ALERT_ERROR_TEXT - 1] + "…"
    return t(
        "alert.error",
        lang,
        error_type=escape(report.error_type),
        error=escape(error),
        kind=escape(report.kind),
        handler=escape(report.handler),
        text=t("alert.text", lang, text=escape(text)) if text else "",
    )


def broadcast_preview(broadcast_id: int, audience: str, size: int, text: str | None, lang: str) -> str:
    """What the operator confirms: the audience and its size, and the text (when it fits)."""
    head = t(
        "broadcast.preview",
        lang,
        id=broadcast_id,
        size=tn("count.chat", size, lang),
        audience=t(f"broadcast.audience.{audience}", lang),
    )
    if text is None:
        return head + "\n\n" + t("broadcast.preview_copy", lang)
    if len(head) + 2 + len(text) > MessageLimit.MAX_TEXT_LENGTH:
        return head + "\n\n" + t("broadcast.preview_long", lang, n=len(text))
    return head + "\n\n" + text


def broadcast_progress(broadcast_id: int, report: BroadcastReport, done: bool, lang: str) -> str:
    """The progress message while a broadcast runs, and the summary that closes it."""
    if not done:
        return t(
            "broadcast.progress",
            lang,
            id=broadcast_id,
            done=number(report.examined, lang),
            total=number(report.total, lang),
            sent=number(report.sent, lang),
            failed=number(report.failed, lang),
            deactivated=number(report.deactivated, lang),
        )
    ledger = report.ledger
    already = ledger.get("sent", 0) - report.sent
    return t(
        "broadcast.summary",
        lang,
        id=broadcast_id,
        sent=number(ledger.get("sent", 0), lang),
        total=number(report.total, lang),
        already=t("broadcast.summary_already", lang, n=already) if already > 0 else "",
        failed=number(ledger.get("failed", 0) + ledger.get("claimed", 0), lang),
        deactivated=number(ledger.get("gone", 0), lang),
    )
