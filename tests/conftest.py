"""Shared pytest fixtures."""

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.render import callbacks
from bot.storage.postgres import PostgresRepository
from bot.storage.repository import Repository
from bot.storage.sqlite import SqliteRepository
from tests.fakebot import FakeBotAPI
from tests.pg import fresh_schema, start_cluster, started_or_skip


@pytest.fixture
def fake_api(request: pytest.FixtureRequest) -> Iterator[FakeBotAPI]:
    """A started local fake Telegram Bot API (bot/emulator/), stopped after the test.

    After every test in which the bot talked to it: every button the bot sent carries data that
    decodes (the fake's own tests send made-up buttons on purpose).
    """
    with FakeBotAPI() as fake:
        yield fake
        if request.module.__name__.endswith("test_emulator"):
            return
        undecodable = [data for data in sent_button_data(fake) if callbacks.decode(data) is None]
        assert not undecodable, f"buttons whose data no handler reads: {undecodable}"


def sent_button_data(fake: FakeBotAPI) -> list[str]:
    """The callback data of every inline button the bot sent or edited in."""
    found: list[str] = []
    for call in fake.requests:
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict):
            for row in markup.get("inline_keyboard", []):
                found += [button["callback_data"] for button in row if "callback_data" in button]
    return found


@pytest.fixture
async def sqlite_repo(tmp_path: Path) -> AsyncIterator[SqliteRepository]:
    """A fresh SQLite store with every migration applied."""
    store = await SqliteRepository.open(tmp_path / "db.sqlite3")
    yield store
    await store.close()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of a PostgreSQL server for the tests: STUDYBOT_TEST_DATABASE_URL (``.ci/run`` sets it),
    else a throwaway cluster of this session's own; without either the test skips (fails under CI)."""
    url = os.environ.get("STUDYBOT_TEST_DATABASE_URL")
    if url:
        yield url
        return
    cluster = started_or_skip(start_cluster())
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture
async def pg_url(pg_server: str) -> AsyncIterator[str]:
    """A database URL whose tables live in a fresh schema of their own, dropped after the test."""
    async with fresh_schema(pg_server) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
async def repo(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Repository]:
    """A fresh store with every migration applied: each test that takes it runs on both stores."""
    if request.param == "sqlite":
        sqlite = await SqliteRepository.open(tmp_path / "db.sqlite3")
        yield sqlite
        await sqlite.close()
        return
    async with fresh_schema(request.getfixturevalue("pg_server")) as url:
        pg = await PostgresRepository.open(url)
        yield pg
        await pg.close()
