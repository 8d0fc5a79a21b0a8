"""Webhook mode end to end: the real Application behind its own webhook server, updates posted to it
as Telegram would post them (the fake Bot API builds them), on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram import Update
from telegram.ext import Application, TypeHandler

from bot.app import WEBHOOK_PORT_KEY, serve
from bot.clock import ManualClock
from bot.context import CONTEXT_KEY, AppContext
from tests.content_cache import bot_loads_bank_once
from tests.fakebot import FakeBotAPI
from tests.harness import START, make_settings, running_bot

URL = "https://bot.example.org/tg/hook"
PATH = "/tg/hook"
SECRET = "s3cret_Token-42"
USER = 701
GROUP = -100701
ASHA, BEN, RAVI = 711, 712, 713


@dataclass
class Worker:
    application: Application[Any, Any, Any, Any, Any, Any]
    ctx: AppContext
    http: aiohttp.ClientSession

    async def post(self, update: Any, secret: str | None = SECRET, path: str = PATH) -> tuple[int, str]:
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        kwargs: dict[str, Any] = {"data": update} if isinstance(update, (str, bytes)) else {"json": update}
        async with self.http.post(path, headers=headers, **kwargs) as response:
            return response.status, await response.text()

    async def health(self) -> tuple[int, Any]:
        async with self.http.get("/healthz") as response:
            return response.status, await response.json()


@asynccontextmanager
async def webhook_bot(fake: FakeBotAPI, tmp_path: Path, **overrides: Any) -> AsyncIterator[Worker]:
    """The bot in webhook mode on a free loopback port, until the block ends (then a clean stop)."""
    values = {"WEBHOOK_URL": URL, "WEBHOOK_SECRET": SECRET, "PORT": 0, "WEBHOOK_LISTEN": "127.0.0.1"}
    settings = make_settings(fake, tmp_path / "studybot.sqlite3", **(values | overrides))
    stop = asyncio.Event()
    started: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    with bot_loads_bank_once():
        task = asyncio.create_task(serve(settings, stop, ManualClock(START), with_jobs=False, ready=started.set_result))
        done, _ = await asyncio.wait([task, started], timeout=15, return_when=asyncio.FIRST_COMPLETED)
    if started not in done:
        if task in done:
            task.result()
        raise TimeoutError("the bot did not start")
    application = started.result()
    port = application.bot_data[WEBHOOK_PORT_KEY]
    try:
        async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{port}") as http:
            yield Worker(application, application.bot_data[CONTEXT_KEY], http)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


def sent_to(fake: FakeBotAPI, chat_id: int, method: str = "sendMessage") -> list[dict[str, Any]]:
    return fake.calls(method, chat_id)


def last_poll_id(fake: FakeBotAPI, chat_id: int) -> str:
    polls = [c for c in fake.calls_to(chat_id) if c.method == "sendPoll" and c.result]
    assert polls, "the bot sent no poll"
    return str(polls[-1].result["poll"]["id"])


async def test_the_webhook_is_set_and_an_update_is_handled_before_the_200(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    fake_api.add_private_chat(USER, "Asha")
    async with webhook_bot(fake_api, tmp_path) as worker:
        hook = fake_api.webhook
        assert hook is not None and hook["url"] == URL and hook["secret_token"] == SECRET
        assert "poll_answer" in str(hook["allowed_updates"])
        status, _ = await worker.post(fake_api.send_text(USER, "/fact"))
        # No waiting: the reply was sent before the webhook answered.
        assert status == 200
        assert len(sent_to(fake_api, USER)) == 1


async def test_a_wrong_or_missing_secret_is_403_handles_nothing_and_logs_no_value(
    fake_api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake_api.add_private_chat(USER, "Asha")
    caplog.set_level(logging.WARNING)
    async with webhook_bot(fake_api, tmp_path) as worker:
        update = fake_api.send_text(USER, "/fact")
        assert (await worker.post(update, secret="guess-one"))[0] == 403
        assert (await worker.post(update, secret=None))[0] == 403
        assert (await worker.post(update, secret=SECRET + "x"))[0] == 403
        assert sent_to(fake_api, USER) == []
        assert (await worker.post(update))[0] == 200  # the same update, with the secret, is handled
        assert len(sent_to(fake_api, USER)) == 1
    refused = [r for r in caplog.records if "secret token" in r.getMessage()]
    assert len(refused) == 3 and all(r.levelno == logging.WARNING for r in refused)
    assert "guess-one" not in caplog.text and SECRET not in caplog.text


async def test_a_body_that_is_not_an_update_is_400_and_other_paths_404(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    async with webhook_bot(fake_api, tmp_path) as worker:
        assert (await worker.post("not json"))[0] == 400
        assert (await worker.post([1, 2]))[0] == 400
        assert (await worker.post({"message": {"text": "no update_id"}}))[0] == 400
        assert (await worker.post({"update_id": 5}, path="/elsewhere"))[0] == 404
        async with worker.http.get("/") as response:
            assert response.status == 404


async def test_healthz_names_the_store_and_is_503_when_the_store_does_not_answer(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    async with webhook_bot(fake_api, tmp_path) as worker:
        assert await worker.health() == (200, {"status": "ok", "store": "sqlite", "mode": "webhook"})
        real_ping = worker.ctx.repo.ping

        async def broken() -> bool:
            return False

        worker.ctx.repo.ping = broken  # type: ignore[method-assign]
        status, body = await worker.health()
        worker.ctx.repo.ping = real_ping  # type: ignore[method-assign]
        assert status == 503 and body["status"] != "ok"


async def test_a_failing_handler_still_gets_200_once_the_error_handler_ran(
    fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    fake_api.add_private_chat(USER, "Asha")
    errors: list[object] = []

    async def boom(update: object, context: object) -> None:
        raise RuntimeError("handler exploded")

    async def seen(update: object, context: Any) -> None:
        errors.append(context.error)

    async with webhook_bot(fake_api, tmp_path) as worker:
        worker.application.add_handler(TypeHandler(Update, boom), group=-10)
        # Error handlers run in the order added: the bot's own (which logs) first, then this one.
        worker.application.add_error_handler(seen)
        status, _ = await worker.post(fake_api.send_text(USER, "/fact"))
        assert status == 200
        assert [str(e) for e in errors] == ["handler exploded"]  # already, when the 200 came


async def test_polling_mode_removes_a_webhook_left_from_an_earlier_run(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    async with webhook_bot(fake_api, tmp_path):
        assert fake_api.webhook is not None
    async with running_bot(fake_api, tmp_path) as bot:
        assert fake_api.webhook is None
        fake_api.add_private_chat(USER, "Asha")
        calls = await bot.say(USER, "/fact")
        assert calls[-1].method == "sendMessage"


async def test_webhook_on_postgresql_records_answers_there(fake_api: FakeBotAPI, tmp_path: Path, pg_url: str) -> None:
    fake_api.add_private_chat(USER, "Asha")
    async with webhook_bot(fake_api, tmp_path, DATABASE_URL=pg_url) as worker:
        assert await worker.health() == (200, {"status": "ok", "store": "postgresql", "mode": "webhook"})
        await worker.post(fake_api.send_text(USER, "/quiz"))
        poll_id = last_poll_id(fake_api, USER)
        assert (await worker.post(fake_api.answer_poll(poll_id, USER, [0])))[0] == 200
        tallies = await worker.ctx.repo.topic_tallies(USER, USER)
        assert sum(t.answered for t in tallies) == 1


async def test_two_workers_on_one_postgresql_share_a_groups_quiz_and_answers(
    fake_api: FakeBotAPI, tmp_path: Path, pg_url: str
) -> None:
    fake_api.add_group(GROUP, "UPSC Warriors", members={ASHA: "Asha", BEN: "Ben", RAVI: "Ravi"})
    async with (
        webhook_bot(fake_api, tmp_path / "a", DATABASE_URL=pg_url) as first,
        webhook_bot(fake_api, tmp_path / "b", DATABASE_URL=pg_url) as second,
    ):
        # The load balancer sends the quiz to one worker and the answers to either.
        assert (await first.post(fake_api.send_text(GROUP, "/quiz", user_id=ASHA)))[0] == 200
        poll_id = last_poll_id(fake_api, GROUP)
        answers = {}
        for worker, user in ((second, ASHA), (first, BEN), (second, RAVI)):
            answers[user] = fake_api.answer_poll(poll_id, user, [0])
            assert (await worker.post(answers[user]))[0] == 200
        # Telegram re-delivers Ravi's answer, and the other worker gets it: still one answer.
        assert (await first.post(answers[RAVI]))[0] == 200
        assert (await second.post(fake_api.send_text(GROUP, "/leaderboard", user_id=BEN)))[0] == 200
        rows = await first.ctx.repo.leaderboard_rows(GROUP, None)
    assert sorted((r.user_id, r.answered) for r in rows) == [(ASHA, 1), (BEN, 1), (RAVI, 1)]
    board = str(sent_to(fake_api, GROUP)[-1]["text"])
    for name in ("Asha", "Ben", "Ravi"):
        assert name in board
