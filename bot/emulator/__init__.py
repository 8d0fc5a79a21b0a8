"""The Bot API emulator: a local Telegram Bot API serving the methods studybot calls.

It serves ``python -m bot console``, the tests and the benchmarks, in one of two ways:

- in process (:meth:`FakeBotAPI.attach` in the running loop, with
  :class:`bot.emulator.inprocess.EmulatorRequest` as the bot's PTB ``BaseRequest``): no port is
  opened; the console does this;
- over HTTP (:meth:`FakeBotAPI.start`): an aiohttp server on ``127.0.0.1`` (random free port) in a
  background thread with its own event loop, for in-process async tests (a real PTB
  ``Application`` doing long polling) as well as a ``python -m bot`` subprocess pointed at it
  through PTB's ``base_url``.  Requests arrive at ``{base_url}{token}/{method}``.

It answers like Telegram does: real Telegram JSON objects inside the ``{"ok": true, "result": ...}``
envelope, and errors as ``{"ok": false, "error_code": 400, "description": "Bad Request: ..."}``
with the descriptions Telegram's Bot API server (tdlib/telegram-bot-api) and TDLib produce.
Where a check is made by Telegram's MTProto servers (whose code is not public) the description
is the documented MTProto error name (``BUTTON_DATA_INVALID`` ...) or, where even that is
unknown, a clearly marked best guess (see ``UNCONFIRMED_DESCRIPTIONS``).

Only the Bot API methods the bot calls are served (see :mod:`bot.emulator.methods`); any other
is answered ``404 Not Found`` like an unknown method, so a new call in the bot needs its method
added here, with Telegram's checks.

Request parameters are decoded the way PTB encodes them (see ``telegram/request``): form data,
url-encoded or multipart, where every non-string value is JSON-encoded.  ``requests`` /
``calls()`` show them decoded back to Python values.

All state is guarded by one lock; helpers that create incoming updates (``send_text``,
``press_button`` ...) may be called from any thread.

The package, by concern: ``wire`` (parameter decoding, error envelopes), ``formatting`` (HTML
parse mode and entities), ``state`` (users, chats, messages, polls and the JSON built from them),
``server`` (HTTP, dispatch, recording, faults, long polling), ``simulation`` (what a test sets up,
makes users do and inspects) and ``methods`` (the Bot API methods, and :class:`FakeBotAPI`).
"""

from bot.emulator.methods import (
    ERR_EXPLANATION_LINE_FEEDS,
    ERR_EXPLANATION_TOO_LONG,
    ERR_OPEN_PERIOD,
    UNCONFIRMED_DESCRIPTIONS,
    FakeBotAPI,
)
from bot.emulator.state import GROUP_ANONYMOUS_BOT_ID, Call, UploadedFile

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
