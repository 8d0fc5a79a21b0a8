"""Webhook mode: a small aiohttp server that handles each update before it answers Telegram.

python-telegram-bot's own webhook server puts an update on a queue and answers 200 at once, so
an update can be acknowledged (and never sent again) before anything handled it. Here the
request waits for the Application to finish with the update: Telegram retries only non-2xx, so a
worker that dies mid-update gets it delivered again, to this or another worker.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from aiohttp import web
from telegram import Update

from bot.context import StudyApplication
from bot.storage.repository import Repository

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: A graceful stop waits this long for the requests in flight.
SHUTDOWN_TIMEOUT_S = 7.0
#: /healthz answers 503 when the store takes longer than this to answer.
HEALTH_TIMEOUT_S = 5.0


class WebhookServer:
    """``POST <path>`` for updates, ``GET /healthz`` for the host's health checks, 404 elsewhere."""

    def __init__(self, application: StudyApplication, repo: Repository, secret: str, path: str) -> None:
        self._application = application
        self._repo = repo
        self._secret = secret.encode()
        self._path = path
        self._runner: web.AppRunner | None = None
        self.port = 0

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(self._path, self._update)
        app.router.add_get("/healthz", self._health)
        return app

    async def start(self, host: str, port: int) -> int:
        """Listen on ``host:port`` (0: any free port); the port it listens on."""
        # Access logs would print every update's path and the callers' addresses at INFO.
        self._runner = web.AppRunner(self._app(), shutdown_timeout=SHUTDOWN_TIMEOUT_S, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        log.info("webhook: listening on %s:%d%s", host, self.port, self._path)
        return self.port

    async def stop(self) -> None:
        """Stop accepting, then wait for the requests in flight (up to SHUTDOWN_TIMEOUT_S)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _update(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None or not hmac.compare_digest(given.encode(), self._secret):
            # Never the header's value: a wrong guess may be one character off the real secret.
            log.warning("webhook: refused a request with a %s secret token", "missing" if given is None else "wrong")
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        update = await self._parse(request)
        if update is None:
            return web.json_response({"ok": False, "error": "not an update"}, status=400)
        await self._handle(update)
        return web.json_response({"ok": True})

    async def _parse(self, request: web.Request) -> Update | None:
        try:
            data: Any = await request.json()
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                return None
            return Update.de_json(data, self._application.bot)
        except (ValueError, TypeError, KeyError, AttributeError, json.JSONDecodeError):
            return None

    async def _handle(self, update: Update) -> None:
        """Through the Application's update processor (per-chat order), waiting until it is done.

        ``process_update`` hands a handler's error to the error handler and returns normally, so a
        failing handler is logged and still answered 200.
        """
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def handle() -> None:
            try:
                await self._application.process_update(update)
            finally:
                if not done.done():
                    done.set_result(None)

        await self._application.update_processor.process_update(update, handle())
        await done

    async def _health(self, request: web.Request) -> web.Response:
        try:
            ok = await asyncio.wait_for(self._repo.ping(), HEALTH_TIMEOUT_S)
        except TimeoutError:
            ok = False
        body = {"status": "ok" if ok else "unavailable", "store": self._repo.dialect, "mode": "webhook"}
        return web.json_response(body, status=200 if ok else 503)
