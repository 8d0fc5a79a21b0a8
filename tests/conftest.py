"""Shared pytest fixtures."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.storage.sqlite import SqliteRepository
from tests.fakebot import FakeBotAPI


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    """A started local fake Telegram Bot API (see tests/fakebot/), stopped after the test."""
    with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[SqliteRepository]:
    """A fresh SQLite store with every migration applied."""
    store = await SqliteRepository.open(tmp_path / "db.sqlite3")
    yield store
    await store.close()
