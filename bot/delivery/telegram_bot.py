"""PTB's ExtBot, remembering which button presses it has already answered.

Telegram takes one answer per callback query; a second is refused ("query is too old"). The
error handler asks ``was_answered`` so that a press whose handler failed after answering is not
answered twice.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from telegram.ext import ExtBot

#: How many recent answered presses are remembered (a press is handled within seconds).
_REMEMBERED = 1024


class StudyBot(ExtBot[Any]):
    __slots__ = ("_answered",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answered: OrderedDict[str, None] = OrderedDict()

    async def answer_callback_query(self, callback_query_id: str, *args: Any, **kwargs: Any) -> bool:
        # Remembered before the call: a failed answer is not worth a second try either.
        self._answered[callback_query_id] = None
        while len(self._answered) > _REMEMBERED:
            self._answered.popitem(last=False)
        return await super().answer_callback_query(callback_query_id, *args, **kwargs)

    def was_answered(self, callback_query_id: str) -> bool:
        """True once ``answer_callback_query`` was called for this press."""
        return callback_query_id in self._answered
