"""Shared pytest fixtures."""

from collections.abc import Iterator

import pytest

from tests.fakebot import FakeBotAPI


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    """A started local fake Telegram Bot API (see tests/fakebot.py), stopped after the test."""
    with FakeBotAPI() as fake:
        yield fake
