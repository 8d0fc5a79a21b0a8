"""``python -m bot`` as a real subprocess against the fake Bot API: start-up, restarts, settings errors."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.config import DEFAULT_CONTENT_DIR
from tests.fakebot import FakeBotAPI
from tests.test_startup import closed_port

USER = 601
SETTINGS = (
    "TELEGRAM_",
    "DATABASE_PATH",
    "DATABASE_URL",
    "WEBHOOK_",
    "PORT",
    "CONTENT_DIR",
    "TIMEZONE",
    "DAILY_PUSH_TIME",
    "ADMIN_IDS",
    "LOG_LEVEL",
    "DEFAULT_LANGUAGE",
)
#: The two commands that start the Application (and so call getMe first).
STARTING_COMMANDS = [pytest.param((), id="run"), pytest.param(("push-now",), id="push-now")]


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS)}
    env.update(PYTHONUNBUFFERED="1", **values)
    return env


def bot_env(fake: FakeBotAPI, tmp_path: Path, **values: str) -> dict[str, str]:
    """The settings for a bot of ``fake``; ``values`` add to them or replace them."""
    defaults = {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3"),
        "LOG_LEVEL": "DEBUG",
    }
    return clean_env(**(defaults | values))


async def run_cli(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@asynccontextmanager
async def bot_process(fake: FakeBotAPI, tmp_path: Path, stderr: list[str]) -> AsyncIterator[None]:
    """Run ``python -m bot`` until the block ends, then SIGTERM it and require a clean exit within 10 s."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=bot_env(fake, tmp_path), cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    reader = asyncio.create_task(process.stderr.read())
    try:
        await fake.wait_for_long_poll_async(timeout=30)
        yield
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=10)
        stderr.append((await reader).decode())
        assert code == 0, stderr[-1][-2000:]


async def say(fake: FakeBotAPI, text: str) -> str:
    """Send a command and return the text of the bot's reply."""
    before = len(fake.calls("sendMessage", USER))
    fake.send_text(USER, text)
    calls = await fake.wait_for_async("sendMessage", lambda c: str(c.params.get("chat_id")) == str(USER), before + 1)
    return str(calls[-1].params.get("text", ""))


async def test_answers_survive_a_restart_of_the_process(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    fake_api.add_private_chat(USER, "Ravi")
    logs: list[str] = []
    async with bot_process(fake_api, tmp_path, logs):
        fake_api.send_text(USER, "/quiz")
        poll = (await fake_api.wait_for_async("sendPoll"))[-1].result["poll"]
        fake_api.answer_poll(poll["id"], USER, [poll["correct_option_ids"][0]])
        # The answer is followed by the next-question buttons: wait for them before asking more.
        await fake_api.wait_for_async("sendMessage", lambda c: "quiz:" in str(c.params.get("reply_markup")))
        assert "Answered: <b>1</b>" in await say(fake_api, "/stats")
    fake_api.clear()
    async with bot_process(fake_api, tmp_path, logs):
        text = await say(fake_api, "/stats")
    assert "Answered: <b>1</b>" in text and "Correct: <b>1</b>" in text


async def test_the_token_never_reaches_the_log_even_at_debug(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    fake_api.add_private_chat(USER, "Ravi")
    fake_api.fail_next("sendMessage", error_code=500)
    logs: list[str] = []
    async with bot_process(fake_api, tmp_path, logs):
        await say(fake_api, "/help")
        await say(fake_api, "/start")
    assert "getUpdates" in logs[0]  # requests were logged, with their URLs
    assert fake_api.token not in logs[0]
    assert fake_api.token.split(":")[1] not in logs[0]


async def test_a_missing_token_is_one_clear_line_and_exit_code_2(tmp_path: Path) -> None:
    code, _, err = await run_cli(env=clean_env(), cwd=tmp_path)
    assert code == 2
    assert err.strip().count("\n") == 0 and "TELEGRAM_BOT_TOKEN" in err and "BotFather" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TIMEZONE", "Mars/Olympus"),
        ("DAILY_PUSH_TIME", "25:00"),
        ("ADMIN_IDS", "12,abc"),
        ("LOG_LEVEL", "LOUD"),
        ("DEFAULT_LANGUAGE", "fr"),
        ("TELEGRAM_API_BASE_URL", "http://127.0.0.1:99999/bot"),
        ("TELEGRAM_API_BASE_URL", "ftp://127.0.0.1/bot"),
        ("TELEGRAM_API_BASE_URL", "http://[::1/bot"),
    ],
)
async def test_an_invalid_setting_names_the_variable_and_exits_2(tmp_path: Path, name: str, value: str) -> None:
    code, _, err = await run_cli(env=clean_env(TELEGRAM_BOT_TOKEN="1:x", **{name: value}), cwd=tmp_path)
    assert code == 2 and name in err and "Traceback" not in err


async def test_settings_are_read_from_a_dot_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=1:x\nDAILY_PUSH_TIME=99:99\n")
    code, _, err = await run_cli(env=clean_env(), cwd=tmp_path)
    assert code == 2 and "DAILY_PUSH_TIME" in err


async def test_a_content_problem_stops_startup_before_any_network_call(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content)
    path = content / "topics" / "iom-basics.yaml"
    path.write_text(path.read_text().replace("source: [", "source: [nowhere, ", 1))
    code, _, err = await run_cli(env=bot_env(fake_api, tmp_path, CONTENT_DIR=str(content)), cwd=tmp_path)
    assert code == 3
    assert "iom-basics.yaml" in err and "source 'nowhere' is not in sources.yaml" in err
    assert fake_api.requests == []
    assert (tmp_path / "data" / "bot.sqlite3").exists()  # migrations ran first


async def test_check_content_prints_counts_and_a_json_summary(tmp_path: Path) -> None:
    code, out, _ = await run_cli("check-content", "--json", env=clean_env(), cwd=tmp_path)
    summary = json.loads(out.strip().splitlines()[-1])
    assert code == 0 and summary["problems"] == []
    assert summary["topics"] >= 8 and summary["facts"] >= 120 and summary["questions"] >= 150
    assert set(summary) >= {"topics", "facts", "questions", "questions_by_shape", "problems", "warnings"}
    assert "colombo-process" in out
    hindi = summary["languages"]["hi"]
    assert hindi["missing"] == [] and hindi["questions"] == summary["questions"] and hindi["facts"] == summary["facts"]
    assert f"hi: {summary['topics']} topics, {summary['facts']} facts" in out


async def test_a_broken_hindi_overlay_stops_startup_naming_the_file(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content)
    (content / "hi" / "iom-basics.yaml").write_text("topic: [unclosed\n", encoding="utf-8")
    code, _, err = await run_cli(env=bot_env(fake_api, tmp_path, CONTENT_DIR=str(content)), cwd=tmp_path)
    assert code == 3
    assert "hi/iom-basics.yaml: -: cannot read" in err and "Traceback" not in err
    assert fake_api.requests == []


async def test_check_content_fails_on_a_broken_bank(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content)
    (content / "topics" / "broken.yaml").write_text("topic: {id: broken}\n")
    code, out, _ = await run_cli("check-content", env=clean_env(CONTENT_DIR=str(content)), cwd=tmp_path)
    assert code == 1 and "broken.yaml" in out


def assert_a_few_plain_lines(err: str, token: str) -> None:
    """A start-up failure: at most 5 lines, no traceback, no leaked session, never the token."""
    assert 1 <= len(err.strip().splitlines()) <= 5, err
    assert "Traceback" not in err and "Unclosed" not in err, err
    assert token not in err and token.split(":")[1] not in err, err


@pytest.mark.parametrize("args", STARTING_COMMANDS)
async def test_an_unreachable_bot_api_names_its_host_and_exits_1(tmp_path: Path, args: tuple[str, ...]) -> None:
    token = "123456:UNREACHABLE-TOKEN"
    port = closed_port()
    env = clean_env(
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}/bot",
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
    )
    code, out, err = await run_cli(*args, env=env, cwd=tmp_path)
    assert code == 1, err
    assert_a_few_plain_lines(err, token)
    assert f"cannot reach the Telegram Bot API at 127.0.0.1:{port} (connection refused)" in err
    assert "TELEGRAM_API_BASE_URL" in err and token not in out


@pytest.mark.parametrize("args", STARTING_COMMANDS)
async def test_a_rejected_token_names_the_variable_not_its_value_and_exits_2(
    fake_api: FakeBotAPI, tmp_path: Path, args: tuple[str, ...]
) -> None:
    token = "123456:SOMEONE-ELSES-TOKEN"  # the fake answers 401 to any token but its own
    env = bot_env(fake_api, tmp_path, TELEGRAM_BOT_TOKEN=token, LOG_LEVEL="INFO")
    code, out, err = await run_cli(*args, env=env, cwd=tmp_path)
    assert code == 2, err
    assert_a_few_plain_lines(err, token)
    assert "TELEGRAM_BOT_TOKEN is invalid: Telegram rejected it" in err and "BotFather" in err
    assert token not in out


# Run ``python -m bot`` with bot.app.run replaced by one that leaks the token every way there is
# besides logging: a warning, print(), a write in two pieces and an uncaught exception.
LEAKY_RUN = """
import runpy, sys, warnings
import bot.app

def run(settings):
    token = settings.token
    warnings.warn(f"a warning about {token}")
    print("printed", token)
    sys.stderr.write(token[:9])
    sys.stderr.write(token[9:] + "\\n")
    raise RuntimeError(f"uncaught: {token} and someone else's 654321:{'A' * 30}")

bot.app.run = run
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""


async def test_whatever_reaches_stdout_or_stderr_has_the_token_redacted(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", LEAKY_RUN, env=bot_env(fake_api, tmp_path), cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out_bytes, err_bytes = await asyncio.wait_for(process.communicate(), 60)
    out, err = out_bytes.decode(), err_bytes.decode()
    assert process.returncode == 1
    assert "Traceback" in err and "RuntimeError: uncaught: [REDACTED] and someone else's [REDACTED]" in err, err
    assert "UserWarning: a warning about [REDACTED]" in err and "printed [REDACTED]" in out
    assert err.count("[REDACTED]") >= 4
    secret = fake_api.token.split(":")[1]
    assert secret not in err and secret not in out and "A" * 30 not in err
