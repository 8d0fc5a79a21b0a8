"""The emulator behind python-telegram-bot's ``BaseRequest``: Bot API calls made in process, no port.

PTB hands a request ``{base_url}{token}/{method}`` and its parameters (strings, JSON-encoded where
they are not, and files for multipart); the HTTP server decodes the same from the wire. Both end
in :meth:`bot.emulator.server.FakeServer.call`, so the console gets the checks and answers the
tests get.
"""

from __future__ import annotations

import json
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.emulator.methods import FakeBotAPI
from bot.emulator.state import UploadedFile
from bot.emulator.wire import decode_param


class EmulatorRequest(BaseRequest):
    """Answers PTB's requests from an emulator :meth:`~bot.emulator.server.FakeServer.attach`-ed to
    the running loop. One emulator may serve several of these (PTB uses one for getUpdates)."""

    __slots__ = ("_emulator",)

    def __init__(self, emulator: FakeBotAPI) -> None:
        self._emulator = emulator

    @property
    def read_timeout(self) -> float:
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open: there is no connection."""

    async def shutdown(self) -> None:
        """Nothing to close."""

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
        head, api_method = url.rsplit("/", 1)
        token = head.rsplit("/", 1)[-1].removeprefix("bot")  # {base_url}{token}/{method}, base ending in /bot
        status, payload = await self._emulator.call(token, api_method, decode(request_data))
        return status, json.dumps(payload, ensure_ascii=False).encode("utf-8")


def decode(request_data: RequestData | None) -> dict[str, Any]:
    """PTB's parameters as the emulator reads them from the wire: JSON-decoded where PTB encoded
    them, uploads as :class:`UploadedFile` (``attach://name`` references resolved)."""
    if request_data is None:
        return {}
    params: dict[str, Any] = {name: decode_param(name, value) for name, value in request_data.json_parameters.items()}
    if not request_data.contains_files:
        return params
    files: dict[str, UploadedFile] = {}
    for name, (filename, content, content_type) in request_data.multipart_data.items():
        data = content if isinstance(content, bytes) else content.read()
        files[name] = UploadedFile(filename or name, data, content_type or "application/octet-stream")
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
            params[key] = files.pop(value[9:])
    params.update(files)
    return params
