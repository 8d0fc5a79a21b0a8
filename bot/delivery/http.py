"""PTB's Bot API requests over aiohttp rather than httpx.

httpx 0.28 / httpcore 1.0 spend about 2 ms of CPU on each request here: the connection pool checks
every open connection (a getpeername() call each) twice per request, and without ``sniffio``
installed httpcore retries a failing import on every call. aiohttp needs about 0.15 ms
(bench/README.md). Long polling (getUpdates) keeps PTB's own httpx request.
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Iterator

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_ERRNO_REASONS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset",
    errno.ENETUNREACH: "network unreachable",
    errno.EHOSTUNREACH: "host unreachable",
}


def _seconds(value: object, default: float) -> float | None:
    """A timeout PTB passed: a number, None (no limit), or its DefaultValue (use ours)."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    return default


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a keep-alive pool of up to ``connection_pool_size`` connections."""

    __slots__ = ("_connect_timeout", "_pool_size", "_read_timeout", "_session")

    def __init__(
        self, connection_pool_size: int = 256, *, connect_timeout: float = 5.0, read_timeout: float = 5.0
    ) -> None:
        self._pool_size = connection_pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self._pool_size))

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        data: aiohttp.FormData | dict[str, str] | None = None
        if request_data is not None and request_data.contains_files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in request_data.multipart_data.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            data = form
        elif request_data is not None:
            data = request_data.json_parameters
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_seconds(connect_timeout, self._connect_timeout),
            sock_read=_seconds(read_timeout, self._read_timeout),
        )
        try:
            async with self._session.request(
                method, url, data=data, headers={"User-Agent": self.USER_AGENT}, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc


def failure_reason(exc: BaseException) -> str:
    """Why a Bot API request failed, in a few words: never the URL, which holds the token."""
    for cause in _causes(exc):
        if isinstance(cause, TimedOut | TimeoutError):
            return "timed out"
        if isinstance(cause, socket.gaierror | aiohttp.ClientConnectorDNSError):
            return "host name not found"
        if isinstance(cause, ssl.SSLError | aiohttp.ClientSSLError):
            return "TLS handshake failed"
        # By errno, not class: aiohappyeyeballs reports "all addresses refused" as a plain OSError.
        if isinstance(cause, OSError) and cause.errno in _ERRNO_REASONS:
            return _ERRNO_REASONS[cause.errno]
    if isinstance(exc, NetworkError) and exc.__cause__ is None:
        return exc.message  # PTB's own, from the HTTP answer: "Bad Gateway", say
    return "network error"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, then what caused it, and so on down the chain."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
