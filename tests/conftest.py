"""Shared pytest fixtures."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.render import callbacks
from bot.storage.sqlite import SqliteRepository
from tests.fakebot import FakeBotAPI


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
async def repo(tmp_path: Path) -> AsyncIterator[SqliteRepository]:
    """A fresh SQLite store with every migration applied."""
    store = await SqliteRepository.open(tmp_path / "db.sqlite3")
    yield store
    await store.close()
