"""A local fake of the Telegram Bot API for tests.

:class:`FakeBotAPI` runs an aiohttp server on ``127.0.0.1`` (random free port) in a background
thread with its own event loop, so it serves in-process async tests (a real PTB ``Application``
doing long polling) as well as a ``python -m bot`` subprocess pointed at it through PTB's
``base_url``.  Requests arrive at ``{base_url}{token}/{method}``.

It answers like Telegram does: real Telegram JSON objects inside the ``{"ok": true, "result": ...}``
envelope, and errors as ``{"ok": false, "error_code": 400, "description": "Bad Request: ..."}``
with the descriptions Telegram's Bot API server (tdlib/telegram-bot-api) and TDLib produce.
Where a check is made by Telegram's MTProto servers (whose code is not public) the description
is the documented MTProto error name (``BUTTON_DATA_INVALID`` ...) or, where even that is
unknown, a clearly marked best guess (see ``UNCONFIRMED_DESCRIPTIONS``).

Request parameters are decoded the way PTB encodes them (see ``telegram/request``): form data,
url-encoded or multipart, where every non-string value is JSON-encoded.  ``requests`` /
``calls()`` show them decoded back to Python values.

All state is guarded by one lock; helpers that create incoming updates (``send_text``,
``press_button`` ...) may be called from any thread.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import itertools
import json
import re
import socket
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

__all__ = [
    "GROUP_ANONYMOUS_BOT_ID",
    "UNCONFIRMED_DESCRIPTIONS",
    "Call",
    "FakeBotAPI",
    "UploadedFile",
]

#: User id of Telegram's ``@GroupAnonymousBot``: the ``from`` of messages sent by anonymous admins.
GROUP_ANONYMOUS_BOT_ID = 1087968824

#: Update types delivered when ``allowed_updates`` was never given (or given as ``[]``).
DEFAULT_ALLOWED_UPDATES: frozenset[str] = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "purchased_paid_media",
        "managed_bot",
        "guest_message",
    }
)
ALL_UPDATE_TYPES: frozenset[str] = DEFAULT_ALLOWED_UPDATES | {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}

# Descriptions for checks made on Telegram's (closed-source) servers whose exact wording could not
# be confirmed from tdlib/td or tdlib/telegram-bot-api.
ERR_EXPLANATION_TOO_LONG = "Bad Request: quiz explanation must have at most 200 characters"
ERR_EXPLANATION_LINE_FEEDS = "Bad Request: quiz explanation must have at most 2 line feeds"
ERR_OPEN_PERIOD = "Bad Request: open_period must be from 5 to 2628000 seconds"
#: The descriptions above, whose wording is a best guess rather than Telegram's confirmed text.
UNCONFIRMED_DESCRIPTIONS: tuple[str, ...] = (
    ERR_EXPLANATION_TOO_LONG,
    ERR_EXPLANATION_LINE_FEEDS,
    ERR_OPEN_PERIOD,
)

_MESSAGE_TEXT_MAX = 4096
_CAPTION_MAX = 1024
_POLL_QUESTION_MAX = 300
_POLL_OPTION_MAX = 100
_POLL_OPTIONS_MAX = 12  # Bot API 10.0: 1-12 options
_EXPLANATION_MAX = 200
_EXPLANATION_LINE_FEEDS_MAX = 2
_OPEN_PERIOD_MIN = 5
_OPEN_PERIOD_MAX = 2628000
_CALLBACK_DATA_MAX_BYTES = 64
_LONG_POLL_MAX_TIMEOUT = 50
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_FLOOD_EXEMPT = frozenset({"sendChatAction"})

_STRING_PARAMS = frozenset(
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


# --------------------------------------------------------------------------------------------
# Public value types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """A file uploaded with ``multipart/form-data`` (e.g. the ``document`` of ``sendDocument``)."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class Call:
    """One request received by the fake.

    ``params`` are decoded back to Python values (JSON-decoded where PTB JSON-encoded them;
    uploaded files as :class:`UploadedFile`).  ``status`` is the HTTP status answered,
    ``description`` the error description (``None`` on success) and ``result`` the ``result``
    answered on success.  Calls are recorded in arrival order; a ``getUpdates`` long poll is
    recorded when it arrives (``status`` 200, ``result`` ``None``) and completed when answered.
    """

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    description: str | None = None
    result: Any = None

    @property
    def ok(self) -> bool:
        """Whether the call was answered with ``"ok": true``."""
        return self.status == 200


# --------------------------------------------------------------------------------------------
# Internal helpers
# --------------------------------------------------------------------------------------------


class _ApiError(Exception):
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


def _bad(description: str) -> _ApiError:
    """A 400 error; ``description`` is given without the ``Bad Request: `` prefix."""
    return _ApiError(400, f"Bad Request: {description}")


@dataclass
class _Reply:
    result: Any
    description: str | None = None


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return False


def _to_int(value: Any, default: int = 0) -> int:
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


def _decode_param(name: str, raw: str) -> Any:
    if name in _STRING_PARAMS or name.endswith("parse_mode"):
        return raw
    if raw.startswith("attach://"):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _as_text(value: Any) -> str:
    """The string Telegram would read for a parameter (PTB sends non-strings as JSON)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value)


# ---------------------------------------------------------------------------- HTML parse mode
# A port of TDLib's parse_html (td/telegram/MessageEntity.cpp), including its error messages.

_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_TD_SPACES = " \t\r\n\0\v"


class _ParseError(Exception):
    pass


def _decode_html_entity(text: str, pos: int) -> tuple[int, int]:
    """Returns (code point, new position) or (0, pos) when there is no supported entity."""
    n = len(text)

    def at(i: int) -> str:
        return text[i] if i < n else "\0"

    end = pos + 1
    res = 0
    if at(pos + 1) == "#":
        end += 1
        if at(pos + 2) == "x":
            end += 1
            while at(end) in "0123456789abcdefABCDEF" and at(end) != "\0":
                res = res * 16 + int(text[end], 16)
                end += 1
        else:
            while at(end).isascii() and at(end).isdigit():
                res = res * 10 + int(text[end])
                end += 1
        if res == 0 or res >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while at(end).isascii() and at(end).isalpha():
            end += 1
        name = text[pos + 1 : end]
        res = {"lt": 60, "gt": 62, "amp": 38, "quot": 34}.get(name, 0)
        if res == 0:
            return 0, pos
    if at(end) == ";":
        end += 1
    return res, end


def _parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    n = len(text)

    def at(i: int) -> str:
        return text[i] if i < n else "\0"

    def byte_offset(i: int) -> int:
        return len(text[:i].encode("utf-8"))

    out: list[str] = []
    utf16 = 0
    nested: list[tuple[str, str, int]] = []  # (tag name, argument, utf16 offset)
    entities: list[dict[str, Any]] = []
    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            code, new_i = _decode_html_entity(text, i)
            if code:
                out.append(chr(code))
                utf16 += 2 if code > 0xFFFF else 1
                i = new_i
                continue
        if c != "<":
            out.append(c)
            utf16 += 2 if ord(c) > 0xFFFF else 1
            i += 1
            continue
        begin = i
        i += 1
        if at(i) != "/":
            while at(i) not in _TD_SPACES and at(i) != ">":
                i += 1
            if i >= n:
                raise _ParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            tag = text[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise _ParseError(f'Unsupported start tag "{tag}" at byte offset {byte_offset(begin)}')
            argument = ""
            while at(i) != ">":
                while i < n and at(i) in _TD_SPACES:
                    i += 1
                if at(i) == ">":
                    break
                attr_begin = i
                while at(i) not in _TD_SPACES and at(i) not in "=>/\"'":
                    i += 1
                attr_name = text[attr_begin:i]
                if not attr_name:
                    raise _ParseError(f'Empty attribute name in the tag "{tag}" at byte offset {byte_offset(begin)}')
                while i < n and at(i) in _TD_SPACES:
                    i += 1
                if at(i) != "=":
                    if i >= n:
                        raise _ParseError(f'Unclosed start tag "{tag}" at byte offset {byte_offset(begin)}')
                    if tag == "blockquote" and attr_name == "expandable":
                        argument = "1"
                    continue
                i += 1
                while i < n and at(i) in _TD_SPACES:
                    i += 1
                if i >= n:
                    raise _ParseError(f'Unclosed start tag "{tag}" at byte offset {byte_offset(begin)}')
                if at(i) not in "'\"":
                    token_begin = i
                    while (at(i).isascii() and at(i).isalnum()) or at(i) in ".-":
                        i += 1
                    value = text[token_begin:i].lower()
                    if at(i) not in _TD_SPACES and at(i) != ">":
                        raise _ParseError(f"Unexpected end of name token at byte offset {byte_offset(token_begin)}")
                else:
                    quote = text[i]
                    i += 1
                    chars: list[str] = []
                    while i < n and text[i] != quote:
                        if text[i] == "&":
                            code, new_i = _decode_html_entity(text, i)
                            if code:
                                chars.append(chr(code))
                                i = new_i
                                continue
                        chars.append(text[i])
                        i += 1
                    if i < n and text[i] == quote:
                        i += 1
                    value = "".join(chars)
                if i >= n:
                    raise _ParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
                if (
                    (tag == "a" and attr_name == "href")
                    or (tag == "tg-emoji" and attr_name == "emoji-id")
                    or (tag == "tg-time" and attr_name == "format")
                ):
                    argument = value
                elif tag == "code" and attr_name == "class" and value.startswith("language-"):
                    argument = value[9:]
                elif tag == "span" and attr_name == "class" and value.startswith("tg-"):
                    argument = value[3:]
                elif tag == "blockquote" and attr_name == "expandable":
                    argument = "1"
            if tag == "span" and argument != "spoiler":
                raise _ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}')
            nested.append((tag, argument, utf16))
            i += 1  # skip '>'
            continue
        # an end tag
        if not nested:
            raise _ParseError(f"Unexpected end tag at byte offset {byte_offset(begin)}")
        while at(i) not in _TD_SPACES and at(i) != ">":
            i += 1
        end_tag = text[begin + 2 : i].lower()
        while i < n and at(i) in _TD_SPACES:
            i += 1
        if at(i) != ">":
            raise _ParseError(f"Unclosed end tag at byte offset {byte_offset(begin)}")
        tag, argument, offset = nested[-1]
        if end_tag and end_tag != tag:
            raise _ParseError(
                f'Unmatched end tag at byte offset {byte_offset(begin)}, expected "</{tag}>", found "</{end_tag}>"'
            )
        if utf16 > offset:
            _add_html_entity(entities, tag, argument, offset, utf16 - offset, "".join(out), utf16)
        nested.pop()
        i += 1  # skip '>'
    if nested:
        raise _ParseError(f'Can\'t find end tag corresponding to start tag "{nested[-1][0]}"')
    return "".join(out), entities


def _add_html_entity(
    entities: list[dict[str, Any]],
    tag: str,
    argument: str,
    offset: int,
    length: int,
    plain_so_far: str,
    utf16_end: int,
) -> None:
    simple = {
        "i": "italic",
        "em": "italic",
        "b": "bold",
        "strong": "bold",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "u": "underline",
        "ins": "underline",
        "tg-spoiler": "spoiler",
        "span": "spoiler",
    }
    if tag in simple:
        entities.append({"offset": offset, "length": length, "type": simple[tag]})
    elif tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise _ParseError("Invalid custom emoji identifier specified")
        entities.append({"offset": offset, "length": length, "type": "custom_emoji", "custom_emoji_id": argument})
    elif tag == "tg-time":
        pass  # date_time entities are not modelled
    elif tag == "a":
        url = argument
        if not url:
            encoded = plain_so_far.encode("utf-16-le")
            url = encoded[offset * 2 : utf16_end * 2].decode("utf-16-le", errors="replace")
        url = url.strip()
        match = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if match:
            entities.append(
                {
                    "offset": offset,
                    "length": length,
                    "type": "text_mention",
                    "user": {"id": int(match.group(1)), "is_bot": False, "first_name": ""},
                }
            )
        elif url and not any(ch.isspace() for ch in url):
            if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url):
                url = "http://" + url
            entities.append({"offset": offset, "length": length, "type": "text_link", "url": url})
    elif tag == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "code"
            and last["offset"] == offset
            and last["length"] == length
            and last.get("language")
        ):
            last["type"] = "pre"
        else:
            entities.append({"offset": offset, "length": length, "type": "pre"})
    elif tag == "code":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "pre"
            and last["offset"] == offset
            and last["length"] == length
            and argument
        ):
            last["language"] = argument
        else:
            entity: dict[str, Any] = {"offset": offset, "length": length, "type": "code"}
            if argument:
                entity["language"] = argument
            entities.append(entity)
    elif tag == "blockquote":
        kind = "expandable_blockquote" if argument else "blockquote"
        entities.append({"offset": offset, "length": length, "type": kind})


# ------------------------------------------------------------------ automatic entity detection

_AUTO_ENTITY_RES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bot_command", re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])")),
    ("url", re.compile(r"(?<![\w@])https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'}]")),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{3,32}(?![\w@])")),
    ("hashtag", re.compile(r"(?<![\w#&])#\w*[^\W\d]\w*")),
)
_NO_AUTO_INSIDE = frozenset({"code", "pre", "text_link", "text_mention"})


def _finish_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trims the text like TDLib does, adds automatically detected entities and sorts them."""
    left = len(text) - len(text.lstrip())
    stripped = text.strip()
    if left or len(stripped) != len(text):
        shift = _utf16_len(text[:left])
        total = _utf16_len(stripped)
        fixed = []
        for entity in entities:
            start = max(entity["offset"] - shift, 0)
            end = min(entity["offset"] - shift + entity["length"], total)
            if end > start:
                fixed.append({**entity, "offset": start, "length": end - start})
        entities = fixed
    text = stripped
    if text and ("/" in text or "@" in text or "#" in text or "://" in text):
        blocked = [(e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] in _NO_AUTO_INSIDE]
        for kind, pattern in _AUTO_ENTITY_RES:
            for match in pattern.finditer(text):
                start = _utf16_len(text[: match.start()])
                length = _utf16_len(match.group())
                if any(start < b_end and b_start < start + length for b_start, b_end in blocked):
                    continue
                entities.append({"offset": start, "length": length, "type": kind})
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return text, entities


# ------------------------------------------------------------------------------- image sizes


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG/JPEG/GIF/WebP/BMP image; ``None`` if ``data`` is no image."""
    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            width, height = struct.unpack(">II", data[16:24])
            return width, height
        if data[:6] in (b"GIF87a", b"GIF89a"):
            width, height = struct.unpack("<HH", data[6:10])
            return width, height
        if data[:2] == b"BM":
            width, height = struct.unpack("<ii", data[18:26])
            return abs(width), abs(height)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            chunk = data[12:16]
            if chunk == b"VP8X":
                width = int.from_bytes(data[24:27], "little") + 1
                height = int.from_bytes(data[27:30], "little") + 1
                return width, height
            if chunk == b"VP8L":
                bits = int.from_bytes(data[21:25], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
            width, height = struct.unpack("<HH", data[26:30])
            return width & 0x3FFF, height & 0x3FFF
        if data[:2] == b"\xff\xd8":
            i = 2
            while i + 9 < len(data):
                if data[i] != 0xFF:
                    i += 1
                    continue
                marker = data[i + 1]
                if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                    height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                    return width, height
                (segment_length,) = struct.unpack(">H", data[i + 2 : i + 4])
                i += 2 + segment_length
            return 512, 512
    except struct.error:
        return 512, 512
    return None


# ------------------------------------------------------------------------------ chat records


@dataclass
class _Chat:
    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    username: str | None = None
    user_id: int | None = None  # for private chats
    bot_status: str = "member"  # member | administrator | left | kicked
    blocked: bool = False  # private chats: the user blocked the bot
    creator_id: int | None = None
    members: dict[int, str] = field(default_factory=dict)  # user id -> chat member status
    next_message_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    deleted: dict[int, dict[str, Any]] = field(default_factory=dict)
    own: set[int] = field(default_factory=set)  # ids of messages the bot sent
    json: dict[str, Any] = field(default_factory=dict)
    chat_instance: str = ""
    migrated_to: int | None = None  # basic groups upgraded to a supergroup: its id


@dataclass
class _Poll:
    id: str
    chat_id: int
    message_id: int
    question: str
    question_entities: list[dict[str, Any]]
    options: list[str]
    option_entities: list[list[dict[str, Any]]]
    is_anonymous: bool
    type: str
    allows_multiple_answers: bool
    allows_revoting: bool
    correct_option_ids: list[int]
    explanation: str | None
    explanation_entities: list[dict[str, Any]]
    description: str | None
    description_entities: list[dict[str, Any]]
    open_period: int
    close_date: int
    is_closed: bool
    counts: list[int] = field(default_factory=list)
    voters: dict[int, list[int]] = field(default_factory=dict)
    anonymous_voters: int = 0

    def to_json(self, legacy_correct_option_id: bool) -> dict[str, Any]:
        poll: dict[str, Any] = {"id": self.id, "question": self.question}
        if self.question_entities:
            poll["question_entities"] = copy.deepcopy(self.question_entities)
        options = []
        for index, text in enumerate(self.options):
            option: dict[str, Any] = {"persistent_id": str(index), "text": text}
            if self.option_entities[index]:
                option["text_entities"] = copy.deepcopy(self.option_entities[index])
            option["voter_count"] = self.counts[index]
            options.append(option)
        poll["options"] = options
        poll["total_voter_count"] = self.anonymous_voters + sum(1 for ids in self.voters.values() if ids)
        if self.open_period and self.close_date:
            poll["open_period"] = self.open_period
            poll["close_date"] = self.close_date
        poll["is_closed"] = self.is_closed
        poll["is_anonymous"] = self.is_anonymous
        poll["allows_multiple_answers"] = self.allows_multiple_answers
        poll["allows_revoting"] = self.allows_revoting
        poll["members_only"] = False
        poll["type"] = self.type
        if self.type == "quiz":
            if len(self.correct_option_ids) == 1 and legacy_correct_option_id:
                poll["correct_option_id"] = self.correct_option_ids[0]
            poll["correct_option_ids"] = list(self.correct_option_ids)
            if self.explanation:
                poll["explanation"] = self.explanation
                poll["explanation_entities"] = copy.deepcopy(self.explanation_entities)
        if self.description:
            poll["description"] = self.description
            if self.description_entities:
                poll["description_entities"] = copy.deepcopy(self.description_entities)
        return poll


@dataclass
class _Fault:
    method: str  # lower-case method name or "*"
    chat_id: int | str | None
    error_code: int
    description: str
    retry_after: int | None
    remaining: int


_ADMIN_RIGHTS_ORDER = (
    "can_manage_chat",
    "can_change_info",
    "can_post_messages",
    "can_edit_messages",
    "can_delete_messages",
    "can_invite_users",
    "can_restrict_members",
    "can_pin_messages",
    "can_manage_topics",
    "can_promote_members",
    "can_manage_video_chats",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_manage_direct_messages",
    "can_manage_tags",
    "is_anonymous",
)


def _admin_rights(chat_type: str, *, full: bool) -> dict[str, bool]:
    """Administrator rights as the Bot API lists them for ``chat_type`` (json_store_administrator_rights).

    ``full`` gives every right (a human admin); otherwise a bot's usual set.
    """
    bot_rights = {
        "can_manage_chat": True,
        "can_post_messages": True,
        "can_edit_messages": True,
        "can_delete_messages": True,
        "can_invite_users": True,
        "can_restrict_members": True,
        "can_pin_messages": True,
    }
    rights: dict[str, bool] = {}
    for name in _ADMIN_RIGHTS_ORDER:
        if name in ("can_post_messages", "can_edit_messages", "can_manage_direct_messages") and chat_type != "channel":
            continue
        if name in ("can_pin_messages", "can_manage_tags") and chat_type not in ("group", "supergroup"):
            continue
        if name == "can_manage_topics" and chat_type != "supergroup":
            continue
        if name == "is_anonymous":
            rights[name] = False
        else:
            rights[name] = True if full else bot_rights.get(name, False)
    return rights


_METHODS: dict[str, str] = {}  # lower-case name -> canonical name, filled by _api_method


def _api_method(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        _METHODS[name.lower()] = name
        func._api_name = name  # type: ignore[attr-defined]
        return func

    return decorate


# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------


class FakeBotAPI:
    """A fake Telegram Bot API server for tests (see the module docstring).

    Use as a context manager or with :meth:`start` / :meth:`stop`::

        with FakeBotAPI() as fake:
            fake.add_private_chat(42, "Asha")
            bot = telegram.Bot(fake.token, base_url=fake.base_url)

    Args:
        token: The bot token; requests with another token are answered ``401 Unauthorized``.
            The part before ``:`` is the bot's user id.
        bot_username: The bot's username (``getMe``).
        flood_limit_per_s: If set, a message-sending call (``send*`` except ``sendChatAction``)
            that would make more than this many accepted within any 1-second window is answered
            ``429 Too Many Requests: retry after 1``.
        record_requests: Keep every request in :attr:`requests` (turn off for huge benchmarks:
            :attr:`counts` is always kept; each chat then keeps only its last 10,000 messages).
        legacy_correct_option_id: Include the deprecated ``correct_option_id`` in quiz polls with
            one correct option, as Telegram's Bot API 10.0 still does (PTB 22.8 warns with a
            ``PTBDeprecationWarning`` when it reads it).
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "studybot_test_bot",
        *,
        flood_limit_per_s: float | None = None,
        record_requests: bool = True,
        legacy_correct_option_id: bool = True,
    ) -> None:
        bot_id_text = token.split(":", 1)[0]
        if not bot_id_text.isdigit():
            raise ValueError("token must look like '<bot id>:<secret>'")
        self.token: str = token
        self.bot_username: str = bot_username
        self.flood_limit_per_s: float | None = flood_limit_per_s
        self.record_requests: bool = record_requests
        self.legacy_correct_option_id: bool = legacy_correct_option_id
        self.bot_user: dict[str, Any] = {
            "id": int(bot_id_text),
            "is_bot": True,
            "first_name": "StudyBot",
            "username": bot_username,
        }

        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = False
        self._poll_event: asyncio.Event | None = None

        self._handlers: dict[str, Callable[..., Any]] = {}
        for attr in dir(type(self)):
            func = getattr(type(self), attr)
            name = getattr(func, "_api_name", None)
            if name:
                self._handlers[name] = getattr(self, attr)

        self._reset_state()

    # ------------------------------------------------------------------------ state

    def _reset_state(self) -> None:
        self._users: dict[int, dict[str, Any]] = {self.bot_user["id"]: dict(self.bot_user)}
        self._chats: dict[int, _Chat] = {}
        self._usernames: dict[str, int] = {}
        self._updates: collections.deque[tuple[int, str, dict[str, Any]]] = collections.deque()
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._last_allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._waiting_pollers = 0
        self._webhook: dict[str, Any] | None = None
        self._commands: dict[str, list[dict[str, str]]] = {}
        self._my_texts: dict[str, str] = {}
        self._polls: dict[str, _Poll] = {}
        self._poll_ids = itertools.count(5_368_000_000_000_000_001)
        self._callback_ids = itertools.count(4_391_000_000_000_000_001)
        self._open_callback_queries: dict[str, dict[str, Any]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self._files: dict[str, tuple[UploadedFile, str]] = {}  # file_id -> (file, file_path)
        self._file_counter = itertools.count(1)
        # Supergroup ids are -100 followed by the channel id; these look like recent ones.
        self._supergroup_ids = itertools.count(3_500_000_001)
        self._faults: list[_Fault] = []
        self._flood_window: collections.deque[float] = collections.deque()
        self._requests: list[Call] = []
        self._by_method: dict[str, list[Call]] = collections.defaultdict(list)
        self._counts: collections.Counter[str] = collections.Counter()
        self.http_429: int = 0

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

    @property
    def base_file_url(self) -> str:
        """PTB's ``base_file_url`` for downloading files returned by ``getFile``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def start(self) -> FakeBotAPI:
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

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def _serve(self, sock: socket.socket) -> None:
        self._poll_event = asyncio.Event()
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
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
            params[key] = _decode_param(key, value)
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
                    params[part.name] = _decode_param(part.name, await part.text())
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
                    raise _bad("can't parse JSON encoded request") from exc
                if isinstance(data, dict):
                    for key, value in data.items():
                        params[key] = _decode_param(key, value) if isinstance(value, str) else value
        else:
            body = await request.read()
            if body:
                for key, value in urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
                    params[key] = _decode_param(key, value)
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
        method = request.match_info["method"]
        if token != self.token:
            return self._response(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        try:
            params = await self._read_params(request)
        except _ApiError as exc:
            return self._response(exc.code, exc.payload())
        name = _METHODS.get(method.lower())
        if name is None:
            error = _ApiError(404, "Not Found")
            with self._lock:
                self._record(method, params, at, error.code, error.description, None)
            return self._response(404, error.payload())
        handler = self._handlers[name]
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
            except _ApiError as exc:
                payload, status = exc.payload(), exc.code
            with self._lock:
                if call is not None:
                    call.status, call.result = status, payload.get("result")
                    call.description = payload.get("description")
                if status == 429:
                    self.http_429 += 1
                self._cond.notify_all()
                return self._response(status, payload)
        with self._lock:
            try:
                self._check_faults(name, params)
                self._check_flood(name)
                result = handler(params)
                if isinstance(result, _Reply):
                    payload = {"ok": True, "result": result.result}
                    if result.description:
                        payload["description"] = result.description
                else:
                    payload = {"ok": True, "result": result}
                status = 200
            except _ApiError as exc:
                payload, status = exc.payload(), exc.code
            self._record(name, params, at, status, payload.get("description"), payload.get("result"))
            return self._response(status, payload)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._response(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        path = request.match_info["path"]
        with self._lock:
            for uploaded, file_path in self._files.values():
                if file_path == path:
                    return web.Response(body=uploaded.content, content_type=uploaded.content_type)
        return self._response(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def _record(
        self, method: str, params: dict[str, Any], at: float, status: int, description: str | None, result: Any
    ) -> Call | None:
        """Must hold the lock."""
        self._counts[method] += 1
        if status == 429:
            self.http_429 += 1
        call = None
        if self.record_requests:
            call = Call(method, params, at, status, description if status != 200 else None, result)
            self._requests.append(call)
            self._by_method[method].append(call)
        self._cond.notify_all()
        return call

    def _check_faults(self, method: str, params: dict[str, Any]) -> None:
        if not self._faults:
            return
        chat_id = params.get("chat_id")
        for fault in self._faults:
            if fault.method not in ("*", method.lower()):
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            parameters = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
            raise _ApiError(fault.error_code, fault.description, parameters)

    def _check_flood(self, method: str) -> None:
        limit = self.flood_limit_per_s
        if limit is None or not method.startswith("send") or method in _FLOOD_EXEMPT:
            return
        now = time.monotonic()
        window = self._flood_window
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= limit:
            raise _ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
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
                raise _ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            offset = _to_int(params.get("offset"), 0)
            limit = min(max(_to_int(params.get("limit"), 100), 1), 100)
            timeout = min(max(_to_int(params.get("timeout"), 0), 0), _LONG_POLL_MAX_TIMEOUT)
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
                    raise _ApiError(
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
        self._allowed_updates = chosen or DEFAULT_ALLOWED_UPDATES

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
        allowed = self._allowed_updates
        if any(kind not in allowed for _, kind, _ in self._updates):
            # Telegram never queues updates of types the bot did not ask for.
            self._updates = collections.deque(item for item in self._updates if item[1] in allowed)
            self._cond.notify_all()
        return [update for _, _, update in itertools.islice(self._updates, limit)]

    def _enqueue(self, kind: str, body: Any) -> dict[str, Any]:
        """Must hold the lock."""
        update = {"update_id": self._next_update_id, kind: body}
        self._next_update_id += 1
        self._updates.append((update["update_id"], kind, update))
        self._notify_loop()
        return update

    # ------------------------------------------------------------- users and chats

    def _register_user(
        self,
        user_id: int,
        first_name: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        user = self._users.get(user_id)
        if user is not None and first_name is None:
            return user
        user = {"id": user_id, "is_bot": False, "first_name": first_name or f"User{user_id}"}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def add_user(
        self,
        user_id: int,
        first_name: str,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """Registers (or replaces) a user, so that updates carry a real ``from``; returns its User JSON."""
        with self._lock:
            return copy.deepcopy(self._register_user(user_id, first_name, username, last_name, language_code))

    def _add_chat(self, chat: _Chat) -> _Chat:
        if chat.type == "private":
            user = self._users[chat.user_id or chat.id]
            chat.json = {"id": chat.id, "first_name": user["first_name"]}
            if "last_name" in user:
                chat.json["last_name"] = user["last_name"]
            if "username" in user:
                chat.json["username"] = user["username"]
            chat.json["type"] = "private"
        else:
            chat.json = {"id": chat.id, "title": chat.title}
            if chat.username:
                chat.json["username"] = chat.username
                self._usernames[chat.username.lower()] = chat.id
            chat.json["type"] = chat.type
            if chat.type == "group":
                chat.json["all_members_are_administrators"] = False
        chat.chat_instance = str(-(abs(chat.id) * 7919 + 1_234_567_891_011) % (1 << 62))
        self._chats[chat.id] = chat
        return chat

    def add_private_chat(
        self,
        user_id: int,
        first_name: str,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str = "en",
    ) -> dict[str, Any]:
        """Adds a user who has started the bot; their private chat has ``chat_id == user_id``.

        Returns the Chat JSON.
        """
        with self._lock:
            self._register_user(user_id, first_name, username, last_name, language_code)
            chat = self._add_chat(_Chat(id=user_id, type="private", user_id=user_id))
            return copy.deepcopy(chat.json)

    def add_group(
        self,
        chat_id: int,
        title: str,
        admins: Iterable[int] = (),
        kind: str = "supergroup",
        members: Mapping[int, str] | None = None,
        *,
        creator_id: int | None = None,
        bot_is_admin: bool = False,
        username: str | None = None,
    ) -> dict[str, Any]:
        """Adds a group (``kind="group"``) or supergroup the bot is a member of; returns the Chat JSON.

        ``members`` maps user ids to first names (users are registered).  ``admins`` are user ids
        of administrators; the creator is ``creator_id`` or, if not given, the first of ``admins``.
        ``bot_is_admin`` makes the bot an administrator.
        """
        if kind not in ("group", "supergroup"):
            raise ValueError("kind must be 'group' or 'supergroup'")
        admins = list(admins)
        with self._lock:
            chat = _Chat(
                id=chat_id,
                type=kind,
                title=title,
                username=username,
                bot_status="administrator" if bot_is_admin else "member",
            )
            for user_id, first_name in (members or {}).items():
                if user_id not in self._users or self._users[user_id]["first_name"] != first_name:
                    self._register_user(user_id, first_name)
                chat.members[user_id] = "member"
            creator = creator_id if creator_id is not None else (admins[0] if admins else None)
            for user_id in admins:
                self._register_user(user_id)
                chat.members[user_id] = "administrator"
            if creator is not None:
                self._register_user(creator)
                chat.members[creator] = "creator"
                chat.creator_id = creator
            return copy.deepcopy(self._add_chat(chat).json)

    def add_channel(
        self,
        chat_id: int,
        title: str,
        username: str | None,
        *,
        bot_is_admin: bool = True,
        admins: Iterable[int] = (),
    ) -> dict[str, Any]:
        """Adds a channel (reachable as ``@username`` too); the bot is an administrator unless
        ``bot_is_admin=False``.  Returns the Chat JSON."""
        with self._lock:
            chat = _Chat(
                id=chat_id,
                type="channel",
                title=title,
                username=username.lstrip("@") if username else None,
                bot_status="administrator" if bot_is_admin else "member",
            )
            admins = list(admins)
            for user_id in admins:
                self._register_user(user_id)
                chat.members[user_id] = "administrator"
            if admins:
                chat.members[admins[0]] = "creator"
                chat.creator_id = admins[0]
            return copy.deepcopy(self._add_chat(chat).json)

    def block(self, chat_id: int) -> None:
        """The user blocks the bot (private chat) or the bot is kicked (group/channel), silently."""
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            if chat.type == "private":
                chat.blocked = True
            else:
                chat.bot_status = "kicked"

    def unblock(self, chat_id: int) -> None:
        """Undoes :meth:`block` (the bot becomes a plain member of a group again)."""
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            if chat.type == "private":
                chat.blocked = False
            elif chat.bot_status in ("kicked", "left"):
                chat.bot_status = "administrator" if chat.type == "channel" else "member"

    def migrate_group(
        self,
        chat_id: int,
        *,
        by_user_id: int | None = None,
        service_messages: bool = True,
        from_first: bool = False,
    ) -> int:
        """Upgrades a basic group to a supergroup the way Telegram does; returns the new chat id.

        The supergroup (an id of the ``-100…`` form) has the group's title, members, admins and the
        bot's status.  From then on every send or edit to the old group is answered ``400 Bad
        Request: group chat was upgraded to a supergroup chat`` with ``parameters.migrate_to_chat_id``
        (PTB raises ``telegram.error.ChatMigrated``).  Telegram's two service messages are enqueued:
        one in the old group with ``migrate_to_chat_id``, then one in the supergroup with
        ``migrate_from_chat_id`` (``from_first=True`` swaps them; ``service_messages=False`` enqueues
        neither, as when the bot missed them).  ``by_user_id`` (default: the creator) upgraded it.
        """
        with self._lock:
            old = self._chat_or_raise(chat_id)
            if old.type != "group":
                raise ValueError("only basic groups are upgraded to supergroups")
            if old.migrated_to is not None:
                raise ValueError(f"group {chat_id} was upgraded already, to {old.migrated_to}")
            actor_id = by_user_id if by_user_id is not None else old.creator_id
            if actor_id is None:
                raise ValueError("the group has no creator: say who upgraded it with by_user_id")
            new_id = -(10**12 + next(self._supergroup_ids))
            while new_id in self._chats:
                new_id = -(10**12 + next(self._supergroup_ids))
            new = self._add_chat(
                _Chat(
                    id=new_id,
                    type="supergroup",
                    title=old.title,
                    bot_status=old.bot_status,
                    creator_id=old.creator_id,
                    members=dict(old.members),
                )
            )
            old.migrated_to = new_id
            actor = self._register_user(actor_id)
            to_message = self._base_message(old, from_user=actor)
            to_message["migrate_to_chat_id"] = new_id
            from_message = self._base_message(new, from_user=actor)
            from_message["migrate_from_chat_id"] = chat_id
            self._store_message(old, to_message, own=False)
            self._store_message(new, from_message, own=False)
            if service_messages:
                first, second = (from_message, to_message) if from_first else (to_message, from_message)
                self._enqueue("message", first)
                self._enqueue("message", second)
            return new_id

    @staticmethod
    def _check_not_upgraded(chat: _Chat) -> None:
        if chat.migrated_to is not None:
            raise ValueError(f"group {chat.id} was upgraded to {chat.migrated_to}: nobody can write there")

    def _chat_or_raise(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"unknown chat {chat_id}; add it with add_private_chat/add_group/add_channel first")
        return chat

    # ----------------------------------------------------------- incoming updates

    def _store_message(self, chat: _Chat, message: dict[str, Any], *, own: bool) -> None:
        chat.messages[message["message_id"]] = message
        if own:
            chat.own.add(message["message_id"])
        if not self.record_requests and len(chat.messages) > 10_000:
            oldest = next(iter(chat.messages))
            del chat.messages[oldest]
            chat.own.discard(oldest)

    def _base_message(
        self,
        chat: _Chat,
        *,
        from_user: dict[str, Any] | None,
        sender_chat: dict[str, Any] | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": chat.next_message_id}
        chat.next_message_id += 1
        if from_user is not None:
            message["from"] = from_user
        if sender_chat is not None:
            message["sender_chat"] = sender_chat
        message["chat"] = chat.json
        message["date"] = int(time.time())
        if reply_to is not None:
            replied = chat.messages.get(reply_to)
            if replied is not None:
                message["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
        return message

    def send_text(
        self,
        chat_id: int,
        text: str,
        user_id: int | None = None,
        *,
        edited: bool = False,
        reply_to: int | None = None,
        message_id: int | None = None,
    ) -> dict[str, Any]:
        """A user writes ``text`` in a private chat or group (a ``channel_post`` in a channel).

        ``user_id`` defaults to the private chat's user and is required in groups (unknown users
        are registered and join the group).  Entities Telegram detects are added: ``bot_command``
        (``/cmd`` or ``/cmd@bot``), ``url``, ``mention``, ``hashtag``.  ``edited=True`` sends an
        ``edited_message``/``edited_channel_post`` for ``message_id`` (default: the sender's latest
        message in the chat).  Returns the update.
        """
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            self._check_not_upgraded(chat)
            plain, entities = _finish_text(text, [])
            if not plain:
                raise ValueError("Telegram does not deliver empty messages")
            if chat.type == "channel":
                sender: dict[str, Any] | None = None
                sender_chat: dict[str, Any] | None = chat.json
                kind = "edited_channel_post" if edited else "channel_post"
            else:
                if user_id is None:
                    if chat.type != "private":
                        raise ValueError("user_id is required for group messages")
                    user_id = chat.user_id
                assert user_id is not None
                sender = self._register_user(user_id)
                sender_chat = None
                if chat.type != "private" and chat.members.get(user_id) in (None, "left", "kicked"):
                    chat.members[user_id] = "member"
                kind = "edited_message" if edited else "message"
            if edited:
                message = self._edit_incoming(chat, sender, message_id)
            else:
                message = self._base_message(chat, from_user=sender, sender_chat=sender_chat, reply_to=reply_to)
            message["text"] = plain
            if entities:
                message["entities"] = entities
            else:
                message.pop("entities", None)
            self._store_message(chat, message, own=False)
            return copy.deepcopy(self._enqueue(kind, message))

    def _edit_incoming(self, chat: _Chat, sender: dict[str, Any] | None, message_id: int | None) -> dict[str, Any]:
        if message_id is None:
            for candidate in reversed(chat.messages.values()):
                if candidate["message_id"] not in chat.own and candidate.get("from") == sender:
                    message_id = candidate["message_id"]
                    break
        original = chat.messages.get(message_id) if message_id is not None else None
        if original is None:
            raise ValueError("no message to edit; send it first or pass message_id")
        message = dict(original)
        message["edit_date"] = int(time.time())
        return message

    def send_as_anonymous_admin(self, chat_id: int, text: str) -> dict[str, Any]:
        """An anonymous administrator writes in a group: ``from`` is @GroupAnonymousBot and
        ``sender_chat`` the group itself.  Returns the update."""
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            if chat.type not in ("group", "supergroup"):
                raise ValueError("anonymous admins exist only in groups")
            self._check_not_upgraded(chat)
            anonymous = {
                "id": GROUP_ANONYMOUS_BOT_ID,
                "is_bot": True,
                "first_name": "Group",
                "username": "GroupAnonymousBot",
            }
            self._users.setdefault(GROUP_ANONYMOUS_BOT_ID, anonymous)
            plain, entities = _finish_text(text, [])
            message = self._base_message(chat, from_user=anonymous, sender_chat=chat.json)
            message["text"] = plain
            if entities:
                message["entities"] = entities
            self._store_message(chat, message, own=False)
            return copy.deepcopy(self._enqueue("message", message))

    def press_button(self, chat_id: int, user_id: int, message_id: int, data: str) -> dict[str, Any]:
        """A user presses an inline button with callback data ``data`` under ``message_id``.

        Enqueues a ``callback_query`` with a fresh id, which ``answerCallbackQuery`` accepts once.
        Returns the update.
        """
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            user = self._register_user(user_id)
            query_id = str(next(self._callback_ids))
            body: dict[str, Any] = {"id": query_id, "from": user}
            message = chat.messages.get(message_id)
            if message is not None:
                body["message"] = message
            else:  # an InaccessibleMessage
                body["message"] = {"chat": chat.json, "message_id": message_id, "date": 0}
            body["chat_instance"] = chat.chat_instance
            body["data"] = data
            self._open_callback_queries[query_id] = {"chat_id": chat_id, "user_id": user_id}
            return copy.deepcopy(self._enqueue("callback_query", body))

    def _poll_or_raise(self, poll_id: str) -> _Poll:
        poll = self._polls.get(str(poll_id))
        if poll is None:
            raise KeyError(f"unknown poll {poll_id}")
        return poll

    def _refresh_poll_message(self, poll: _Poll) -> dict[str, Any]:
        poll_json = poll.to_json(self.legacy_correct_option_id)
        chat = self._chats.get(poll.chat_id)
        if chat is not None and poll.message_id in chat.messages:
            chat.messages[poll.message_id] = {**chat.messages[poll.message_id], "poll": poll_json}
        return poll_json

    def answer_poll(
        self, poll_id: str, user_id: int, option_ids: Iterable[int], *, emit_poll_update: bool = False
    ) -> dict[str, Any]:
        """A user votes in (or, with no options, retracts their vote from) a non-anonymous poll.

        Enqueues a ``poll_answer`` and updates the stored poll's counts (``emit_poll_update=True``
        also enqueues the ``poll`` update Telegram sends with the new counts).  Raises
        ``ValueError`` for votes Telegram's apps cannot cast.  Returns the ``poll_answer`` update.
        """
        option_ids = sorted(set(option_ids))
        with self._lock:
            poll = self._poll_or_raise(poll_id)
            if poll.is_anonymous:
                raise ValueError("bots get no poll_answer for anonymous polls; use vote_anonymous")
            self._check_vote(poll, option_ids)
            previous = poll.voters.get(user_id, [])
            if previous and not poll.allows_revoting:
                raise ValueError("this poll does not allow changing the vote")
            for option in previous:
                poll.counts[option] -= 1
            for option in option_ids:
                poll.counts[option] += 1
            poll.voters[user_id] = option_ids
            user = self._register_user(user_id)
            poll_json = self._refresh_poll_message(poll)
            update = self._enqueue(
                "poll_answer",
                {
                    "poll_id": poll.id,
                    "user": user,
                    "option_ids": option_ids,
                    "option_persistent_ids": [str(option) for option in option_ids],
                },
            )
            if emit_poll_update:
                self._enqueue("poll", poll_json)
            return copy.deepcopy(update)

    def _check_vote(self, poll: _Poll, option_ids: list[int]) -> None:
        if poll.is_closed:
            raise ValueError("the poll is closed")
        if len(option_ids) > 1 and not poll.allows_multiple_answers:
            raise ValueError("the poll allows one answer only")
        if any(not 0 <= option < len(poll.options) for option in option_ids):
            raise ValueError("no such option")

    def vote_anonymous(self, poll_id: str, option_id: int | Iterable[int]) -> dict[str, Any]:
        """Someone votes anonymously: counts go up and a ``poll`` update with the whole Poll is
        enqueued.  Returns the update."""
        options = [option_id] if isinstance(option_id, int) else sorted(set(option_id))
        with self._lock:
            poll = self._poll_or_raise(poll_id)
            self._check_vote(poll, options)
            if not options:
                raise ValueError("choose at least one option")
            for option in options:
                poll.counts[option] += 1
            poll.anonymous_voters += 1
            return copy.deepcopy(self._enqueue("poll", self._refresh_poll_message(poll)))

    def _member_json(self, chat: _Chat, user: dict[str, Any], status: str) -> dict[str, Any]:
        member: dict[str, Any] = {"user": user, "status": status}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member["can_be_edited"] = False
            member.update(_admin_rights(chat.type, full=user["id"] != self.bot_user["id"]))
            member["can_manage_voice_chats"] = member.get("can_manage_video_chats", False)
        elif status == "kicked":
            member["until_date"] = 0
        elif status == "restricted":
            member["until_date"] = 0
            member["is_member"] = True
        return member

    _STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")

    def set_bot_status(
        self, chat_id: int, new_status: str, by_user_id: int, old_status: str | None = None
    ) -> dict[str, Any]:
        """The bot's status in a chat changes (``member``, ``administrator``, ``left``, ``kicked``):
        updates the state (``kicked`` in a private chat = blocked) and enqueues ``my_chat_member``.
        Returns the update."""
        if new_status not in self._STATUSES:
            raise ValueError(f"unknown status {new_status!r}")
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            if old_status is None and chat.type == "private":
                old_status = "kicked" if chat.blocked else "member"
            elif old_status is None:
                old_status = chat.bot_status
            if chat.type == "private":
                chat.blocked = new_status == "kicked"
            else:
                chat.bot_status = new_status
            actor = self._register_user(by_user_id)
            body = {
                "chat": chat.json,
                "from": actor,
                "date": int(time.time()),
                "old_chat_member": self._member_json(chat, self.bot_user, old_status),
                "new_chat_member": self._member_json(chat, self.bot_user, new_status),
            }
            return copy.deepcopy(self._enqueue("my_chat_member", body))

    def chat_member_update(
        self,
        chat_id: int,
        user_id: int,
        new_status: str,
        old_status: str,
        *,
        by_user_id: int | None = None,
    ) -> dict[str, Any]:
        """A user's membership changes (``chat_member`` update, delivered only if the bot asked for
        it in ``allowed_updates``); the group's member list follows.  Returns the update."""
        for status in (new_status, old_status):
            if status not in self._STATUSES:
                raise ValueError(f"unknown status {status!r}")
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            user = self._register_user(user_id)
            actor = self._register_user(by_user_id if by_user_id is not None else user_id)
            if new_status in ("left", "kicked"):
                chat.members.pop(user_id, None)
            else:
                chat.members[user_id] = new_status
            body = {
                "chat": chat.json,
                "from": actor,
                "date": int(time.time()),
                "old_chat_member": self._member_json(chat, user, old_status),
                "new_chat_member": self._member_json(chat, user, new_status),
            }
            return copy.deepcopy(self._enqueue("chat_member", body))

    def push_update(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Enqueues any update; ``update_id`` is filled in when missing (and a ``poll_answer``'s
        ``option_persistent_ids``, which Telegram always sends and PTB 22.8 requires).  Returns the
        update."""
        with self._lock:
            update = copy.deepcopy(raw)
            kinds = [key for key in update if key != "update_id"]
            if len(kinds) != 1:
                raise ValueError("an update has exactly one field besides update_id")
            answer = update.get("poll_answer")
            if isinstance(answer, dict) and "option_persistent_ids" not in answer:
                answer["option_persistent_ids"] = [str(option) for option in answer.get("option_ids", [])]
            if "update_id" not in update:
                update = {"update_id": self._next_update_id, **update}
            self._next_update_id = max(self._next_update_id, update["update_id"]) + 1
            self._updates.append((update["update_id"], kinds[0], update))
            self._notify_loop()
            return copy.deepcopy(update)

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        *,
        chat_id: int | str | None = None,
        error_code: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` calls of ``method`` (``"*"`` = any; optionally only for ``chat_id``)
        fail with ``error_code``.

        ``description`` defaults to Telegram's for the code: ``Internal Server Error`` (500),
        ``Too Many Requests: retry after N`` (429, with ``parameters.retry_after = N``;
        ``retry_after`` defaults to 1 for 429), ``Bad Request`` (400), ``Forbidden`` (403) ...
        """
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = {
                400: "Bad Request",
                401: "Unauthorized",
                403: "Forbidden",
                404: "Not Found",
                409: "Conflict",
                429: f"Too Many Requests: retry after {retry_after}",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(error_code, "Internal Server Error")
        with self._lock:
            self._faults.append(_Fault(method.lower(), chat_id, error_code, description, retry_after, max(times, 1)))

    # ------------------------------------------------------------------------ inspection

    @property
    def requests(self) -> list[Call]:
        """Every recorded request, oldest first (a copy of the list)."""
        with self._lock:
            return list(self._requests)

    def calls(self, method: str, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """The decoded params of every recorded ``method`` call (optionally only those whose
        ``chat_id`` equals ``chat_id``, compared as strings)."""
        with self._lock:
            found = self._by_method.get(method, [])
            wanted = None if chat_id is None else str(chat_id)
            return [c.params for c in found if wanted is None or str(c.params.get("chat_id")) == wanted]

    def calls_to(self, chat_id: int | str) -> list[Call]:
        """Every recorded ``send*``/``edit*``/``delete*`` call for ``chat_id`` (compared as strings),
        whatever its outcome, oldest first."""
        wanted = str(chat_id)
        with self._lock:
            return [
                c
                for c in self._requests
                if c.method.startswith(("send", "edit", "delete")) and str(c.params.get("chat_id")) == wanted
            ]

    @property
    def counts(self) -> dict[str, int]:
        """Method name -> number of calls (kept even when ``record_requests`` is off)."""
        with self._lock:
            return dict(self._counts)

    def sent_messages(self, chat_id: int, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Messages the bot sent to ``chat_id`` as they are now (after edits), oldest first."""
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            found = {mid: msg for mid, msg in chat.messages.items() if mid in chat.own}
            if include_deleted:
                found.update({mid: msg for mid, msg in chat.deleted.items() if mid in chat.own})
            return copy.deepcopy([found[mid] for mid in sorted(found)])

    def get_message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """A stored message of any sender (``None`` if unknown or deleted)."""
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            message = chat.messages.get(message_id)
            return copy.deepcopy(message) if message is not None else None

    @property
    def polls(self) -> dict[str, dict[str, Any]]:
        """poll id -> ``{"poll", "chat_id", "message_id", "options", "correct_option_ids",
        "voters"}`` where ``poll`` is the Poll JSON and ``voters`` maps user ids to option ids."""
        with self._lock:
            return {
                poll_id: {
                    "poll": poll.to_json(self.legacy_correct_option_id),
                    "chat_id": poll.chat_id,
                    "message_id": poll.message_id,
                    "options": list(poll.options),
                    "correct_option_ids": list(poll.correct_option_ids),
                    "voters": {user: list(ids) for user, ids in poll.voters.items()},
                }
                for poll_id, poll in self._polls.items()
            }

    @property
    def commands(self) -> dict[str, list[dict[str, str]]]:
        """Scope key -> the commands set for it (see :meth:`scope_key`)."""
        with self._lock:
            return copy.deepcopy(self._commands)

    @staticmethod
    def scope_key(scope: Mapping[str, Any] | None = None, language_code: str = "") -> str:
        """The :attr:`commands` key for a BotCommandScope dict: ``"default"``,
        ``"all_private_chats"``, ``"chat:<chat_id>"``, ``"chat_member:<chat_id>:<user_id>"`` ...,
        followed by ``"|<language_code>"`` when a language is given."""
        scope = scope or {"type": "default"}
        key = str(scope.get("type", "default"))
        if "chat_id" in scope:
            key += f":{scope['chat_id']}"
        if "user_id" in scope:
            key += f":{scope['user_id']}"
        return f"{key}|{language_code}" if language_code else key

    @property
    def last_allowed_updates(self) -> list[str] | None:
        """The last ``allowed_updates`` list received with getUpdates/setWebhook (``None``: never)."""
        with self._lock:
            return list(self._last_allowed_updates) if self._last_allowed_updates is not None else None

    @property
    def webhook(self) -> dict[str, Any] | None:
        """The params of the active setWebhook call, if any."""
        with self._lock:
            return copy.deepcopy(self._webhook)

    @property
    def files(self) -> dict[str, UploadedFile]:
        """file_id -> uploaded file, for every document/photo sent by upload."""
        with self._lock:
            return {file_id: uploaded for file_id, (uploaded, _) in self._files.items()}

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot (via a later getUpdates offset)."""
        with self._lock:
            return copy.deepcopy([update for _, _, update in self._updates])

    def wait_for(
        self,
        method: str | None,
        predicate: Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[Call]:
        """Blocks until at least ``count`` recorded calls of ``method`` (``None``: any method) for
        which ``predicate(call)`` is true exist in total (counting calls made before this call
        too); returns them all.  Raises ``AssertionError`` with a summary of recent calls on
        timeout.  Needs ``record_requests=True``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                source = self._requests if method is None else self._by_method.get(method, [])
                found = [c for c in source if predicate is None or predicate(c)]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} {method or 'matching'} call(s); "
                        f"got {len(found)}.\n{self._summary()}"
                    )
                self._cond.wait(remaining)

    async def wait_for_async(
        self,
        method: str | None,
        predicate: Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[Call]:
        """:meth:`wait_for` for async tests (runs it in a worker thread)."""
        return await asyncio.to_thread(self.wait_for, method, predicate, count, timeout)

    def wait_for_long_poll(self, timeout: float = 10.0) -> None:
        """Blocks until a getUpdates call is waiting for updates (or raises AssertionError)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._waiting_pollers:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no getUpdates long poll after {timeout}s.\n{self._summary()}")
                self._cond.wait(remaining)

    async def wait_for_long_poll_async(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """:meth:`wait_for_long_poll` for async tests."""
        await asyncio.to_thread(self.wait_for_long_poll, timeout)

    def wait_until_delivered(self, timeout: float = 10.0) -> None:
        """Blocks until the bot has confirmed every pending update (or raises AssertionError)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._updates:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"{len(self._updates)} update(s) still unconfirmed after {timeout}s.\n{self._summary()}"
                    )
                self._cond.wait(remaining)

    async def wait_until_delivered_async(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """:meth:`wait_until_delivered` for async tests."""
        await asyncio.to_thread(self.wait_until_delivered, timeout)

    def _summary(self, last: int = 15) -> str:
        lines = [f"counts: {dict(self._counts)}", f"last {last} calls:"]
        for call in self._requests[-last:]:
            shown = {k: (v if len(repr(v)) < 80 else repr(v)[:77] + "...") for k, v in call.params.items()}
            outcome = "ok" if call.status == 200 else f"{call.status} {call.description}"
            lines.append(f"  {call.method} {shown} -> {outcome}")
        return "\n".join(lines)

    def clear(self) -> None:
        """Forgets recorded requests, counts, the 429 counter and pending faults (chats, messages,
        polls and updates stay)."""
        with self._lock:
            self._requests.clear()
            self._by_method.clear()
            self._counts.clear()
            self._faults.clear()
            self._flood_window.clear()
            self.http_429 = 0

    # ====================================================================== Bot API methods
    # Each runs with the lock held and returns the ``result`` or raises _ApiError.

    # ------------------------------------------------------------------ common checks

    def _resolve_chat(self, params: Mapping[str, Any], name: str = "chat_id") -> _Chat:
        value = params.get(name)
        if value is None or value == "":
            raise _bad("chat_id is empty")
        if isinstance(value, bool | float | list | dict):
            raise _bad("chat not found")
        chat: _Chat | None
        if isinstance(value, int):
            chat = self._chats.get(value)
        elif value.startswith("@"):
            chat_id = self._usernames.get(value[1:].lower())
            chat = self._chats.get(chat_id) if chat_id is not None else None
        else:
            chat = self._chats.get(_to_int(value)) if re.fullmatch(r"-?\d+", value) else None
        if chat is None:
            raise _bad("chat not found")
        return chat

    def _check_access(self, chat: _Chat, *, write: bool, edit: bool = False) -> None:
        """Membership checks the Bot API server makes before a request reaches Telegram."""
        if chat.type == "private":
            return
        if chat.migrated_to is not None and (write or edit):
            raise _ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        status = chat.bot_status
        word = {"group": "group", "supergroup": "supergroup", "channel": "channel"}[chat.type]
        if status == "kicked":
            raise _ApiError(403, f"Forbidden: bot was kicked from the {word} chat")
        if status == "left":
            raise _ApiError(403, f"Forbidden: bot is not a member of the {word} chat")
        if write and chat.type == "channel" and status != "administrator":
            raise _bad("need administrator rights in the channel chat")

    def _check_not_blocked(self, chat: _Chat) -> None:
        if chat.type == "private" and chat.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")

    def _formatted(
        self, text: str, parse_mode: Any, entities: Any, *, trim: bool = True
    ) -> tuple[str, list[dict[str, Any]]]:
        """get_formatted_text: applies parse_mode (HTML) or explicit entities."""
        if len(text.encode("utf-8")) > (1 << 15):
            raise _bad("text is too long")
        mode = _as_text(parse_mode).lower()
        parsed: list[dict[str, Any]] = []
        if text and mode and mode != "none":
            if mode == "html":
                try:
                    text, parsed = _parse_html(text)
                except _ParseError as exc:
                    raise _bad(f"can't parse entities: {exc}") from None
            elif mode not in ("markdown", "markdownv2"):
                raise _bad("unsupported parse_mode")
        elif isinstance(entities, list):
            total = _utf16_len(text)
            for entity in entities:
                if not isinstance(entity, dict) or not isinstance(entity.get("type"), str):
                    raise _bad('can\'t parse MessageEntity: Field "type" must be of type String')
                offset, length = _to_int(entity.get("offset")), _to_int(entity.get("length"))
                if offset < 0 or length <= 0 or offset + length > total:
                    continue
                parsed.append({**entity, "offset": offset, "length": length})
        if not trim:
            return text, parsed
        return _finish_text(text, parsed)

    def _reply_markup(self, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """Validates reply_markup like get_reply_markup; returns the inline keyboard to echo."""
        if "reply_markup" not in params:
            return None
        markup = params["reply_markup"]
        if isinstance(markup, str):
            if markup == "":
                return None
            raise _bad("can't parse reply keyboard markup JSON object")
        if not isinstance(markup, dict):
            raise _bad("object expected as reply markup")
        keyboard = markup.get("keyboard")
        if keyboard is not None:
            if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
                raise _bad('field "keyboard" must be an Array of Arrays')
            for row in keyboard:
                for button in row:
                    if isinstance(button, dict):
                        if not isinstance(button.get("text"), str):
                            raise _bad('can\'t parse keyboard button: Field "text" must be of type String')
                    elif not isinstance(button, str):
                        raise _bad("can't parse keyboard button: KeyboardButton must be a String or an Object")
        inline = markup.get("inline_keyboard")
        if inline is None:
            return None
        if not isinstance(inline, list) or not all(isinstance(row, list) for row in inline):
            raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
        rows: list[list[dict[str, Any]]] = []
        for row in inline:
            new_row = []
            for button in row:
                if not isinstance(button, dict):
                    raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
                if not isinstance(button.get("text"), str):
                    raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
                echoed: dict[str, Any] = {"text": button["text"]}
                for kind in (
                    "url",
                    "callback_data",
                    "callback_game",
                    "pay",
                    "switch_inline_query",
                    "switch_inline_query_chosen_chat",
                    "switch_inline_query_current_chat",
                    "login_url",
                    "web_app",
                    "copy_text",
                ):
                    value = button.get(kind)
                    if kind in ("url", "callback_data"):
                        if isinstance(value, str) and value:
                            echoed[kind] = value
                            break
                    elif kind in button:
                        echoed[kind] = value
                        break
                else:
                    raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
                new_row.append(echoed)
            rows.append(new_row)
        if not rows or not any(rows):
            return None
        return {"inline_keyboard": rows}

    @staticmethod
    def _check_button_data(markup: dict[str, Any] | None) -> None:
        """Checked by Telegram's servers, after the chat checks."""
        if markup is None:
            return
        for row in markup["inline_keyboard"]:
            for button in row:
                data = button.get("callback_data")
                if data is not None and len(data.encode("utf-8")) > _CALLBACK_DATA_MAX_BYTES:
                    raise _bad("BUTTON_DATA_INVALID")

    def _reply_target(self, chat: _Chat, params: Mapping[str, Any]) -> int | None:
        reply = params.get("reply_parameters")
        message_id: int | None = None
        allow_without = False
        if isinstance(reply, dict):
            message_id = _to_int(reply.get("message_id")) or None
            allow_without = _to_bool(reply.get("allow_sending_without_reply"))
            if reply.get("chat_id") not in (None, chat.id):
                return None  # replies to other chats are not modelled
        elif isinstance(reply, str) and reply:
            raise _bad("can't parse reply parameters JSON object")
        elif "reply_to_message_id" in params:
            message_id = _to_int(params.get("reply_to_message_id")) or None
            allow_without = _to_bool(params.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        if message_id not in chat.messages:
            if allow_without:
                return None
            raise _bad("message to be replied not found")
        return message_id

    def _bot_message(self, chat: _Chat, reply_to: int | None) -> dict[str, Any]:
        if chat.type == "channel":
            return self._base_message(chat, from_user=None, sender_chat=chat.json, reply_to=reply_to)
        return self._base_message(chat, from_user=self.bot_user, reply_to=reply_to)

    def _finish_bot_message(
        self, chat: _Chat, message: dict[str, Any], params: Mapping[str, Any], markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        if _to_bool(params.get("protect_content")):
            message["has_protected_content"] = True
        if markup is not None:
            message["reply_markup"] = markup
        self._store_message(chat, message, own=True)
        return message

    def _message_of(self, chat: _Chat, params: Mapping[str, Any], what: str) -> dict[str, Any]:
        message_id = _to_int(params.get("message_id"))
        message = chat.messages.get(message_id) if message_id > 0 else None
        if message is None:
            raise _bad(f"{what} not found")
        return message

    # ------------------------------------------------------------------ bot and updates

    @_api_method("getMe")
    def _api_get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "supports_guest_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
            "has_topics_enabled": False,
            "allows_users_to_create_topics": False,
            "can_manage_bots": False,
        }

    @_api_method("getUpdates")
    def _api_get_updates(self, params: dict[str, Any]) -> None:  # pragma: no cover - see _get_updates
        raise AssertionError("getUpdates is served asynchronously")

    @_api_method("setWebhook")
    def _api_set_webhook(self, params: dict[str, Any]) -> _Reply:
        url = _as_text(params.get("url"))
        if "allowed_updates" in params:
            self._set_allowed_updates(params["allowed_updates"])
        if _to_bool(params.get("drop_pending_updates")):
            self._updates.clear()
        if not url:
            was_set = self._webhook is not None
            self._webhook = None
            return _Reply(True, "Webhook was deleted" if was_set else "Webhook is already deleted")
        if not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        unchanged = self._webhook is not None and self._webhook.get("url") == url
        self._webhook = dict(params)
        self._poll_generation += 1  # a pending getUpdates is terminated
        self._notify_loop()
        return _Reply(True, "Webhook is already set" if unchanged else "Webhook was set")

    @_api_method("deleteWebhook")
    def _api_delete_webhook(self, params: dict[str, Any]) -> _Reply:
        if _to_bool(params.get("drop_pending_updates")):
            self._updates.clear()
            self._cond.notify_all()
        was_set = self._webhook is not None
        self._webhook = None
        return _Reply(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    @_api_method("getWebhookInfo")
    def _api_get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook.get("url", "") if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook:
            info["max_connections"] = _to_int(self._webhook.get("max_connections"), 40) or 40
            if self._last_allowed_updates is not None:
                info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    # ------------------------------------------------------------------------ commands

    def _command_scope_key(self, params: Mapping[str, Any]) -> str:
        scope = params.get("scope")
        language = _as_text(params.get("language_code"))
        if language and not re.fullmatch(r"[a-zA-Z]{2}", language):
            raise _bad("invalid language code specified")
        if scope is None or scope == "":
            return self.scope_key(None, language)
        if isinstance(scope, str):
            raise _bad("can't parse BotCommandScope JSON object")
        if not isinstance(scope, dict):
            raise _bad("can't parse BotCommandScope: BotCommandScope must be an Object")
        kind = scope.get("type")
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            return self.scope_key({"type": kind}, language)
        if kind not in ("chat", "chat_administrators", "chat_member"):
            raise _bad("can't parse BotCommandScope: Unsupported type specified")
        if scope.get("chat_id") in (None, ""):
            raise _bad("can't parse BotCommandScope: Empty chat_id specified")
        chat = self._resolve_chat(scope)
        resolved: dict[str, Any] = {"type": kind, "chat_id": chat.id}
        if kind == "chat_member":
            user_id = _to_int(scope.get("user_id"))
            if user_id <= 0:
                raise _bad("can't parse BotCommandScope: Invalid user_id specified")
            resolved["user_id"] = user_id
        return self.scope_key(resolved, language)

    @_api_method("setMyCommands")
    def _api_set_my_commands(self, params: dict[str, Any]) -> bool:
        raw = params.get("commands", "")
        commands: list[Any]
        if raw == "":
            commands = []
        elif isinstance(raw, str):
            raise _bad("can't parse commands JSON object")
        elif not isinstance(raw, list):
            raise _bad("expected an Array of BotCommand")
        else:
            commands = raw
        parsed = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand: expected an Object")
            for key in ("command", "description"):
                if not isinstance(command.get(key), str):
                    raise _bad(f'can\'t parse BotCommand: Field "{key}" must be of type String')
            parsed.append((command["command"], command["description"]))
        key = self._command_scope_key(params)
        result = []
        for name, description in parsed:  # TDLib's checks, then Telegram's
            name = name.strip()
            if name.startswith("/"):
                name = name[1:]
            if not name:
                raise _bad("command must be non-empty")
            if len(name) > 32:
                raise _bad("command length must not exceed 32")
            description = description.strip()
            if not description:
                raise _bad("command description must be non-empty")
            if len(description) > 256:
                raise _bad("command description length must not exceed 256")
            if not _COMMAND_RE.fullmatch(name):
                raise _bad("BOT_COMMAND_INVALID")
            result.append({"command": name, "description": description})
        if len({c["command"] for c in result}) != len(result):
            raise _bad("BOT_COMMAND_INVALID")
        if result:
            self._commands[key] = result
        else:
            self._commands.pop(key, None)
        return True

    @_api_method("getMyCommands")
    def _api_get_my_commands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        return copy.deepcopy(self._commands.get(self._command_scope_key(params), []))

    @_api_method("deleteMyCommands")
    def _api_delete_my_commands(self, params: dict[str, Any]) -> bool:
        self._commands.pop(self._command_scope_key(params), None)
        return True

    def _my_text(self, params: dict[str, Any], kind: str, limit: int, field_name: str) -> bool:
        value = _as_text(params.get(field_name))
        if len(value) > limit:
            raise _bad(f"bot {kind} is too long")
        self._my_texts[f"{kind}|{_as_text(params.get('language_code'))}"] = value
        return True

    @_api_method("setMyName")
    def _api_set_my_name(self, params: dict[str, Any]) -> bool:
        return self._my_text(params, "name", 64, "name")

    @_api_method("getMyName")
    def _api_get_my_name(self, params: dict[str, Any]) -> dict[str, str]:
        key = f"name|{_as_text(params.get('language_code'))}"
        return {"name": self._my_texts.get(key, self.bot_user["first_name"])}

    @_api_method("setMyDescription")
    def _api_set_my_description(self, params: dict[str, Any]) -> bool:
        return self._my_text(params, "description", 512, "description")

    @_api_method("getMyDescription")
    def _api_get_my_description(self, params: dict[str, Any]) -> dict[str, str]:
        return {"description": self._my_texts.get(f"description|{_as_text(params.get('language_code'))}", "")}

    @_api_method("setMyShortDescription")
    def _api_set_my_short_description(self, params: dict[str, Any]) -> bool:
        return self._my_text(params, "short description", 120, "short_description")

    @_api_method("getMyShortDescription")
    def _api_get_my_short_description(self, params: dict[str, Any]) -> dict[str, str]:
        key = f"short description|{_as_text(params.get('language_code'))}"
        return {"short_description": self._my_texts.get(key, "")}

    # ------------------------------------------------------------------------ messages

    @_api_method("sendMessage")
    def _api_send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        raw_text = _as_text(params.get("text"))
        if not raw_text:
            raise _bad("message text is empty")
        text, entities = self._formatted(raw_text, params.get("parse_mode"), params.get("entities"))
        markup = self._reply_markup(params)
        chat = self._resolve_chat(params)
        self._check_access(chat, write=True)
        reply_to = self._reply_target(chat, params)
        if not text:
            raise _bad("text must be non-empty")
        if len(text) > _MESSAGE_TEXT_MAX:
            raise _bad("message is too long")
        self._check_button_data(markup)
        self._check_not_blocked(chat)
        message = self._bot_message(chat, reply_to)
        message["text"] = text
        if entities:
            message["entities"] = entities
        return self._finish_bot_message(chat, message, params, markup)

    def _editable_message(self, params: dict[str, Any]) -> tuple[_Chat, dict[str, Any]]:
        if params.get("inline_message_id"):
            raise _bad("inline messages are not supported by FakeBotAPI")
        chat = self._resolve_chat(params)
        self._check_access(chat, write=False, edit=True)
        message = self._message_of(chat, params, "message to edit")
        if message["message_id"] not in chat.own:
            raise _bad("message can't be edited")
        return chat, message

    @_api_method("editMessageText")
    def _api_edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        raw_text = _as_text(params.get("text"))
        if not raw_text:
            raise _bad("message text is empty")
        text, entities = self._formatted(raw_text, params.get("parse_mode"), params.get("entities"))
        markup = self._reply_markup(params)
        chat, message = self._editable_message(params)
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        if not text:
            raise _bad("text must be non-empty")
        if len(text) > _MESSAGE_TEXT_MAX:
            raise _bad("message is too long")
        self._check_button_data(markup)
        if (
            message["text"] == text
            and message.get("entities", []) == entities
            and message.get("reply_markup") == markup
        ):
            raise _bad(
                "message is not modified: specified new message content and reply markup are exactly the "
                "same as a current content and reply markup of the message"
            )
        edited = {k: v for k, v in message.items() if k not in ("entities", "reply_markup", "edit_date")}
        edited["edit_date"] = int(time.time())
        edited["text"] = text
        if entities:
            edited["entities"] = entities
        if markup is not None:
            edited["reply_markup"] = markup
        edited = self._order_message(edited)
        chat.messages[message["message_id"]] = edited
        return edited

    @staticmethod
    def _order_message(message: dict[str, Any]) -> dict[str, Any]:
        order = ("message_id", "from", "sender_chat", "chat", "date", "edit_date")
        ordered = {k: message[k] for k in order if k in message}
        ordered.update({k: v for k, v in message.items() if k not in ordered and k != "reply_markup"})
        if "reply_markup" in message:
            ordered["reply_markup"] = message["reply_markup"]
        return ordered

    @_api_method("editMessageReplyMarkup")
    def _api_edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = self._reply_markup(params)
        chat, message = self._editable_message(params)
        self._check_button_data(markup)
        if message.get("reply_markup") == markup:
            raise _bad(
                "message is not modified: specified new message content and reply markup are exactly the "
                "same as a current content and reply markup of the message"
            )
        edited = {k: v for k, v in message.items() if k not in ("reply_markup", "edit_date")}
        edited["edit_date"] = int(time.time())
        if markup is not None:
            edited["reply_markup"] = markup
        edited = self._order_message(edited)
        chat.messages[message["message_id"]] = edited
        return edited

    def _can_delete(self, chat: _Chat, message_id: int) -> bool:
        if chat.type == "private":
            return True
        if chat.type != "channel" and message_id in chat.own:
            return True
        return chat.bot_status == "administrator"

    @_api_method("deleteMessage")
    def _api_delete_message(self, params: dict[str, Any]) -> bool:
        if params.get("chat_id") in (None, ""):
            raise _bad("chat identifier is not specified")
        if _to_int(params.get("message_id")) == 0:
            raise _bad("message identifier is not specified")
        chat = self._resolve_chat(params)
        self._check_access(chat, write=False)
        message = self._message_of(chat, params, "message to delete")
        if not self._can_delete(chat, message["message_id"]):
            raise _bad("message can't be deleted")
        del chat.messages[message["message_id"]]
        chat.deleted[message["message_id"]] = message
        return True

    @_api_method("deleteMessages")
    def _api_delete_messages(self, params: dict[str, Any]) -> bool:
        chat = self._resolve_chat(params)
        self._check_access(chat, write=False)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not ids:
            raise _bad("message identifiers are not specified")
        for message_id in ids:
            message_id = _to_int(message_id)
            if message_id in chat.messages and self._can_delete(chat, message_id):
                chat.deleted[message_id] = chat.messages.pop(message_id)
        return True

    @_api_method("pinChatMessage")
    def _api_pin_chat_message(self, params: dict[str, Any]) -> bool:
        chat = self._resolve_chat(params)
        self._check_access(chat, write=False)
        self._message_of(chat, params, "message to pin")
        if chat.type != "private" and chat.bot_status != "administrator":
            raise _bad("not enough rights to manage pinned messages in the chat")
        return True

    @_api_method("unpinChatMessage")
    def _api_unpin_chat_message(self, params: dict[str, Any]) -> bool:
        chat = self._resolve_chat(params)
        self._check_access(chat, write=False)
        if chat.type != "private" and chat.bot_status != "administrator":
            raise _bad("not enough rights to manage pinned messages in the chat")
        return True

    @_api_method("sendChatAction")
    def _api_send_chat_action(self, params: dict[str, Any]) -> bool:
        actions = {
            "cancel",
            "typing",
            "record_video",
            "upload_video",
            "record_audio",
            "record_voice",
            "upload_audio",
            "upload_voice",
            "upload_photo",
            "upload_document",
            "choose_sticker",
            "pick_up_location",
            "find_location",
            "record_video_note",
            "upload_video_note",
        }
        if _as_text(params.get("action")).lower() not in actions:
            raise _bad("wrong parameter action in request")
        chat = self._resolve_chat(params)
        self._check_access(chat, write=True)
        self._check_not_blocked(chat)
        return True

    # ---------------------------------------------------------------------------- polls

    def _poll_text(self, text: Any, parse_mode: Any, entities: Any) -> tuple[str, list[dict[str, Any]]]:
        plain, found = self._formatted(_as_text(text), parse_mode, entities)
        # TDLib keeps only custom emoji entities in poll questions and options.
        return plain, [e for e in found if e["type"] == "custom_emoji"]

    @_api_method("sendPoll")
    def _api_send_poll(self, params: dict[str, Any]) -> dict[str, Any]:
        # process_send_poll_query (telegram-bot-api)
        question, question_entities = self._poll_text(
            params.get("question"), params.get("question_parse_mode"), params.get("question_entities")
        )
        raw_options = params.get("options", "")
        if isinstance(raw_options, str):
            raise _bad("can't parse options JSON object")
        if raw_options is None:
            raw_options = []
        if not isinstance(raw_options, list):
            raise _bad("expected an Array of String as options")
        options: list[tuple[str, list[dict[str, Any]]]] = []
        for option in raw_options:
            if isinstance(option, str):
                options.append(self._poll_text(option, None, None))
            elif isinstance(option, dict):
                if not isinstance(option.get("text"), str):
                    raise _bad('field "text" must be of type String')
                options.append(
                    self._poll_text(option["text"], option.get("text_parse_mode"), option.get("text_entities"))
                )
            else:
                raise _bad("expected an option to be of type String")
        description, description_entities = self._formatted(
            _as_text(params.get("description")),
            params.get("description_parse_mode"),
            params.get("description_entities"),
        )
        is_anonymous = _to_bool(params["is_anonymous"]) if "is_anonymous" in params else True
        allows_multiple = _to_bool(params.get("allows_multiple_answers"))
        poll_type = _as_text(params.get("type"))
        explanation: str = ""
        explanation_entities: list[dict[str, Any]] = []
        correct_ids: list[int] = []
        if poll_type == "quiz":
            explanation, explanation_entities = self._formatted(
                _as_text(params.get("explanation")),
                params.get("explanation_parse_mode"),
                params.get("explanation_entities"),
            )
            if "correct_option_ids" in params:
                raw_ids = params["correct_option_ids"]
                if isinstance(raw_ids, str):
                    raise _bad("can't parse correct option identifiers JSON object")
                if not isinstance(raw_ids, list):
                    raise _bad("expected an Array of correct option identifiers")
                for value in raw_ids:
                    if isinstance(value, bool) or not isinstance(value, int | float):
                        raise _bad("correct option identifier must be of type Number")
                    if isinstance(value, float) and not value.is_integer():
                        raise _bad("invalid correct option identifier specified")
                    correct_ids.append(int(value))
            elif "correct_option_id" in params:
                correct_ids.append(_to_int(params.get("correct_option_id"), -1))
        elif poll_type not in ("", "regular"):
            raise _bad("unsupported poll type specified")
        allows_revoting = _to_bool(params["allows_revoting"]) if "allows_revoting" in params else poll_type != "quiz"
        open_period_raw = _to_int(params.get("open_period"), 0)
        open_period = min(max(open_period_raw, 0), _OPEN_PERIOD_MAX)  # the Bot API clamps it
        close_date = _to_int(params.get("close_date"), 0)
        is_closed = _to_bool(params.get("is_closed"))
        markup = self._reply_markup(params)
        # do_send_message: the chat
        chat = self._resolve_chat(params)
        self._check_access(chat, write=True)
        reply_to = self._reply_target(chat, params)
        # TDLib's create_input_message_content / PollOption checks
        if not question:
            raise _bad("text must be non-empty")
        if len(question) > _POLL_QUESTION_MAX:
            raise _bad(f"poll question length must not exceed {_POLL_QUESTION_MAX}")
        if not options:
            raise _bad("poll must have at least one answer option")
        if len(options) > _POLL_OPTIONS_MAX:
            raise _bad(f"poll can't have more than {_POLL_OPTIONS_MAX} options")
        for text, _ in options:
            if not text:
                raise _bad("text must be non-empty")
            if len(text) > _POLL_OPTION_MAX:
                raise _bad(f"poll options length must not exceed {_POLL_OPTION_MAX}")
        if poll_type == "quiz":
            if not correct_ids:
                raise _bad("correct quiz option list must be non-empty")
            if any(a >= b for a, b in itertools.pairwise(correct_ids)):
                raise _bad("correct quiz option list must be increasing")
            if any(not 0 <= index < len(options) for index in correct_ids):
                raise _bad("wrong quiz correct_option_id")
        if chat.type == "channel" and not is_anonymous:
            raise _bad("non-anonymous polls can't be sent to channel chats")
        # Telegram's server checks
        texts = [text for text, _ in options]
        if len(set(texts)) != len(texts):
            raise _bad("POLL_OPTION_DUPLICATE")
        if explanation:
            if len(explanation) > _EXPLANATION_MAX:
                raise _ApiError(400, ERR_EXPLANATION_TOO_LONG)
            if explanation.count("\n") > _EXPLANATION_LINE_FEEDS_MAX:
                raise _ApiError(400, ERR_EXPLANATION_LINE_FEEDS)
        if 0 < open_period < _OPEN_PERIOD_MIN:
            raise _ApiError(400, ERR_OPEN_PERIOD)
        self._check_button_data(markup)
        self._check_not_blocked(chat)
        if open_period:
            close_date = int(time.time()) + open_period
        elif close_date:
            open_period = max(close_date - int(time.time()), 0)
        message = self._bot_message(chat, reply_to)
        poll = _Poll(
            id=str(next(self._poll_ids)),
            chat_id=chat.id,
            message_id=message["message_id"],
            question=question,
            question_entities=question_entities,
            options=texts,
            option_entities=[entities for _, entities in options],
            is_anonymous=is_anonymous,
            type="quiz" if poll_type == "quiz" else "regular",
            allows_multiple_answers=allows_multiple,
            allows_revoting=allows_revoting,
            correct_option_ids=correct_ids,
            explanation=explanation or None,
            explanation_entities=explanation_entities,
            description=description or None,
            description_entities=description_entities,
            open_period=open_period,
            close_date=close_date,
            is_closed=is_closed,
            counts=[0] * len(texts),
        )
        self._polls[poll.id] = poll
        message["poll"] = poll.to_json(self.legacy_correct_option_id)
        return self._finish_bot_message(chat, message, params, markup)

    @_api_method("stopPoll")
    def _api_stop_poll(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = self._reply_markup(params)
        chat = self._resolve_chat(params)
        self._check_access(chat, write=False, edit=True)
        message = self._message_of(chat, params, "message with poll to stop")
        if "poll" not in message:
            raise _bad("message is not a poll")
        if message["message_id"] not in chat.own:
            raise _bad("poll can't be stopped")
        poll = self._polls[message["poll"]["id"]]
        if poll.is_closed:
            raise _bad("poll has already been closed")
        self._check_button_data(markup)
        poll.is_closed = True
        poll_json = self._refresh_poll_message(poll)
        updated = dict(chat.messages[poll.message_id])
        updated.pop("reply_markup", None)
        if markup is not None:
            updated["reply_markup"] = markup
        chat.messages[poll.message_id] = updated
        self._enqueue("poll", poll_json)
        return poll_json

    # -------------------------------------------------------------------------- callbacks

    @_api_method("answerCallbackQuery")
    def _api_answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = _as_text(params.get("callback_query_id"))
        if query_id not in self._open_callback_queries:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        if len(_as_text(params.get("text"))) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        del self._open_callback_queries[query_id]
        self.callback_answers[query_id] = dict(params)
        return True

    # ------------------------------------------------------------------------------ files

    def _new_file(self, uploaded: UploadedFile, prefix: str, folder: str) -> tuple[str, str]:
        number = next(self._file_counter)
        file_id = f"{prefix}AgADAgADFAKE{number:08d}"
        extension = uploaded.filename.rsplit(".", 1)[-1] if "." in uploaded.filename else "bin"
        self._files[file_id] = (uploaded, f"{folder}/file_{number}.{extension}")
        return file_id, f"AQAD{number:08d}"

    def _input_file(self, params: dict[str, Any], name: str) -> UploadedFile | str:
        value = params.get(name)
        if isinstance(value, UploadedFile):
            return value
        if isinstance(value, str) and value:
            if value in self._files:
                return value
            if value.startswith(("http://", "https://")):
                return UploadedFile(value.rsplit("/", 1)[-1] or "file", b"", "application/octet-stream")
            raise _bad("wrong file identifier/HTTP URL specified")
        raise _bad(f"there is no {name} in the request")

    def _caption(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        return self._formatted(
            _as_text(params.get("caption")), params.get("parse_mode"), params.get("caption_entities")
        )

    def _add_caption(self, message: dict[str, Any], caption: str, entities: list[dict[str, Any]]) -> None:
        if caption:
            message["caption"] = caption
            if entities:
                message["caption_entities"] = entities

    def _media_request(
        self, params: dict[str, Any], field: str
    ) -> tuple[Any, str, list[dict[str, Any]], Any, _Chat, Any]:
        """What sendDocument and sendPhoto check alike: the file, caption, markup, chat and reply."""
        source = self._input_file(params, field)
        caption, caption_entities = self._caption(params)
        markup = self._reply_markup(params)
        chat = self._resolve_chat(params)
        self._check_access(chat, write=True)
        reply_to = self._reply_target(chat, params)
        if len(caption) > _CAPTION_MAX:
            raise _bad("message caption is too long")
        return source, caption, caption_entities, markup, chat, reply_to

    @_api_method("sendDocument")
    def _api_send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        source, caption, caption_entities, markup, chat, reply_to = self._media_request(params, "document")
        self._check_button_data(markup)
        self._check_not_blocked(chat)
        if isinstance(source, str):
            uploaded = self._files[source][0]
            file_id, unique_id = source, "AQAD" + source[-8:]
        else:
            uploaded = source
            file_id, unique_id = self._new_file(uploaded, "BQACAgIAAxkBAAI", "documents")
        message = self._bot_message(chat, reply_to)
        message["document"] = {
            "file_name": uploaded.filename,
            "mime_type": uploaded.content_type,
            "file_id": file_id,
            "file_unique_id": unique_id,
            "file_size": len(uploaded.content),
        }
        self._add_caption(message, caption, caption_entities)
        return self._finish_bot_message(chat, message, params, markup)

    @_api_method("sendPhoto")
    def _api_send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        source, caption, caption_entities, markup, chat, reply_to = self._media_request(params, "photo")
        uploaded = self._files[source][0] if isinstance(source, str) else source
        size = _image_size(uploaded.content) if uploaded.content else (800, 600)
        if size is None:
            raise _bad("IMAGE_PROCESS_FAILED")
        self._check_button_data(markup)
        self._check_not_blocked(chat)
        file_id, unique_id = self._new_file(uploaded, "AgACAgIAAxkBAAI", "photos")
        width, height = size
        longest = max(width, height, 1)
        photo: list[dict[str, Any]] = []
        for side in (90, 320, 800, 1280):
            if side >= longest and photo:
                break
            scale = min(side / longest, 1.0)
            photo.append(
                {
                    "file_id": f"{file_id}_{side}",
                    "file_unique_id": f"{unique_id}_{side}",
                    "file_size": max(int(len(uploaded.content) * scale * scale), 1),
                    "width": max(round(width * scale), 1),
                    "height": max(round(height * scale), 1),
                }
            )
        photo[-1]["file_id"], photo[-1]["file_unique_id"] = file_id, unique_id
        message = self._bot_message(chat, reply_to)
        message["photo"] = photo
        self._add_caption(message, caption, caption_entities)
        return self._finish_bot_message(chat, message, params, markup)

    @_api_method("getFile")
    def _api_get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = _as_text(params.get("file_id"))
        if file_id not in self._files:
            raise _bad("wrong file_id or the file is temporarily unavailable")
        uploaded, path = self._files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": "AQAD" + file_id[-8:],
            "file_size": len(uploaded.content),
            "file_path": path,
        }

    # -------------------------------------------------------------------------- chat info

    @_api_method("getChat")
    def _api_get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._resolve_chat(params)
        self._check_access(chat, write=False)
        full = dict(chat.json)
        full.pop("all_members_are_administrators", None)
        if chat.username:
            full["active_usernames"] = [chat.username]
        if chat.type == "private":
            full["can_send_gift"] = True
        if chat.type in ("group", "supergroup"):
            full["permissions"] = {
                "can_send_messages": True,
                "can_send_media_messages": True,
                "can_send_audios": True,
                "can_send_documents": True,
                "can_send_photos": True,
                "can_send_videos": True,
                "can_send_video_notes": True,
                "can_send_voice_notes": True,
                "can_send_polls": True,
                "can_send_other_messages": True,
                "can_add_web_page_previews": True,
                "can_react_to_messages": True,
                "can_edit_tag": False,
                "can_change_info": False,
                "can_invite_users": True,
                "can_pin_messages": False,
                "can_manage_topics": False,
            }
        full["accepted_gift_types"] = {
            "unlimited_gifts": chat.type == "private",
            "limited_gifts": chat.type == "private",
            "unique_gifts": chat.type == "private",
            "premium_subscription": chat.type == "private",
            "gifts_from_channels": chat.type == "private",
        }
        full["max_reaction_count"] = 11
        full["accent_color_id"] = abs(chat.id) % 7
        return full

    def _status_of(self, chat: _Chat, user_id: int) -> str:
        if user_id == self.bot_user["id"]:
            if chat.type == "private":
                return "kicked" if chat.blocked else "member"
            return chat.bot_status
        if chat.type == "private":
            return "member" if user_id == chat.user_id else "left"
        return chat.members.get(user_id, "left")

    @_api_method("getChatAdministrators")
    def _api_get_chat_administrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat = self._resolve_chat(params)
        if chat.type == "private":
            raise _bad("there are no administrators in the private chat")
        self._check_access(chat, write=False)
        admins = []
        ranked = sorted(chat.members.items(), key=lambda item: item[1] != "creator")
        for user_id, status in ranked:
            if status in ("creator", "administrator"):
                admins.append(self._member_json(chat, self._users[user_id], status))
        if chat.bot_status == "administrator":
            admins.append(self._member_json(chat, self.bot_user, "administrator"))
        return admins

    @_api_method("getChatMember")
    def _api_get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._resolve_chat(params)
        self._check_access(chat, write=False)
        user_id = _to_int(params.get("user_id"))
        if user_id <= 0:
            raise _bad("invalid user_id specified")
        user = self._users.get(user_id)
        if user is None:
            raise _bad("user not found")
        if user_id == self.bot_user["id"]:
            user = self.bot_user
        return self._member_json(chat, user, self._status_of(chat, user_id))

    @_api_method("getChatMemberCount")
    def _api_get_chat_member_count(self, params: dict[str, Any]) -> int:
        chat = self._resolve_chat(params)
        self._check_access(chat, write=False)
        if chat.type == "private":
            return 2
        members = sum(1 for status in chat.members.values() if status not in ("left", "kicked"))
        return members + (1 if chat.bot_status in ("member", "administrator") else 0)
