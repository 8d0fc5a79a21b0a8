"""``python -m bot console``: piped transcripts of the main flows, the screen drawing, the command.

The transcripts come from the same path piped input takes (``Console.feed``: the line is shown,
then handled to the end), against the real Application and the in-process emulator.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.console import open_console, screen
from bot.console.session import CHANNEL_ID, GROUP_ID, USER_ID, Console
from bot.render.texts import t
from tests.content_cache import bot_loads_bank_once
from tests.harness import START

REPO_ROOT = Path(__file__).resolve().parent.parent


class Transcript:
    """Feeds lines to the console; each ``feed`` returns what it printed for them."""

    def __init__(self, console: Console, out: io.StringIO) -> None:
        self.console = console
        self.out = out
        self._read = 0

    async def feed(self, *lines: str) -> str:
        for line in lines:
            assert await self.console.feed(line)
        text = self.out.getvalue()
        new, self._read = text[self._read :], len(text)
        return new

    def latest_poll(self, chat_id: int = USER_ID) -> dict[str, Any]:
        polls = [p for p in self.console.emulator.polls.values() if p["chat_id"] == chat_id]
        assert polls, "the bot sent no poll"
        return polls[-1]

    async def answer(self, *, right: bool, chat_id: int = USER_ID) -> str:
        """Answer the latest poll right or wrong, by its number as a user types it."""
        poll = self.latest_poll(chat_id)
        correct = poll["correct_option_ids"][0]
        option = correct if right else (correct + 1) % len(poll["options"])
        return await self.feed(str(option + 1))


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Transcript]:
    from bot.console import console_settings

    settings = console_settings(tmp_path / "console.sqlite3", _env_file=None)
    out = io.StringIO()
    with bot_loads_bank_once():
        async with open_console(settings, out, start=START) as session:
            yield Transcript(session, out)


def option_line(text: str, mark: str) -> str:
    """The one numbered option line that carries ``mark``."""
    lines = [line for line in text.splitlines() if re.match(r"\s+\d\) ", line) and mark in line]
    assert len(lines) == 1, text
    return lines[0]


async def test_a_quiz_answered_wrong_then_right_shows_the_marks_and_the_explanation(console: Transcript) -> None:
    shown = await console.feed("/quiz")
    assert "Asha › /quiz" in shown
    assert "📊 Quiz: " in shown and "  1) " in shown and t("console.answer_hint") in shown

    wrong = await console.answer(right=False)
    poll = console.latest_poll()
    explanation = poll["poll"]["explanation"]
    assert option_line(wrong, t("console.chosen_mark")) != option_line(wrong, t("console.correct_mark"))
    assert t("console.explanation", text=explanation) in wrong

    await console.feed("/quiz")
    right = await console.answer(right=True)
    both = option_line(right, t("console.correct_mark"))
    assert t("console.chosen_mark") in both
    assert "💡 " in right

    stats = await console.feed("/stats")
    assert "Answered: 2" in stats and "Correct: 1" in stats and "Accuracy: 50%" in stats


async def test_a_fact_comes_with_its_source_and_buttons(console: Transcript) -> None:
    shown = await console.feed("/fact")
    assert "\nSource: " in shown
    assert re.search(r"^\[a\] .+   \[b\] .+$", shown, re.MULTILINE), shown
    assert "\x1b[" not in shown  # piped: no ANSI styles

    again = await console.feed("b")  # the ❓ Quiz button under the fact
    assert "📊 Quiz: " in again


async def test_topic_search_is_typo_tolerant(console: Transcript) -> None:
    shown = await console.feed("/topic cptsu")
    heading = next(line for line in shown.splitlines() if line.startswith("📚"))
    assert "Colombo Process" in heading

    typo = await console.feed("/topic colmbo")
    assert "Colombo Process" in typo


async def test_settings_buttons_change_the_settings_in_place(console: Transcript) -> None:
    shown = await console.feed("/settings")
    assert "Subscribed: no" in shown
    assert "[a] 🔔 Subscribe" in shown

    pressed = await console.feed("a")
    assert pressed.index(t("console.edited")) < pressed.index("Subscribed: yes")
    assert "[a] 🔕 Unsubscribe" in pressed

    beyond = await console.feed("z")
    assert t("console.bad_button", first="a", last="k") in beyond


async def test_a_mock_test_runs_to_its_result_card(console: Transcript) -> None:
    shown = await console.feed("/test")
    assert "Mock test" in shown
    for number in range(10):
        await console.answer(right=number % 2 == 0)
    result = console.out.getvalue()
    assert "Mock test result" in result
    assert "✅ Correct: 5" in result and "❌ Wrong: 5" in result and "⏭ Unanswered: 0" in result
    assert "The ones you missed" in result
    assert sum(1 for p in console.console.emulator.polls.values() if p["chat_id"] == USER_ID) == 10


async def test_a_mock_test_question_runs_out_when_the_clock_moves(console: Transcript) -> None:
    await console.feed("/test")
    first = console.latest_poll()
    shown = await console.feed(":tomorrow")
    assert console.latest_poll() != first  # the timer settled it unanswered and sent the next
    assert "📊 Quiz: " in shown


async def test_a_group_leaderboard_with_two_members(console: Transcript) -> None:
    hello = await console.feed(":group")
    assert t("console.in_chat", title=t("console.group_title")) in hello
    assert "Hello" in hello  # the bot greets the group it was added to

    await console.feed("/quiz")
    await console.answer(right=True, chat_id=GROUP_ID)
    assert t("console.as_now", name="Ravi") in await console.feed(":as Ravi")
    ravi = await console.answer(right=False, chat_id=GROUP_ID)
    assert "Ravi › " in ravi

    board = await console.feed("/leaderboard")
    assert "1. Asha — 1 correct (100%)" in board
    assert "2. Ravi — 0 correct (0%)" in board
    assert set(console.latest_poll(GROUP_ID)["voters"]) == {USER_ID, 50_002}


async def test_a_personal_command_in_the_group_opens_the_private_chat_by_its_link(console: Transcript) -> None:
    await console.feed(":group")
    asked = await console.feed("/review")
    assert re.search(r"^\[a\] .+ ↗$", asked, re.MULTILINE), asked
    opened = await console.feed("a")
    assert t("console.in_chat", title=t("console.private_title")) in opened
    assert "Asha › /start review" in opened
    assert "Nothing to review yet" in opened


async def test_tomorrow_makes_a_missed_question_due_for_review(console: Transcript) -> None:
    await console.feed("/quiz")
    await console.answer(right=False)
    assert "Nothing due for review right now" in await console.feed("/review")

    later = await console.feed(":tomorrow", "/review")
    assert "⏩ " in later
    assert "1 question due for review" in later
    assert "📊 Quiz: " in later.split("/review", 1)[1]


async def test_push_serves_a_subscribed_chat_now_and_the_channel_works(console: Transcript) -> None:
    await console.feed("/subscribe")
    pushed = await console.feed(":push")
    assert "Daily push: sent 1" in pushed
    assert "📊 Quiz: " in pushed

    await console.feed(":channel", "/subscribe")
    channel = await console.feed(":push")
    assert "📊 Anonymous quiz: " in channel
    voted = await console.feed("1")
    assert t("console.chosen_mark") in voted
    assert console.latest_poll(CHANNEL_ID)["poll"]["total_voter_count"] == 1


async def test_bad_input_gets_a_clear_line(console: Transcript) -> None:
    assert t("console.no_poll", name="Asha") in await console.feed("3")
    assert t("console.no_buttons") in await console.feed("a")
    assert t("console.unknown_verb", verb=":dance") in await console.feed(":dance")
    assert t("console.as_needs_group") in await console.feed(":as Ravi")
    await console.feed("/quiz")
    latest = max(console.console.emulator.polls.values(), key=lambda p: p["message_id"])
    assert t("console.bad_option", count=len(latest["options"])) in await console.feed("9")


async def test_a_send_telegram_would_refuse_is_shown_with_its_reason(console: Transcript) -> None:
    """A content author sees what Telegram would say (the bot then apologises, as it does on Telegram)."""
    reason = "Bad Request: poll question length must not exceed 300"
    console.console.emulator.fail_next("sendPoll", error_code=400, description=reason)
    shown = await console.feed("/quiz")
    assert t("console.refused", method="sendPoll", description=reason) in shown
    assert "📊 Quiz: " not in shown
    assert t("error.generic") in shown


async def test_stats_chart_is_saved_where_the_line_says(console: Transcript) -> None:
    pytest.importorskip("matplotlib")
    await console.feed("/quiz")
    await console.answer(right=True)
    shown = await console.feed("/stats")
    match = re.search(r"saved to (\S+\.png)\]", shown)
    assert match, shown
    saved = await asyncio.to_thread(Path(match.group(1)).read_bytes)
    assert saved.startswith(b"\x89PNG")


async def test_the_console_opens_no_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From start-up (getMe, the menus, long polling) to answers: nothing binds or connects."""
    from bot.console import console_settings

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the console opened a network connection")

    settings = console_settings(tmp_path / "console.sqlite3", _env_file=None)
    for name in ("connect", "connect_ex", "bind"):
        monkeypatch.setattr(socket.socket, name, refuse)
    out = io.StringIO()
    with bot_loads_bank_once():
        async with open_console(settings, out, start=START) as session:
            assert await session.feed("/quiz")
            assert await session.feed("1")
    assert t("console.chosen_mark") in out.getvalue()


def test_screen_draws_entities_buttons_and_polls() -> None:
    text = "📈 Bold and link"
    entities = [
        {"type": "bold", "offset": 3, "length": 4},  # after the emoji: 2 UTF-16 units
        {"type": "text_link", "offset": 12, "length": 4, "url": "https://example.org"},
    ]
    assert screen.styled(text, entities, ansi=False) == "📈 Bold and link (https://example.org)"
    assert screen.styled(text, entities, ansi=True) == ("📈 \x1b[1mBold\x1b[22m and link (https://example.org)")
    markup = {
        "inline_keyboard": [
            [{"text": "One", "callback_data": "1"}, {"text": "Two", "callback_data": "2"}],
            [{"text": "Open", "url": "https://t.me/x"}],
        ]
    }
    assert screen.keyboard_lines(markup) == ["[a] One   [b] Two", "[c] Open ↗"]
    poll = {
        "type": "quiz",
        "question": "Where?",
        "options": [{"text": "Here"}, {"text": "There"}],
        "correct_option_ids": [1],
        "explanation": "Because.",
    }
    answered = screen.poll_lines(poll, ansi=False, chosen=[0])
    assert answered[1].endswith(t("console.chosen_mark")) and t("console.correct_mark") in answered[2]
    assert answered[-1] == t("console.explanation", text="Because.")


def test_piped_console_command_prints_the_transcript_and_exits_0(tmp_path: Path) -> None:
    """The issue's own example, as a user runs it: no token, no network, exit code 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--db", str(tmp_path / "c.sqlite3")],
        input="/quiz\n1\n/stats\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Asha › /quiz" in out and "📊 Quiz: " in out
    assert t("console.chosen_mark") in out and t("console.correct_mark") in out and "💡 " in out
    assert "Answered: 1" in out
    assert "\x1b[" not in out
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "studybot.sqlite3").exists()


async def test_content_dir_shows_an_authors_own_bank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.console import console_settings
    from tests.test_content_validation import fact, question, topic, write_bank

    own = question(question="Which year did the author's own question name?", options=["1951", "1989"])
    root = write_bank(tmp_path / "bank", {"t1.yaml": {"topic": topic(), "facts": [fact()], "questions": [own]}})
    monkeypatch.setenv("CONTENT_DIR", str(root))
    out = io.StringIO()
    async with open_console(console_settings(tmp_path / "c.sqlite3", _env_file=None), out, start=START) as session:
        for line in ("/quiz", "1", "/fact"):
            assert await session.feed(line)
    shown = out.getvalue()
    assert "📊 Quiz: Which year did the author's own question name?" in shown
    assert option_line(shown, t("console.correct_mark")).strip().split(" ", 1)[1].startswith("1951")
    assert "IOM was established in 1951." in shown


def test_an_invalid_bank_stops_the_console_with_its_problems_and_exit_3(tmp_path: Path) -> None:
    from tests.test_content_validation import fact, question, topic, write_bank

    broken = question(answer=5)
    root = write_bank(tmp_path / "bank", {"t1.yaml": {"topic": topic(), "facts": [fact()], "questions": [broken]}})
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update(PYTHONPATH=str(REPO_ROOT), CONTENT_DIR=str(root))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--db", str(tmp_path / "c.sqlite3")],
        input="/quiz\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 3, result.stderr
    assert "the content bank has problems" in result.stderr and "t1-q01" in result.stderr
    assert "Traceback" not in result.stderr
