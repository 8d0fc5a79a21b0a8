"""Start-up against a Bot API that cannot be reached: a short reason, its host, nothing left open."""

from __future__ import annotations

import gc
import socket
from collections.abc import Iterator
from typing import cast

import pytest
from telegram.error import NetworkError
from telegram.ext import ApplicationBuilder
from telegram.request import HTTPXRequest

from bot.app import GC_THRESHOLDS, BotApiUnreachable, api_host, initialized, settle_memory
from bot.context import StudyApplication
from bot.delivery.http import AiohttpRequest, failure_reason

TOKEN = "123456:TEST-TOKEN"


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: bound here, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


async def request_error(url: str) -> NetworkError:
    request = AiohttpRequest(connect_timeout=0.5, read_timeout=0.5)
    await request.initialize()
    try:
        await request.post(f"{url}/bot{TOKEN}/getMe")
    except NetworkError as exc:
        return exc
    finally:
        await request.shutdown()
    raise AssertionError("the request succeeded")


async def test_a_failed_start_up_closes_both_connection_pools() -> None:
    request = AiohttpRequest()
    url = f"http://127.0.0.1:{closed_port()}/bot"
    application = cast(StudyApplication, ApplicationBuilder().token(TOKEN).base_url(url).request(request).build())
    with pytest.raises(BotApiUnreachable):
        async with initialized(application, url):
            pass
    polling = application.bot._request[0]  # PTB's own request, kept for getUpdates
    assert isinstance(polling, HTTPXRequest)
    assert request._session is not None and request._session.closed
    assert polling._client.is_closed


async def test_a_refused_connection_is_said_in_two_words() -> None:
    assert failure_reason(await request_error(f"http://127.0.0.1:{closed_port()}")) == "connection refused"


async def test_a_server_that_never_answers_has_timed_out(silent_port: int) -> None:
    assert failure_reason(await request_error(f"http://127.0.0.1:{silent_port}")) == "timed out"


def test_a_dns_failure_is_a_host_name_not_found() -> None:
    exc = NetworkError("aiohttp.ClientConnectorDNSError: Cannot connect to host nowhere.invalid:443")
    exc.__cause__ = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    assert failure_reason(exc) == "host name not found"


def test_an_http_error_from_telegram_keeps_its_phrase() -> None:
    assert failure_reason(NetworkError("Bad Gateway")) == "Bad Gateway"


def test_only_the_host_and_port_of_the_base_url_are_named() -> None:
    assert api_host("https://api.telegram.org/bot") == "api.telegram.org"
    assert api_host("http://127.0.0.1:8081/bot") == "127.0.0.1:8081"
    assert api_host("http://[::1]:8081/bot") == "[::1]:8081"
    assert api_host("https://user:secret@proxy.example/bot") == "proxy.example"


def test_a_running_bot_keeps_the_garbage_collector_off_what_start_up_built() -> None:
    before = gc.get_threshold()
    try:
        settle_memory()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == GC_THRESHOLDS
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
