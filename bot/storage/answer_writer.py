"""Answers recorded by a process of their own, beside the bot's, on SQLite.

Recording an answer is its row and its review card's FSRS step, committed: in the bot's own
process that work and the update handling take turns on one core (Python's GIL lets the event loop
and aiosqlite's thread overlap only inside SQLite's C code), and on a busy group it was two thirds
of the time an answer took (bench/README.md). This child process does it on another core: the bot
sends it each group commit's answers as one batch (pickled, with their ``CardStep``s), the child
runs them in one transaction on its own connection to the same file (WAL: the bot's connection
reads what it commits) and replies with each answer's outcome once the batch is committed. A caller
hears back only then, so an answer is still durable before its update counts as handled.

Everything else the bot writes stays on its own connection; SQLite lets one writer in at a time
and each waits for the other (``busy_timeout``). When the child cannot start or dies, the answers
in flight fail as a store fault ("try again") and the repository records the next ones itself.

The child stops at the end of its input: when the bot closes it, or when the bot's process is gone
(kill -9 included), after the batch it is committing. It ignores SIGINT and SIGTERM, which a terminal
or a service manager sends to the whole process group, so that the bot's graceful stop can still
hand it the last answers.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import pickle
import signal
import sqlite3
import struct
import sys
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

#: Answers in one batch at most (as SqlBase's group commit).
MAX_BATCH = 512
#: Queued answers sent at once, without waiting for the updates being handled with them: the
#: child commits them while this process takes the next ones.
CHUNK = 32
#: Batches sent and not yet answered: the child has the next one waiting in its pipe.
MAX_IN_FLIGHT = 4
#: How long close() waits for the child's last commits, then for it to exit (SIGTERM's 10 s hold both).
CLOSE_TIMEOUT_S = 4.0
_LENGTH = struct.Struct(">I")
#: The folder holding the ``bot`` package, for the child's imports wherever the bot was started.
_ROOT = str(Path(__file__).resolve().parent.parent.parent)

#: What an outcome says of an error: (sqlite3 class name, message, error code, error name).
ErrorInfo = tuple[str, str, int | None, str | None]


def _error_info(error: BaseException) -> ErrorInfo:
    if isinstance(error, sqlite3.Error):
        code, name = getattr(error, "sqlite_errorcode", None), getattr(error, "sqlite_errorname", None)
        return (type(error).__name__, str(error), code, name)
    return ("Error", f"{type(error).__name__}: {error}", None, None)


def _rebuild(info: ErrorInfo) -> sqlite3.Error:
    """The child's error as the sqlite3 exception it was, with its codes (storage/faults.py reads them)."""
    name, message, code, code_name = info
    cls = getattr(sqlite3, name, sqlite3.Error)
    if not (isinstance(cls, type) and issubclass(cls, sqlite3.Error)):
        cls = sqlite3.Error
    error = cls(message)
    if code is not None and code_name is not None:
        error.sqlite_errorcode = code
        error.sqlite_errorname = code_name
    return error


def _writer_stopped(reason: str) -> sqlite3.OperationalError:
    # An I/O error to the callers: a store fault, so the student is asked to try again.
    error = sqlite3.OperationalError(f"the answer writer stopped: {reason}")
    error.sqlite_errorcode = sqlite3.SQLITE_IOERR
    error.sqlite_errorname = "SQLITE_IOERR"
    return error


class AnswerWriter:
    """The bot's side: queues answers, sends them in batches, hands each caller its outcome."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process
        self._pending: list[tuple[Any, asyncio.Future[Any]]] = []
        self._in_flight: collections.deque[list[asyncio.Future[Any]]] = collections.deque()
        self._room = asyncio.Event()
        self._room.set()
        self._sender: asyncio.Task[None] | None = None
        self._reader = asyncio.create_task(self._read())
        #: Why the child is unusable (None while it works).
        self.stopped: str | None = None
        #: Batches sent (tests and the bench read it).
        self.batches = 0

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self._process.pid

    @classmethod
    async def start(cls, path: str) -> AnswerWriter:
        """Start the child on the database at ``path`` (already migrated). Returns at once: the
        child opens the file while the bot goes on starting."""
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")])))
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.storage.answer_writer",
            path,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        return cls(process)

    async def run(self, item: Any) -> Any:
        """Record ``item`` (an answer and its card step, see ``serve_batches``) in the next batch;
        its outcome once that batch is committed."""
        if self.stopped is not None:
            raise _writer_stopped(self.stopped)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if len(self._pending) >= CHUNK and len(self._in_flight) < MAX_IN_FLIGHT:
            # Enough for a batch: the child starts on it while this process handles the next updates.
            self._send_now()
        if self._sender is None:
            self._sender = asyncio.create_task(self._send())
        return await future

    def _send_now(self) -> None:
        """Write the queued answers to the child as one batch."""
        stdin = self._process.stdin
        assert stdin is not None
        batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        batch = [(item, future) for item, future in batch if not future.done()]
        if batch:
            data = pickle.dumps([item for item, _ in batch], pickle.HIGHEST_PROTOCOL)
            self._in_flight.append([future for _, future in batch])
            stdin.write(_LENGTH.pack(len(data)) + data)
            self.batches += 1

    async def _send(self) -> None:
        """What is left once the tasks that queued answers wait: the rest, batch after batch."""
        stdin = self._process.stdin
        assert stdin is not None
        try:
            while self._pending and self.stopped is None:
                while len(self._in_flight) >= MAX_IN_FLIGHT and self.stopped is None:
                    self._room.clear()
                    await self._room.wait()
                if self.stopped is None:
                    self._send_now()
                    await stdin.drain()
        except (ConnectionError, RuntimeError) as exc:  # the child is gone; _read says why
            self._stop(f"its input closed ({exc})")
        finally:
            self._sender = None

    async def _read(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        try:
            while True:
                header = await stdout.readexactly(_LENGTH.size)
                outcomes = pickle.loads(await stdout.readexactly(_LENGTH.unpack(header)[0]))
                futures = self._in_flight.popleft()
                self._room.set()
                for future, (ok, value) in zip(futures, outcomes, strict=True):
                    if future.done():  # its caller was cancelled meanwhile
                        continue
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(_rebuild(value))
        except asyncio.IncompleteReadError:
            code = await self._process.wait()
            self._stop(f"it exited with code {code}")
        except Exception as exc:  # a reply that does not read: nothing more can be trusted
            self._stop(f"{type(exc).__name__}: {exc}")
            self._process.kill()

    def _stop(self, reason: str) -> None:
        if self.stopped is None:  # not closed by close()
            self.stopped = reason
            log.error("the answer writer stopped (%s); answers are recorded in this process from now on", reason)
        while self._in_flight:
            self._fail(self._in_flight.popleft(), reason)
        self._fail([future for _, future in self._pending], reason)
        self._pending = []
        self._room.set()

    @staticmethod
    def _fail(futures: list[asyncio.Future[Any]], reason: str) -> None:
        for future in futures:
            if not future.done():
                future.set_exception(_writer_stopped(reason))

    async def close(self) -> None:
        """Wait for the answers queued so far (at most CLOSE_TIMEOUT_S), then let the child finish and exit."""
        try:
            await asyncio.wait_for(self._drain(), CLOSE_TIMEOUT_S)
        except TimeoutError:
            log.error("the answer writer did not commit its last answers within %d s", CLOSE_TIMEOUT_S)
        self.stopped = self.stopped or "closed"
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            await asyncio.wait_for(self._process.wait(), CLOSE_TIMEOUT_S)
        except TimeoutError:
            self._process.kill()
            await self._process.wait()
        await self._reader
        self._stop("closed")  # whatever is left waiting hears so (nothing, unless the child hung)

    async def _drain(self) -> None:
        while self._sender is not None and self.stopped is None:
            await asyncio.shield(self._sender)
        while self._in_flight and self.stopped is None:
            self._room.clear()
            await self._room.wait()


# ----------------------------------------------------------------------------------- the child


def _read_frame(stream: IO[bytes]) -> bytes | None:
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        return None
    return data


def serve_batches(path: str, stdin: IO[bytes], stdout: IO[bytes]) -> int:
    """The child: each batch of (AnswerRecord, Reschedule) read from ``stdin`` is recorded in one
    transaction, and its outcomes (the answer's chat, None for a repeat or an unknown poll, or an
    error) are written back once it is committed."""
    from bot.storage.sqlite import connect_sync, record_answers

    conn = connect_sync(path)
    try:
        while (data := _read_frame(stdin)) is not None:
            items = pickle.loads(data)
            try:
                outcomes = record_answers(conn, items)
            except Exception as exc:  # nothing of this batch is stored (BEGIN or COMMIT failed)
                outcomes = [(False, exc)] * len(items)
            replies = [(ok, value if ok else _error_info(value)) for ok, value in outcomes]
            reply = pickle.dumps(replies, pickle.HIGHEST_PROTOCOL)
            stdout.write(_LENGTH.pack(len(reply)) + reply)
            stdout.flush()
    finally:
        conn.close()
    return 0


def main() -> int:
    """``python -m bot.storage.answer_writer PATH``, started by AnswerWriter.start."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        return serve_batches(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)
    except sqlite3.Error as exc:  # the database cannot be opened: the bot records answers itself
        print(f"answer writer: cannot use {sys.argv[1]}: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the bot is gone
        return 0


if __name__ == "__main__":
    sys.exit(main())
