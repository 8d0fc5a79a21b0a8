"""How requests arrive and errors leave: PTB's parameter encoding decoded, Telegram's error envelope.

PTB sends form data (url-encoded or multipart) in which every non-string value is JSON-encoded
(see ``telegram/request``); :func:`decode_param` turns a value back into what PTB meant.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

#: Parameters PTB sends as plain strings, never JSON (so ``"123"`` stays a string).
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "question",
        "explanation",
        "description",
        "short_description",
        "name",
        "callback_query_id",
        "url",
        "type",
        "action",
        "language_code",
        "title",
        "data",
        "secret_token",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "inline_message_id",
        "file_id",
        "document",
        "photo",
        "audio",
        "video",
        "animation",
        "voice",
        "video_note",
        "sticker",
        "thumbnail",
        "emoji",
        "custom_title",
        "invite_link",
    }
)


class ApiError(Exception):
    """An error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad(description: str) -> ApiError:
    """A 400 error; ``description`` is given without the ``Bad Request: `` prefix."""
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class Reply:
    """A successful result that comes with a ``description`` too (as setWebhook's does)."""

    result: Any
    description: str | None = None


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return False


def to_int(value: Any, default: int = 0) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        match = re.match(r"\s*[-+]?\d+", value)
        return int(match.group()) if match else 0
    return 0


def decode_param(name: str, raw: str) -> Any:
    if name in STRING_PARAMS or name.endswith("parse_mode"):
        return raw
    if raw.startswith("attach://"):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def as_text(value: Any) -> str:
    """The string Telegram would read for a parameter (PTB sends non-strings as JSON)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value)
