"""Every callback datum the bot puts on a button, and the way back: one prefix per action.

A button's data is ``<prefix>:<value>``; each action has an encoder here, ``decode`` reads any of
them back, and handlers are registered by ``pattern(...)`` of the actions they take. Telegram
caps callback data at 64 bytes, which ``encode`` enforces.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

from telegram.constants import InlineKeyboardButtonLimit

from bot.services.study import ALL_TOPICS

#: "Any topic" in a topic-valued datum: the rotation's own word for it.
ALL = ALL_TOPICS
#: What a topic button does when pressed: the datum for a topic id.
Encoder = Callable[[str], str]


class Action(StrEnum):
    TOPIC_PAGE = "page"
    #: Unfold a study page: the summary edited in below the takeaways.
    TOPIC_SUMMARY = "sum"
    #: The topic buttons (from /start's "Topics"); its value is ``ALL``.
    TOPICS = "tl"
    FACT = "fact"
    QUIZ = "quiz"
    SETTING = "set"
    SUBSCRIBE = "sub"
    TIMEZONE = "tz"
    REVIEW = "rv"
    MISTAKES = "mk"
    TEST = "ts"
    MAINS = "mn"
    FORGET = "fg"
    WEAK_TOPIC = "wk"
    #: /stats' view: ``all`` (every chat) or ``here`` (this chat).
    STATS = "st"
    BROADCAST = "bc"
    #: /language's buttons: the chosen language's code.
    LANGUAGE = "lang"


@dataclass(frozen=True)
class Pressed:
    """A decoded button press: its action and the rest of its datum."""

    action: Action
    value: str

    def split(self) -> tuple[str, str]:
        """``"go:topic"`` → ``("go", "topic")``, for actions with a verb."""
        verb, _, rest = self.value.partition(":")
        return verb, rest


def encode(action: Action, value: str) -> str:
    data = f"{action.value}:{value}"
    if len(data.encode()) > InlineKeyboardButtonLimit.MAX_CALLBACK_DATA:
        raise ValueError(f"callback data {data!r} is over Telegram's 64 bytes")
    return data


def decode(data: str | None) -> Pressed | None:
    """The press a datum stands for; None for data no button of ours carries."""
    if not data:
        return None
    prefix, sep, value = data.partition(":")
    try:
        action = Action(prefix)
    except ValueError:
        return None
    return Pressed(action, value) if sep else None


def pattern(*actions: Action) -> re.Pattern[str]:
    """The regex a CallbackQueryHandler uses to take the presses of ``actions``."""
    return re.compile("^(" + "|".join(re.escape(a.value) for a in actions) + "):")


# --- one encoder per button ------------------------------------------------------------------------
# Buttons whose datum is their action and one value.
topic_page: Encoder = partial(encode, Action.TOPIC_PAGE)
topic_summary: Encoder = partial(encode, Action.TOPIC_SUMMARY)
fact: Encoder = partial(encode, Action.FACT)
quiz: Encoder = partial(encode, Action.QUIZ)
#: ``sub``, ``unsub``, ``pause7``, ``resume``, ``time:HH:MM``, ``size:N`` or ``lang:<code>``.
setting: Encoder = partial(encode, Action.SETTING)
subscribe: Encoder = partial(encode, Action.SUBSCRIBE)
timezone: Encoder = partial(encode, Action.TIMEZONE)
weak_topic: Encoder = partial(encode, Action.WEAK_TOPIC)
#: A language's code, from /language's buttons (``set:lang:<code>`` is /settings' own).
language: Encoder = partial(encode, Action.LANGUAGE)


def stats_view(everywhere: bool) -> str:
    return encode(Action.STATS, "all" if everywhere else "here")


def topics_list() -> str:
    return encode(Action.TOPICS, ALL)


def review_more() -> str:
    return encode(Action.REVIEW, "go")


def mistake_page(index: int) -> str:
    return encode(Action.MISTAKES, str(index))


def test_start(topic_id: str) -> str:
    return encode(Action.TEST, f"go:{topic_id}")


def test_quit() -> str:
    return encode(Action.TEST, "quit")


def mains_another(topic_id: str) -> str:
    return encode(Action.MAINS, f"go:{topic_id}")


def mains_key_points(prompt_id: str) -> str:
    return encode(Action.MAINS, f"key:{prompt_id}")


def forget(confirmed: bool) -> str:
    return encode(Action.FORGET, "yes" if confirmed else "no")


def broadcast_confirm(broadcast_id: int) -> str:
    return encode(Action.BROADCAST, f"go:{broadcast_id}")


def broadcast_cancel(broadcast_id: int) -> str:
    return encode(Action.BROADCAST, f"no:{broadcast_id}")
