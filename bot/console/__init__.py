"""``python -m bot console``: a private chat with the bot in the terminal, no token and no network.

The real Application, handlers, services, content bank and store run against the Bot API
emulator (:mod:`bot.emulator`) inside the process, behind PTB's ``BaseRequest``
(:class:`bot.emulator.inprocess.EmulatorRequest`): no port is opened and nothing reaches
Telegram. The console has its own database, so trying it never touches a deployment's data.

``screen`` draws what the bot sends; ``session`` turns the user's lines into updates.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from contextlib import suppress
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


def console_settings(db_path: Path) -> Settings:
    """The operator's settings (CONTENT_DIR, TIMEZONE … from the environment or .env), with the
    emulator's token and the console's own database."""
    return load_settings(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=EMULATOR_BASE_URL,
        DATABASE_PATH=str(db_path),
    )


async def run_console(settings: Settings, stdin: TextIO, out: TextIO) -> None:
    """Read lines until ``:quit`` or end of input, printing the chat as it goes."""
    interactive = stdin.isatty()
    ansi = out.isatty()
    emulator = FakeBotAPI(token=TOKEN, bot_username=BOT_USERNAME).attach()
    emulator.add_private_chat(USER_ID, USER_NAME, username=USER_NAME.lower())
    clock = ManualClock(SystemClock().now())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    started: asyncio.Future[StudyApplication] = loop.create_future()
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
        task.result()  # raises what stopped the bot (an invalid bank, say)
        return
    try:
        console = Console(
            emulator,
            started.result(),
            clock,
            out,
            ansi=ansi,
            media_dir=settings.database_path.parent / "console-media",
            wall=SystemClock().now if interactive else None,
        )
        out.write(t("console.banner", db=settings.database_path) + "\n\n")
        reader = LineReader(stdin, prompt=f"{USER_NAME} › " if interactive else None)
        with suppress(NotImplementedError):  # Ctrl-C ends the console like :quit
            loop.add_signal_handler(signal.SIGINT, reader.interrupt)
        while (line := await reader.next()) is not None:
            if not interactive:
                console.echo(line)
            if not await console.handle(line):
                break
        out.write(t("console.bye", db=settings.database_path) + "\n")
        out.flush()
    finally:
        with suppress(NotImplementedError):
            loop.remove_signal_handler(signal.SIGINT)
        emulator.detach()  # the pending long poll returns at once
        stop.set()
        await task


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
    asyncio.run(run_console(settings, sys.stdin, sys.stdout))
