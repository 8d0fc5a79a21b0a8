"""Text as Telegram stores it: HTML parse mode, explicit entities, trimming and detected entities.

``parse_html`` is a port of TDLib's parse_html (td/telegram/MessageEntity.cpp), error messages
included; ``finish_text`` trims like TDLib and adds the entities Telegram detects by itself.
"""

from __future__ import annotations

import re
from typing import Any

from bot.emulator.wire import as_text, bad, to_int, utf16_len

# ---------------------------------------------------------------------------- HTML parse mode

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


class ParseError(Exception):
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


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
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
                raise ParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            tag = text[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise ParseError(f'Unsupported start tag "{tag}" at byte offset {byte_offset(begin)}')
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
                    raise ParseError(f'Empty attribute name in the tag "{tag}" at byte offset {byte_offset(begin)}')
                while i < n and at(i) in _TD_SPACES:
                    i += 1
                if at(i) != "=":
                    if i >= n:
                        raise ParseError(f'Unclosed start tag "{tag}" at byte offset {byte_offset(begin)}')
                    if tag == "blockquote" and attr_name == "expandable":
                        argument = "1"
                    continue
                i += 1
                while i < n and at(i) in _TD_SPACES:
                    i += 1
                if i >= n:
                    raise ParseError(f'Unclosed start tag "{tag}" at byte offset {byte_offset(begin)}')
                if at(i) not in "'\"":
                    token_begin = i
                    while (at(i).isascii() and at(i).isalnum()) or at(i) in ".-":
                        i += 1
                    value = text[token_begin:i].lower()
                    if at(i) not in _TD_SPACES and at(i) != ">":
                        raise ParseError(f"Unexpected end of name token at byte offset {byte_offset(token_begin)}")
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
                    raise ParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
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
                raise ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}')
            nested.append((tag, argument, utf16))
            i += 1  # skip '>'
            continue
        # an end tag
        if not nested:
            raise ParseError(f"Unexpected end tag at byte offset {byte_offset(begin)}")
        while at(i) not in _TD_SPACES and at(i) != ">":
            i += 1
        end_tag = text[begin + 2 : i].lower()
        while i < n and at(i) in _TD_SPACES:
            i += 1
        if at(i) != ">":
            raise ParseError(f"Unclosed end tag at byte offset {byte_offset(begin)}")
        tag, argument, offset = nested[-1]
        if end_tag and end_tag != tag:
            raise ParseError(
                f'Unmatched end tag at byte offset {byte_offset(begin)}, expected "</{tag}>", found "</{end_tag}>"'
            )
        if utf16 > offset:
            _add_html_entity(entities, tag, argument, offset, utf16 - offset, "".join(out), utf16)
        nested.pop()
        i += 1  # skip '>'
    if nested:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{nested[-1][0]}"')
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
            raise ParseError("Invalid custom emoji identifier specified")
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


def finish_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trims the text like TDLib does, adds automatically detected entities and sorts them."""
    left = len(text) - len(text.lstrip())
    stripped = text.strip()
    if left or len(stripped) != len(text):
        shift = utf16_len(text[:left])
        total = utf16_len(stripped)
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
                start = utf16_len(text[: match.start()])
                length = utf16_len(match.group())
                if any(start < b_end and b_start < start + length for b_start, b_end in blocked):
                    continue
                entities.append({"offset": start, "length": length, "type": kind})
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return text, entities


# ------------------------------------------------------------------ formatted text


def formatted(text: str, parse_mode: Any, entities: Any, *, trim: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """get_formatted_text: applies parse_mode (HTML) or explicit entities."""
    if len(text.encode("utf-8")) > (1 << 15):
        raise bad("text is too long")
    mode = as_text(parse_mode).lower()
    parsed: list[dict[str, Any]] = []
    if text and mode and mode != "none":
        if mode == "html":
            try:
                text, parsed = parse_html(text)
            except ParseError as exc:
                raise bad(f"can't parse entities: {exc}") from None
        elif mode not in ("markdown", "markdownv2"):
            raise bad("unsupported parse_mode")
    elif isinstance(entities, list):
        total = utf16_len(text)
        for entity in entities:
            if not isinstance(entity, dict) or not isinstance(entity.get("type"), str):
                raise bad('can\'t parse MessageEntity: Field "type" must be of type String')
            offset, length = to_int(entity.get("offset")), to_int(entity.get("length"))
            if offset < 0 or length <= 0 or offset + length > total:
                continue
            parsed.append({**entity, "offset": offset, "length": length})
    if not trim:
        return text, parsed
    return finish_text(text, parsed)
