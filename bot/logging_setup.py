"""Logging with the bot token redacted from every record, whatever logs it (httpx logs URLs)."""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import Callable
from typing import Any

REDACTED = "[REDACTED]"
#: Anything shaped like a bot token, even one we were not told about (e.g. in a URL).
_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return _TOKEN_SHAPE.sub(REDACTED, text)


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
