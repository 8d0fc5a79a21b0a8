"""``python -m bot`` as real processes: webhook settings, SIGTERM in webhook mode, several workers on one
PostgreSQL (the leader killed with SIGKILL), two ``push-now`` at the same moment."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

from bot.storage.postgres import PostgresRepository
from tests.fakebot import FakeBotAPI
from tests.test_e2e_process import bot_env, run_cli
from tests.test_startup import closed_port

SECRET = "worker_secret-1"
USER = 651


@dataclass
class Process:
    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    _seen: asyncio.Condition = field(default_factory=asyncio.Condition)
    _reader: asyncio.Task[None] | None = None

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            async with self._seen:
                self.lines.append(raw.decode(errors="replace"))
                self._seen.notify_all()
        async with self._seen:
            self._seen.notify_all()

    async def wait_for_line(self, pattern: str, timeout: float = 30.0) -> str:  # noqa: ASYNC109
        """The first stderr line matching ``pattern`` (waits for it; fails if the process ends first)."""
        regex = re.compile(pattern)

        def found() -> str | None:
            return next((line for line in self.lines if regex.search(line)), None)

        async with asyncio.timeout(timeout), self._seen:
            await self._seen.wait_for(lambda: found() is not None or self.process.returncode is not None)
        line = found()
        assert line is not None, f"no line like {pattern!r}; the process said:\n{''.join(self.lines)[-3000:]}"
        return line


@asynccontextmanager
async def bot_process(*args: str, env: dict[str, str], cwd: Path) -> AsyncIterator[Process]:
    await asyncio.to_thread(cwd.mkdir, parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    running = Process(process)
    running._reader = asyncio.create_task(running._read())
    try:
        yield running
    finally:
        if process.returncode is None:
            process.kill()
        with suppress(ProcessLookupError):
            await asyncio.wait_for(process.wait(), 15)
        await running._reader


def webhook_env(fake: FakeBotAPI, tmp_path: Path, port: int, **values: str) -> dict[str, str]:
    return bot_env(
        fake,
        tmp_path,
        WEBHOOK_URL="https://bot.example.org/hook",
        WEBHOOK_SECRET=SECRET,
        PORT=str(port),
        WEBHOOK_LISTEN="127.0.0.1",
        LOG_LEVEL="INFO",
        **values,
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"WEBHOOK_URL": "https://bot.example.org/hook"}, "WEBHOOK_SECRET is not set"),
        ({"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": "has spaces"}, "WEBHOOK_SECRET is invalid"),
        ({"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": "x" * 257}, "WEBHOOK_SECRET is invalid"),
        ({"DATABASE_URL": "mysql://user:hunter2@db/bot"}, "DATABASE_URL is invalid"),
    ],
)
async def test_a_missing_or_malformed_webhook_setting_is_one_line_and_exit_2(
    fake_api: FakeBotAPI, tmp_path: Path, values: dict[str, str], expected: str
) -> None:
    env = bot_env(fake_api, tmp_path, **values)
    code, _, err = await run_cli(env=env, cwd=tmp_path)
    assert code == 2
    assert err.strip().startswith(f"studybot: {expected}") and len(err.strip().splitlines()) == 1
    assert "hunter2" not in err and "has spaces" not in err


async def test_sigterm_in_webhook_mode_finishes_the_request_in_flight_and_exits_0(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    fake_api.add_private_chat(USER, "Asha")
    port = closed_port()
    async with bot_process(env=webhook_env(fake_api, tmp_path, port), cwd=tmp_path) as bot:
        await bot.wait_for_line("studybot is running")
        # The reply meets a flood wait: the update is still being handled when SIGTERM comes.
        fake_api.fail_next("sendMessage", chat_id=USER, error_code=429, retry_after=1)
        async with aiohttp.ClientSession() as http:
            request = asyncio.create_task(
                http.post(
                    f"http://127.0.0.1:{port}/hook",
                    json=fake_api.send_text(USER, "/fact"),
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                )
            )
            await fake_api.wait_for_async("sendMessage", lambda c: str(c.params.get("chat_id")) == str(USER))
            bot.process.send_signal(signal.SIGTERM)
            response = await asyncio.wait_for(request, 10)
            assert response.status == 200
            response.release()
        code = await asyncio.wait_for(bot.process.wait(), 10)
    assert code == 0, "".join(bot.lines)[-2000:]
    assert len(fake_api.calls("sendMessage", USER)) == 2  # the 429, then the reply that went out
    assert SECRET not in "".join(bot.lines)


async def subscribe(url: str, chats: list[int]) -> None:
    """Subscribed private chats straight in the database (the bot's own migrations make its tables)."""
    repo = await PostgresRepository.open(url)
    try:
        for chat_id in chats:
            await repo.upsert_chat(chat_id, "private", f"Student {chat_id}", None)
            await repo.update_chat(chat_id, subscribed=True)
    finally:
        await repo.close()


def pushes_to(fake: FakeBotAPI, chat_id: int) -> int:
    return len(fake.calls("sendPoll", chat_id))


async def test_when_the_leader_is_killed_the_other_worker_serves_the_days_push(
    fake_api: FakeBotAPI, tmp_path: Path, pg_url: str
) -> None:
    fake_api.add_private_chat(USER, "Asha")
    # A push time long past today: a subscribed chat is due at once, caught up until midnight.
    settings = {"DATABASE_URL": pg_url, "TIMEZONE": "UTC", "DAILY_PUSH_TIME": "00:00"}
    first_env = webhook_env(fake_api, tmp_path / "a", closed_port(), **settings)
    second_env = webhook_env(fake_api, tmp_path / "b", closed_port(), **settings)
    async with bot_process(env=first_env, cwd=tmp_path / "a") as first:
        await first.wait_for_line(r"now runs the daily push \(leader\)")
        async with bot_process(env=second_env, cwd=tmp_path / "b") as second:
            await second.wait_for_line("studybot is running")
            assert not any("leader" in line for line in second.lines)
            first.process.kill()  # kill -9: no clean-up of any kind
            await first.process.wait()
            await subscribe(pg_url, [USER])
            await second.wait_for_line(r"now runs the daily push \(leader\)", timeout=60)
            await fake_api.wait_for_async("sendPoll", lambda c: str(c.params.get("chat_id")) == str(USER), timeout=30)
            second.process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(second.process.wait(), 10) == 0
    assert pushes_to(fake_api, USER) == 1


async def test_two_push_now_started_together_serve_each_chat_once(
    fake_api: FakeBotAPI, tmp_path: Path, pg_url: str
) -> None:
    chats = list(range(5001, 5031))
    for chat_id in chats:
        fake_api.add_private_chat(chat_id, f"Student {chat_id}")
    await subscribe(pg_url, chats)
    env = bot_env(fake_api, tmp_path, DATABASE_URL=pg_url, TIMEZONE="UTC", LOG_LEVEL="WARNING")
    (code_a, out_a, err_a), (code_b, out_b, err_b) = await asyncio.gather(
        run_cli("push-now", "--all", env=env, cwd=tmp_path), run_cli("push-now", "--all", env=env, cwd=tmp_path)
    )
    assert (code_a, code_b) == (0, 0), err_a + err_b
    assert [pushes_to(fake_api, chat_id) for chat_id in chats] == [1] * len(chats)
    sent = [int(re.search(r"sent (\d+)", out).group(1)) for out in (out_a, out_b)]  # type: ignore[union-attr]
    assert sum(sent) == len(chats)


async def test_an_unreachable_postgresql_is_one_line_without_the_password_and_exit_1(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    port = closed_port()
    env = bot_env(fake_api, tmp_path, DATABASE_URL=f"postgresql://studybot:hunter2@127.0.0.1:{port}/studybot")
    code, _, err = await run_cli(env=env, cwd=tmp_path)
    assert code == 1
    assert f"store: PostgreSQL at 127.0.0.1:{port}/studybot" in err  # the start-up log names the store
    assert err.strip().splitlines()[-1].startswith(f"studybot: cannot use PostgreSQL at 127.0.0.1:{port}/studybot (")
    assert "hunter2" not in err and "Traceback" not in err
    assert fake_api.requests == []  # the store comes before any call to Telegram
