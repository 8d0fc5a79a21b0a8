"""The fake's HTTP side: the aiohttp server in its own thread, requests decoded and dispatched to
the Bot API methods, calls recorded, faults and flood limits applied, and long polling."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any, Self, TypeVar

from aiohttp import BodyPartReader, web

from bot.emulator.state import ALL_UPDATE_TYPES, DEFAULT_ALLOWED_UPDATES, Call, FakeState, UploadedFile
from bot.emulator.wire import ApiError, Reply, bad, decode_param, to_int

_LONG_POLL_MAX_TIMEOUT = 50

#: Lower-case method name -> (the method's name, the FakeBotAPI attribute serving it).
METHODS: dict[str, tuple[str, str]] = {}

_Handler = TypeVar("_Handler", bound=Callable[..., Any])


def api_method(name: str) -> Callable[[_Handler], _Handler]:
    """Registers a FakeBotAPI method as the handler of Bot API method ``name``."""

    def decorate(func: _Handler) -> _Handler:
        METHODS[name.lower()] = (name, func.__name__)
        return func

    return decorate


class _Hung(Exception):
    """A fault that holds the request unanswered for ``seconds``, doing nothing with it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"hung for {seconds} s")
        self.seconds = seconds


class FakeServer(FakeState):
    """Serves ``{base_url}{token}/{method}`` on 127.0.0.1 (see :meth:`start`)."""

    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None
    _port: int | None = None
    _closing: bool = False
    _poll_event: asyncio.Event | None = None
    #: Called with every request as it is recorded (the lock held, in the server's thread), before
    #: it is answered: a test's hook, e.g. to kill the bot right after Telegram took a send.
    on_call: Callable[[Call], None] | None = None

    # ------------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        """The TCP port the server listens on (after :meth:`start`)."""
        if self._port is None:
            raise RuntimeError("FakeBotAPI is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """PTB's ``base_url``: ``http://127.0.0.1:PORT/bot`` (the token is appended by PTB)."""
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> Self:
        """Starts the server thread; returns ``self`` once the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError("FakeBotAPI is already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(1024)
        sock.setblocking(False)
        self._port = sock.getsockname()[1]
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._closing = False
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve(sock))
            except BaseException as exc:  # pragma: no cover - start-up failure
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self._shutdown())
                loop.close()

        self._thread = threading.Thread(target=run, name=f"FakeBotAPI:{self._port}", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            self._loop = None
            raise RuntimeError("FakeBotAPI failed to start") from failure[0]
        return self

    def stop(self) -> None:
        """Stops the server (pending long polls are answered with no updates) and joins its thread."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=15)
        self._thread = None
        self._loop = None

    def attach(self) -> Self:
        """Serve in the running event loop, without a socket: calls arrive through :meth:`call`
        (see :class:`bot.emulator.inprocess.EmulatorRequest`). Undone by :meth:`detach`."""
        if self._thread is not None:
            raise RuntimeError("FakeBotAPI is serving over HTTP already")
        self._loop = asyncio.get_running_loop()
        self._closing = False
        self._poll_event = asyncio.Event()
        return self

    def detach(self) -> None:
        """Ends in-process serving: a pending long poll is answered with no updates."""
        if self._thread is None and self._loop is not None:
            self._closing = True
            self._wake_pollers()
            self._loop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def _serve(self, sock: socket.socket) -> None:
        self._poll_event = asyncio.Event()
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=2.0, handler_cancellation=True
        )
        await runner.setup()
        await web.SockSite(runner, sock).start()
        self._runner = runner

    async def _shutdown(self) -> None:
        self._closing = True
        self._wake_pollers()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ---------------------------------------------------------------- HTTP plumbing

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for key, value in request.query.items():
            params[key] = decode_param(key, value)
        if request.method not in ("POST", "PUT"):
            return params
        content_type = request.content_type
        if content_type == "multipart/form-data":
            files: dict[str, UploadedFile] = {}
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename is not None:
                    content = bytes(await part.read(decode=False))
                    files[part.name] = UploadedFile(
                        part.filename, content, part.headers.get("Content-Type", "application/octet-stream")
                    )
                else:
                    params[part.name] = decode_param(part.name, await part.text())
            for key, value in list(params.items()):
                if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
                    params[key] = files.pop(value[9:])
            params.update(files)
        elif content_type == "application/json":
            body = await request.read()
            if body:
                try:
                    data = json.loads(body)
                except ValueError as exc:
                    raise bad("can't parse JSON encoded request") from exc
                if isinstance(data, dict):
                    for key, value in data.items():
                        params[key] = decode_param(key, value) if isinstance(value, str) else value
        else:
            body = await request.read()
            if body:
                for key, value in urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
                    params[key] = decode_param(key, value)
        return params

    @staticmethod
    def _response(status: int, payload: dict[str, Any]) -> web.Response:
        return web.Response(
            status=status,
            body=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            content_type="application/json",
        )

    async def _handle(self, request: web.Request) -> web.Response:
        try:
            return await self._dispatch(request)
        except Exception as exc:  # a bug in the fake: answer like Telegram's 500, with the cause
            description = f"Internal Server Error: FakeBotAPI crashed: {exc!r}"
            return self._response(500, {"ok": False, "error_code": 500, "description": description})

    async def _dispatch(self, request: web.Request) -> web.Response:
        at = time.time()
        token = request.match_info["token"]
        if token != self.token:
            return self._response(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        try:
            params = await self._read_params(request)
        except ApiError as exc:
            return self._response(exc.code, exc.payload())
        status, payload = await self.call(token, request.match_info["method"], params, at=at)
        return self._response(status, payload)

    async def call(
        self, token: str, method: str, params: dict[str, Any], *, at: float | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call whose parameters are decoded already: ``(HTTP status, envelope)``.

        The HTTP server and the in-process transport (:mod:`bot.emulator.inprocess`) both end here.
        """
        at = time.time() if at is None else at
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        known = METHODS.get(method.lower())
        if known is None:
            error = ApiError(404, "Not Found")
            with self._lock:
                self._record(method, params, at, error.code, error.description, None)
            return 404, error.payload()
        name, attribute = known
        handler = getattr(self, attribute)
        if name == "getUpdates":
            # A long poll is recorded when it arrives and completed when it is answered.
            with self._lock:
                call = self._record(name, params, at, 200, None, None)
            try:
                with self._lock:
                    self._check_faults(name, params)
                result: Any = await self._get_updates(params)
                payload: dict[str, Any] = {"ok": True, "result": result}
                status = 200
            except ApiError as exc:
                payload, status = exc.payload(), exc.code
            with self._lock:
                if call is not None:
                    call.status, call.result = status, payload.get("result")
                    call.description = payload.get("description")
                if status == 429:
                    self.http_429 += 1
                self._cond.notify_all()
                return status, payload
        hang_s: float | None = None
        with self._lock:
            try:
                self._check_faults(name, params)
                self._check_flood(name)
                result = handler(params)
                if isinstance(result, Reply):
                    payload = {"ok": True, "result": result.result}
                    if result.description:
                        payload["description"] = result.description
                else:
                    payload = {"ok": True, "result": result}
                status = 200
            except ApiError as exc:
                payload, status = exc.payload(), exc.code
            except _Hung as hung:
                hang_s = hung.seconds
            if hang_s is None:
                self._record(name, params, at, status, payload.get("description"), payload.get("result"))
                return status, payload
        # A hung request: Telegram did nothing with it; the client has usually given up by now.
        await asyncio.sleep(hang_s)
        error = ApiError(504, "Gateway Timeout")
        with self._lock:
            self._record(name, params, at, error.code, error.description, None)
        return error.code, error.payload()

    def _record(
        self, method: str, params: dict[str, Any], at: float, status: int, description: str | None, result: Any
    ) -> Call | None:
        """Must hold the lock."""
        self._counts[method] += 1
        if status == 429:
            self.http_429 += 1
        call = None
        if self.record_requests or self.on_call is not None:
            call = Call(method, params, at, status, description if status != 200 else None, result)
        if self.record_requests and call is not None:
            self._requests.append(call)
            self._by_method[method].append(call)
        self._cond.notify_all()
        if self.on_call is not None and call is not None:
            self.on_call(call)
        return call

    def _check_faults(self, method: str, params: dict[str, Any]) -> None:
        if not self._faults:
            return
        chat_id = params.get("chat_id")
        if not self._fault_chats[None] and not self._fault_chats[chat_id]:
            return
        for fault in self._faults:
            if fault.method not in ("*", method.lower()):
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
                self._fault_chats[fault.chat_id] -= 1
            if fault.hang_s is not None:
                raise _Hung(fault.hang_s)
            parameters = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
            raise ApiError(fault.error_code, fault.description, parameters)

    def _check_flood(self, method: str) -> None:
        limit = self.flood_limit_per_s
        if limit is None or not method.startswith("send"):
            return
        now = time.monotonic()
        window = self._flood_window
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= limit:
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        window.append(now)

    # ----------------------------------------------------------------- long polling

    def _wake_pollers(self) -> None:
        """Runs in the server loop: wakes every pending getUpdates."""
        event = self._poll_event
        if event is not None:
            event.set()
            self._poll_event = asyncio.Event()

    def _notify_loop(self) -> None:
        """Must hold the lock; safe from any thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop is closing
                loop.call_soon_threadsafe(self._wake_pollers)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:
            if self._webhook is not None:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            offset = to_int(params.get("offset"), 0)
            limit = min(max(to_int(params.get("limit"), 100), 1), 100)
            timeout = min(max(to_int(params.get("timeout"), 0), 0), _LONG_POLL_MAX_TIMEOUT)
            if "allowed_updates" in params:
                self._set_allowed_updates(params["allowed_updates"])
            self._confirm_updates(offset)
            self._poll_generation += 1
            generation = self._poll_generation
        self._wake_pollers()  # an older pending getUpdates is terminated by this one
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._poll_event
            with self._lock:
                if generation != self._poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                updates = self._collect_updates(limit)
                remaining = deadline - loop.time()
                if updates or remaining <= 0 or self._closing or event is None:
                    return updates
                self._waiting_pollers += 1
                self._cond.notify_all()
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass
            finally:
                with self._lock:
                    self._waiting_pollers -= 1

    def _set_allowed_updates(self, value: Any) -> None:
        if isinstance(value, str):
            return  # not JSON: Telegram ignores it
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return
        self._last_allowed_updates = list(value)
        chosen = frozenset(item.lower() for item in value) & ALL_UPDATE_TYPES
        allowed = chosen or DEFAULT_ALLOWED_UPDATES
        # PTB sends allowed_updates with every getUpdates: only a change calls for a look at the queue.
        self._unfiltered = self._unfiltered or allowed != self._allowed_updates
        self._allowed_updates = allowed

    def _confirm_updates(self, offset: int) -> None:
        queue = self._updates
        if offset < 0:
            while len(queue) > -offset:
                queue.popleft()
        elif offset > 0:
            while queue and queue[0][0] < offset:
                queue.popleft()
        self._cond.notify_all()

    def _collect_updates(self, limit: int) -> list[dict[str, Any]]:
        # Telegram never queues updates of types the bot did not ask for. Looked for only when the
        # allowed types changed or such an update came: a look at every call would walk the whole
        # queue for each batch of 100 (bench/updates.py queues 20,000).
        if self._unfiltered:
            allowed = self._allowed_updates
            if any(kind not in allowed for _, kind, _ in self._updates):
                self._updates = collections.deque(item for item in self._updates if item[1] in allowed)
                self._cond.notify_all()
            self._unfiltered = False
        return [update for _, _, update in itertools.islice(self._updates, limit)]

    def _enqueue(self, kind: str, body: Any) -> dict[str, Any]:
        """Must hold the lock."""
        update = {"update_id": self._next_update_id, kind: body}
        self._next_update_id += 1
        self._queue_update(kind, update)
        return update

    def _queue_update(self, kind: str, update: dict[str, Any]) -> None:
        """Must hold the lock: ``update`` (of type ``kind``) joins the queue getUpdates serves."""
        self._updates.append((update["update_id"], kind, update))
        self._unfiltered = self._unfiltered or kind not in self._allowed_updates
        self._notify_loop()
