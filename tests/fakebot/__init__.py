"""The Bot API emulator under its old name: it lives in :mod:`bot.emulator` now (it serves the
console too); tests keep importing ``from tests.fakebot import FakeBotAPI, Call``."""

from bot.emulator import (
    ERR_EXPLANATION_LINE_FEEDS,
    ERR_EXPLANATION_TOO_LONG,
    ERR_OPEN_PERIOD,
    GROUP_ANONYMOUS_BOT_ID,
    UNCONFIRMED_DESCRIPTIONS,
    Call,
    FakeBotAPI,
    UploadedFile,
)

__all__ = [
    "ERR_EXPLANATION_LINE_FEEDS",
    "ERR_EXPLANATION_TOO_LONG",
    "ERR_OPEN_PERIOD",
    "GROUP_ANONYMOUS_BOT_ID",
    "UNCONFIRMED_DESCRIPTIONS",
    "Call",
    "FakeBotAPI",
    "UploadedFile",
]
