"""What the console shows: Telegram's JSON (messages, polls, buttons) as terminal text.

Formatting comes from the message's entities, as Telegram's apps draw it: bold, italics, underline
and strikethrough as ANSI styles on a terminal (nothing when piped), a link as ``text (url)``.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Any

from bot.render.texts import t

#: ANSI on/off codes per entity type (the off codes leave other styles alone, so they nest).
_ANSI: dict[str, tuple[str, str]] = {
    "bold": ("\x1b[1m", "\x1b[22m"),
    "italic": ("\x1b[3m", "\x1b[23m"),
    "underline": ("\x1b[4m", "\x1b[24m"),
    "strikethrough": ("\x1b[9m", "\x1b[29m"),
}
DIM = ("\x1b[2m", "\x1b[22m")
LETTERS = string.ascii_lowercase


def styled(text: str, entities: Sequence[Mapping[str, Any]], ansi: bool) -> str:
    """``text`` with its entities drawn; offsets and lengths count UTF-16 code units, as Telegram's do."""
    units = text.encode("utf-16-le")
    opens: dict[int, list[str]] = {}
    closes: dict[int, list[str]] = {}
    for entity in entities:
        start = int(entity["offset"])
        end = start + int(entity["length"])
        kind = str(entity["type"])
        if kind == "text_link":
            closes.setdefault(end, []).append(f" ({entity.get('url', '')})")
        elif ansi and kind in _ANSI:
            on, off = _ANSI[kind]
            opens.setdefault(start, []).append(on)
            closes.setdefault(end, []).insert(0, off)
    cuts = sorted({0, len(units) // 2, *opens, *closes})
    parts: list[str] = []
    for index, at in enumerate(cuts):
        parts.extend(closes.get(at, []))
        parts.extend(opens.get(at, []))
        if index + 1 < len(cuts):
            parts.append(units[at * 2 : cuts[index + 1] * 2].decode("utf-16-le"))
    return "".join(parts)


def dim(text: str, ansi: bool) -> str:
    """A console remark (not something the bot sent): faint on a terminal."""
    return f"{DIM[0]}{text}{DIM[1]}" if ansi else text


def buttons(markup: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The inline buttons of a message, row after row: the order their letters follow."""
    rows = (markup or {}).get("inline_keyboard") or []
    return [dict(button) for row in rows for button in row]


def keyboard_lines(markup: Mapping[str, Any] | None) -> list[str]:
    """``[a] label   [b] label``, a line per row of buttons."""
    lines: list[str] = []
    index = 0
    for row in (markup or {}).get("inline_keyboard") or []:
        cells = []
        for button in row:
            letter = LETTERS[index] if index < len(LETTERS) else "?"
            label = str(button.get("text", ""))
            cells.append(f"[{letter}] {label}{' ↗' if 'url' in button else ''}")
            index += 1
        lines.append("   ".join(cells))
    return lines


def poll_lines(
    poll: Mapping[str, Any], ansi: bool, chosen: Sequence[int] | None = None, *, hint: bool = True
) -> list[str]:
    """A poll as its question and ``1) option`` lines; once answered (``chosen``), a quiz marks the
    correct option and the chosen one and shows its explanation, as Telegram's apps do."""
    is_quiz = poll.get("type") == "quiz"
    if is_quiz:
        kind = t("console.anonymous_quiz") if poll.get("is_anonymous") else t("console.quiz")
    else:
        kind = t("console.regular_poll")
    question = styled(str(poll.get("question", "")), poll.get("question_entities") or [], ansi)
    lines = [t("console.poll", kind=kind, question=question)]
    if poll.get("description"):
        lines.append(styled(str(poll["description"]), poll.get("description_entities") or [], ansi))
    correct = set(poll.get("correct_option_ids") or [])
    for index, option in enumerate(poll.get("options") or []):
        text = styled(str(option.get("text", "")), option.get("text_entities") or [], ansi)
        line = f"  {index + 1}) {text}"
        if chosen is not None:
            marks = []
            if is_quiz and index in correct:
                marks.append(t("console.correct_mark"))
            if index in chosen:
                marks.append(t("console.chosen_mark"))
            if marks:
                line += "   " + "  ".join(marks)
        lines.append(line)
    if chosen is None and hint:
        lines.append(dim(t("console.answer_hint"), ansi))
    if chosen is not None and is_quiz and poll.get("explanation"):
        explanation = styled(str(poll["explanation"]), poll.get("explanation_entities") or [], ansi)
        lines.append(t("console.explanation", text=explanation))
    return lines


def message_lines(message: Mapping[str, Any], ansi: bool, *, saved_to: str | None = None) -> list[str]:
    """A message the bot sent: its text (or caption, photo, file, poll), then its buttons."""
    lines: list[str] = []
    caption = styled(str(message.get("caption", "")), message.get("caption_entities") or [], ansi)
    if "poll" in message:
        lines.extend(poll_lines(message["poll"], ansi))
    elif "photo" in message:
        lines.append(t("console.photo", caption=caption or "—", path=saved_to or "?"))
    elif "document" in message:
        name = str(message["document"].get("file_name", "file"))
        lines.append(t("console.document", name=name, caption=caption or "—", path=saved_to or "?"))
    elif "text" in message:
        lines.extend(styled(str(message["text"]), message.get("entities") or [], ansi).split("\n"))
    lines.extend(keyboard_lines(message.get("reply_markup")))
    return lines
