"""What must hold in the store whatever updates came: no row points at a missing row, one answer per
(poll, user), and /stats says what the store holds."""

from __future__ import annotations

from bot.render.locale import number
from bot.render.texts import t
from tests.reliability.botkit import PRIVATE_CHATS, USERS, LiveBot


def _missing(child: str, column: str, parent: str, key: str | None = None) -> str:
    """Rows of ``child`` whose ``column`` (when set) names no row of ``parent``."""
    return (
        f"SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL"
        f" AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{key or column} = c.{column})"
    )


def _repeated(table: str, columns: str, where: str = "") -> str:
    """Groups of ``table`` rows that share ``columns`` (optionally among those ``where`` picks)."""
    condition = f" WHERE {where}" if where else ""
    return f"SELECT count(*) FROM (SELECT {columns} FROM {table}{condition} GROUP BY {columns} HAVING count(*) > 1)"


#: Each query counts the rows that break the rule its name states.
ORPHANS: dict[str, str] = {
    "answers -> polls": _missing("answers", "poll_id", "polls"),
    "answers -> users": _missing("answers", "user_id", "users"),
    "answers in their poll's chat": (
        "SELECT count(*) FROM answers a JOIN polls p USING (poll_id) WHERE a.chat_id != p.chat_id"
    ),
    "polls -> chats": _missing("polls", "chat_id", "chats"),
    "review cards -> users": _missing("review_cards", "user_id", "users"),
    "review sessions -> users": _missing("review_sessions", "user_id", "users"),
    "review sessions -> polls": _missing("review_sessions", "poll_id", "polls"),
    "mock tests -> users": _missing("mock_tests", "user_id", "users"),
    "mock test items -> mock tests": _missing("mock_test_items", "test_id", "mock_tests"),
    "mock test items -> polls": _missing("mock_test_items", "poll_id", "polls"),
    "quiz sessions -> chats": _missing("quiz_sessions", "chat_id", "chats"),
    "quiz session items -> sessions": _missing("quiz_session_items", "session_id", "quiz_sessions"),
    "quiz session items -> polls": _missing("quiz_session_items", "poll_id", "polls"),
    "ledger -> chats": _missing("deliveries", "chat_id", "chats"),
    "seen items -> chats": _missing("seen_items", "chat_id", "chats"),
    "pending deletions -> chats": _missing("pending_deletions", "chat_id", "chats"),
    "broadcast ledger -> broadcasts": _missing("broadcast_deliveries", "broadcast_id", "broadcasts"),
    "broadcast ledger -> chats": _missing("broadcast_deliveries", "chat_id", "chats"),
    "chat migrations -> chats": _missing("chat_migrations", "new_chat_id", "chats", "chat_id"),
    "one answer per (poll, user)": _repeated("answers", "poll_id, user_id"),
    "one running mock test per user": _repeated("mock_tests", "user_id", "state = 'running'"),
    "one running quiz session per chat": _repeated("quiz_sessions", "chat_id", "state = 'running'"),
}


def broken_rules(live: LiveBot) -> dict[str, int]:
    """Rule name -> rows breaking it, for every rule some row breaks."""
    found = {name: live.query(sql)[0][0] for name, sql in ORPHANS.items()}
    return {name: count for name, count in found.items() if count}


async def stats_mismatches(live: LiveBot) -> list[str]:
    """Each cast user asks /stats in their private chat; what it says must be what the store holds
    for them there, in the chat's language. Users who blocked the bot are skipped (they cannot ask)."""
    found = []
    ctx = live.run.ctx
    for name in PRIVATE_CHATS:
        chat_id = USERS[name]
        if live.fake.member_status(chat_id, live.fake.bot_user["id"]) == "kicked":
            continue
        before = len(live.fake.calls("sendMessage", chat_id))
        await live.deliver({"message": live.fake.incoming_message(chat_id, _command("/stats"), user_id=chat_id)})
        replies = live.fake.calls("sendMessage", chat_id)[before:]
        answered, correct = live.query(
            "SELECT count(*), coalesce(sum(is_correct), 0) FROM answers WHERE user_id = ? AND chat_id = ?",
            chat_id,
            chat_id,
        )[0]
        if not replies:
            found.append(f"{name}: no reply to /stats")
            continue
        lang = ctx.chat_settings.language(await ctx.chat_settings.get(chat_id))
        expected = _stats_figures(lang, answered, correct)
        text = str(replies[0].get("text", ""))
        if expected not in text:
            found.append(f"{name}: /stats said {text[:120]!r}; the store holds {answered} answered, {correct} correct")
    return found


def _stats_figures(lang: str, answered: int, correct: int) -> str:
    """The part of /stats that states the answered and correct counts, as the bot words it in ``lang``."""
    if not answered:
        return t("stats.none", lang, where=t("stats.where_private", lang))
    marks = {"answered": "\x00a", "correct": "\x00c", "accuracy": "\x00p", "streak": "\x00s", "best": "\x00b"}
    template = t("stats.summary", lang, **marks).split(marks["accuracy"])[0]
    return template.replace(marks["answered"], number(answered, lang)).replace(marks["correct"], number(correct, lang))


def _command(text: str) -> dict[str, object]:
    return {"text": text, "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]}
