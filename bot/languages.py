"""The languages the bot speaks, and how people and Telegram name them.

A language is a plain code (``en``, ``hi``) everywhere: in the store, the settings and every
function that renders text.
"""

from __future__ import annotations

#: The languages a chat can choose, in the order /language offers them.
LANGUAGES = ("en", "hi")
ENGLISH = "en"
HINDI = "hi"

#: What people type after /language, folded: codes, names in English and in Hindi.
_NAMES = {
    "en": ENGLISH,
    "eng": ENGLISH,
    "english": ENGLISH,
    "अंग्रेज़ी": ENGLISH,
    "अंग्रेजी": ENGLISH,
    "hi": HINDI,
    "hin": HINDI,
    "hindi": HINDI,
    "हिन्दी": HINDI,
    "हिंदी": HINDI,
}


def parse_language(text: str) -> str | None:
    """The language a user named (``hi``, ``Hindi``, ``हिन्दी``, ``en``, ``English`` …), else None."""
    return _NAMES.get(" ".join(text.split()).casefold())


def from_language_code(code: str | None) -> str | None:
    """The bot's language for a Telegram user's ``language_code`` (an IETF tag such as ``hi`` or
    ``hi-IN``) when the bot speaks it and it is not English; None otherwise."""
    if not code:
        return None
    primary = code.replace("_", "-").split("-", 1)[0].casefold()
    return HINDI if primary == HINDI else None
