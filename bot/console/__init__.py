"""``python -m bot console``: a private chat with the bot in the terminal, no token and no network.

The real Application, handlers, services, content bank and store run against the Bot API
emulator (:mod:`bot.emulator`) inside the process, behind PTB's ``BaseRequest``
(:class:`bot.emulator.inprocess.EmulatorRequest`): no port is opened and nothing reaches
Telegram. The console has its own database, so trying it never touches a deployment's data.

``screen`` draws what the bot sends; ``session`` turns the user's lines into updates.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any, TextIO

from bot.app import serve
from bot.clock import ManualClock, SystemClock
from bot.config import Settings, load_settings
from bot.console.session import BOT_USERNAME, TOKEN, USER_ID, USER_NAME, Console
from bot.context import StudyApplication
from bot.emulator import FakeBotAPI
from bot.emulator.inprocess import EmulatorRequest
from bot.render.texts import t

DEFAULT_DB = Path("data/console.sqlite3")
#: Where requests would go: never contacted (the emulator answers in process); .invalid never resolves.
EMULATOR_BASE_URL = "http://console.invalid/bot"


def console_settings(db_path: Path, **overrides: object) -> Settings:
    """The operator's settings (CONTENT_DIR, TIMEZONE … from the environment or .env), with the
    emulator's token and the console's own database (``overrides`` as for load_settings)."""
    return load_settings(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=EMULATOR_BASE_URL,
        DATABASE_PATH=str(db_path),
        **overrides,
    )


@asynccontextmanager
async def open_console(
    settings: Settings,
    out: TextIO,
    *,
    ansi: bool = False,
    start: dt.datetime | None = None,
    wall: Callable[[], dt.datetime] | None = None,
) -> AsyncIterator[Console]:
    """The bot running against the in-process emulator, and the console on it, until the block ends.

    ``start`` is the console clock's first time (default: now); ``wall``, when given, is followed
    between lines (a terminal session: time passes while the user reads).
    """
    emulator = FakeBotAPI(token=TOKEN, bot_username=BOT_USERNAME).attach()
    emulator.add_private_chat(USER_ID, USER_NAME, username=USER_NAME.lower())
    clock = ManualClock(start or SystemClock().now())
    stop = asyncio.Event()
    started: asyncio.Future[StudyApplication] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        serve(
            settings,
            stop,
            clock,
            with_jobs=False,  # the console runs what the jobs do itself, at its own time (Console._timers)
            ready=started.set_result,
            request=lambda: EmulatorRequest(emulator),
        )
    )
    either: list[asyncio.Future[Any]] = [task, started]
    await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    if not started.done():
        emulator.detach()
        task.result()  # raises what stopped the bot (an invalid bank, say)
        raise RuntimeError("the bot stopped before it was ready")
    try:
        media_dir = settings.database_path.parent / "console-media"
        yield Console(emulator, started.result(), clock, out, ansi=ansi, media_dir=media_dir, wall=wall)
    finally:
        emulator.detach()  # the pending long poll returns at once
        stop.set()
        await task


async def run_console(settings: Settings, stdin: TextIO, out: TextIO) -> None:
    """Read lines until ``:quit`` or the end of input, printing the chat as it goes."""
    interactive = stdin.isatty()
    wall = SystemClock().now if interactive else None
    async with open_console(settings, out, ansi=out.isatty() and "NO_COLOR" not in os.environ, wall=wall) as console:
        out.write(t("console.banner", db=settings.database_path) + "\n\n")
        reader = LineReader(stdin, prompt=f"{USER_NAME} › " if interactive else None)
        loop = asyncio.get_running_loop()
        with suppress(NotImplementedError, RuntimeError):  # Ctrl-C ends the console like :quit
            loop.add_signal_handler(signal.SIGINT, reader.interrupt)
        try:
            while (line := await reader.next()) is not None:
                if not await (console.handle(line) if interactive else console.feed(line)):
                    break
        finally:
            with suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signal.SIGINT)
        out.write(t("console.bye", db=settings.database_path) + "\n")
        out.flush()


class LineReader:
    """Lines of input, each read by a daemon thread once the previous one is handled (so the
    prompt comes after the bot's answer, and a pending read never keeps the process alive)."""

    def __init__(self, stdin: TextIO, prompt: str | None) -> None:
        self._stdin = stdin
        self._prompt = prompt
        self._pending: asyncio.Future[str | None] | None = None

    async def next(self) -> str | None:
        """The next line, or None at the end of input (or after Ctrl-C)."""
        loop = asyncio.get_running_loop()
        pending: asyncio.Future[str | None] = loop.create_future()
        self._pending = pending

        def deliver(line: str | None) -> None:
            if not pending.done():
                pending.set_result(line)

        def read() -> None:
            line: str | None
            try:
                line = input(self._prompt) if self._prompt is not None else self._stdin.readline() or None
            except (EOFError, OSError, ValueError):
                line = None
            loop.call_soon_threadsafe(deliver, line.rstrip("\n") if line is not None else None)

        threading.Thread(target=read, name="console-input", daemon=True).start()
        return await pending

    def interrupt(self) -> None:
        """Ctrl-C: the console ends as at the end of input."""
        if self._pending is not None and not self._pending.done():
            self._pending.set_result(None)


def main(db_path: Path | None) -> None:
    """Entry point of ``python -m bot console``; raises what the CLI turns into exit codes."""
    settings = console_settings(db_path or DEFAULT_DB)
    if sys.stdin.isatty():
        with suppress(ImportError):
            import readline  # noqa: F401  (line editing and history for input())
    asyncio.run(run_console(settings, sys.stdin, sys.stdout))
