"""Start-up against a Bot API that cannot be reached: nothing is left open."""

from __future__ import annotations

import socket

import pytest
from telegram.error import NetworkError
from telegram.ext import ApplicationBuilder
from telegram.request import HTTPXRequest

from bot.app import initialized
from bot.http_request import AiohttpRequest


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: bound here, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_failed_start_up_closes_both_connection_pools() -> None:
    request = AiohttpRequest()
    application = (
        ApplicationBuilder()
        .token("123456:TEST-TOKEN")
        .base_url(f"http://127.0.0.1:{closed_port()}/bot")
        .request(request)
        .build()
    )
    with pytest.raises(NetworkError):
        async with initialized(application):
            pass
    polling = application.bot._request[0]  # PTB's own request, kept for getUpdates
    assert isinstance(polling, HTTPXRequest)
    assert request._session is not None and request._session.closed
    assert polling._client.is_closed
