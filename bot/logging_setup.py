"""The bot token redacted from every log record, whatever logs it (httpx logs URLs), and from
whatever else reaches sys.stdout or sys.stderr."""

from __future__ import annotations

import io
import logging
import re
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any, TextIO

REDACTED = "[REDACTED]"
#: Anything shaped like a bot token, even one we were not told about (e.g. in a URL).
_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return _TOKEN_SHAPE.sub(REDACTED, text)


class RedactingStream(io.TextIOBase):
    """A text stream that writes to ``target`` with secrets and token-shaped strings redacted.

    Text is held until its line ends (or a flush), so a token written in pieces, as print() and
    Python's traceback printer do, is still seen whole.
    """

    def __init__(self, target: TextIO, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.target = target
        self.secrets: tuple[str, ...] = tuple(s for s in secrets if s)
        self._pending = ""
        self._lock = threading.Lock()  # logging handlers may write from other threads

    def write(self, text: str) -> int:
        with self._lock:
            done, newline, self._pending = (self._pending + text).rpartition("\n")
            if newline:
                self.target.write(redact(done + newline, self.secrets))
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._pending:
                self.target.write(redact(self._pending, self.secrets))
                self._pending = ""
        self.target.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.target.encoding


def redact_std_streams(*secrets: str) -> None:
    """Put a RedactingStream in front of sys.stdout and sys.stderr, or tell the ones there ``secrets``.

    Covers what never becomes a log record: tracebacks Python prints, warnings, asyncio's last
    words, print() in any library. Writes to file descriptor 2 itself (faulthandler) are not covered.
    """
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if isinstance(stream, RedactingStream):
            stream.secrets += tuple(s for s in secrets if s and s not in stream.secrets)
        elif stream is not None:
            setattr(sys, name, RedactingStream(stream, secrets))


def install_redaction(*secrets: str) -> None:
    """Redact secrets when each record is made, so every handler (files, stderr, test capture)
    only ever sees the redacted text. Idempotent for the same secrets."""
    base: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()
    original = getattr(base, "_studybot_original", base)
    known = tuple(s for s in secrets if s)

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = original(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        record.msg, record.args = redact(message, known), None
        if record.exc_info and record.exc_info[0] is not None:
            text = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = redact(text.rstrip("\n"), known)
            record.exc_info = None
        return record

    factory._studybot_original = original  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def setup_logging(level: str, *secrets: str) -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    install_redaction(*secrets)
    # httpx logs every request URL, and the token is part of Bot API URLs: keep it quiet, and
    # redacted should someone turn it up.
    if level != "DEBUG":
        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
