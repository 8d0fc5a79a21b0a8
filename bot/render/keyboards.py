"""Every inline keyboard the bot sends. Callback data comes from ``bot.render.callbacks`` only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urlencode

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.helpers import create_deep_linked_url

from bot.content.models import Topic
from bot.languages import LANGUAGES
from bot.render import callbacks
from bot.render.texts import t, tn
from bot.services.chat_settings import PUSH_SIZES
from bot.services.stats import TopicStats
from bot.storage.repository import ChatRecord

#: The deep link (``/start stats_all``) that shows a group member's figures over every chat privately.
STATS_ALL_PAYLOAD = "stats_all"
#: The push times offered as buttons in /settings.
SETTINGS_TIMES = ("06:00", "07:00", "08:00", "21:00")


def _button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


def _one(label: str, data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(label, data)]])


def topic_buttons(
    topics: Sequence[Topic], encode: Callable[[str], str] = callbacks.topic_page, per_row: int = 2
) -> InlineKeyboardMarkup:
    """A button per topic; ``encode`` says what pressing one does (page, fact, quiz, test …)."""
    buttons = [_button(x.short_title, encode(x.id)) for x in topics]
    return InlineKeyboardMarkup([buttons[i : i + per_row] for i in range(0, len(buttons), per_row)])


def topic_actions(topic_id: str, lang: str, share: str | None = None) -> InlineKeyboardMarkup:
    """Under a fact or a topic page: another fact, or a quiz, on that topic; with ``share``, a
    Share button that opens inline mode in a chat the student picks, with ``share`` as the query."""
    rows = [
        [
            _button(t("button.fact", lang), callbacks.fact(topic_id)),
            _button(t("button.quiz", lang), callbacks.quiz(topic_id)),
        ]
    ]
    if share is not None:
        rows.append([InlineKeyboardButton(t("button.share", lang), switch_inline_query=share)])
    return InlineKeyboardMarkup(rows)


def quiz_me(bot_username: str, topic_id: str, lang: str) -> InlineKeyboardMarkup:
    """Under an inline result: open the bot's private chat with a quiz on the fact's topic."""
    url = create_deep_linked_url(bot_username, f"{DeepLink.QUIZ}{topic_id}")
    return InlineKeyboardMarkup([[InlineKeyboardButton(t("button.quiz_me_on_this", lang), url=url)]])


class DeepLink:
    """``t.me/<bot>?start=<prefix><id>`` payloads the bot understands (besides the commands'
    names: ``review``, ``test_<topic>`` …)."""

    TOPIC = "topic_"
    QUIZ = "quiz_"
    QUESTION = "q_"


def next_question(topic: Topic | None, lang: str) -> InlineKeyboardMarkup:
    """After an answer in a private chat: another question on the same topic (unless a reload
    dropped it), or on any."""
    row = [_button(t("button.next_any", lang), callbacks.quiz(callbacks.ALL))]
    if topic is not None:
        row.insert(0, _button(t("button.next_same", lang, title=topic.short_title), callbacks.quiz(topic.id)))
    return InlineKeyboardMarkup([row])


def topic_page(
    topic: Topic, related: Sequence[Topic], lang: str, *, with_summary: bool = False
) -> InlineKeyboardMarkup:
    """Under a study page: "Read the summary" (until it is shown), a fact or a quiz on the topic,
    and a button per related topic that opens its page."""
    rows: list[list[InlineKeyboardButton]] = []
    if not with_summary:
        rows.append([_button(t("button.read_summary", lang), callbacks.topic_summary(topic.id))])
    rows += [list(row) for row in topic_actions(topic.id, lang, share=topic.id).inline_keyboard]
    links = [_button(t("button.related", lang, title=x.short_title), callbacks.topic_page(x.id)) for x in related]
    rows += [links[i : i + 2] for i in range(0, len(links), 2)]
    return InlineKeyboardMarkup(rows)


def start(lang: str) -> InlineKeyboardMarkup:
    """/start's four first steps: a quiz, a fact, the topics, and the daily quiz (subscribes)."""
    return InlineKeyboardMarkup(
        [
            [
                _button(t("button.quiz_me", lang), callbacks.quiz(callbacks.ALL)),
                _button(t("button.todays_fact", lang), callbacks.fact(callbacks.ALL)),
            ],
            [
                _button(t("button.topics", lang), callbacks.topics_list()),
                _button(t("button.daily_quiz", lang), callbacks.subscribe(callbacks.ALL)),
            ],
        ]
    )


def settings(chat: ChatRecord, push_time: str, lang: str) -> InlineKeyboardMarkup:
    """(Un)subscribe, pause or resume, a few push times and the push's size; the current
    time and size are ticked."""
    first = (
        _button(t("button.unsubscribe", lang), callbacks.setting("unsub"))
        if chat.subscribed
        else _button(t("button.subscribe", lang), callbacks.setting("sub"))
    )
    second = (
        _button(t("button.resume", lang), callbacks.setting("resume"))
        if chat.paused_until
        else _button(t("button.pause_week", lang), callbacks.setting("pause7"))
    )
    times = [_button(_ticked(h, h == push_time), callbacks.setting(f"time:{h}")) for h in SETTINGS_TIMES]
    sizes = [
        _button(_ticked(tn("count.question", n, lang), n == chat.push_size), callbacks.setting(f"size:{n}"))
        for n in PUSH_SIZES
    ]
    choices = language_row(lang, lambda code: callbacks.setting(f"lang:{code}"))
    return InlineKeyboardMarkup([[first, second], times, sizes, choices])


def language_row(current: str, encode: Callable[[str], str]) -> list[InlineKeyboardButton]:
    """A button per language, named in that language (whoever reads it finds their own), the
    current one ticked."""
    return [_button(_ticked(t(f"language.name.{code}", code), code == current), encode(code)) for code in LANGUAGES]


def languages(current: str) -> InlineKeyboardMarkup:
    """/language's buttons: **English** / **हिन्दी**, the chat's current language ticked."""
    return InlineKeyboardMarkup([language_row(current, callbacks.language)])


def _ticked(label: str, current: bool) -> str:
    return f"✓ {label}" if current else label


def timezones(zones: Sequence[str]) -> InlineKeyboardMarkup:
    """One button per suggested zone."""
    return InlineKeyboardMarkup([[_button(z, callbacks.timezone(z))] for z in zones])


def private_link(username: str | None, payload: str, lang: str) -> InlineKeyboardMarkup:
    """A button that opens the private chat and runs ``payload`` there (``/start <payload>``)."""
    url = create_deep_linked_url(username or "", payload)
    return InlineKeyboardMarkup([[InlineKeyboardButton(t("button.open_private", lang), url=url)]])


def mistakes(index: int, total: int, topic_id: str, lang: str) -> InlineKeyboardMarkup:
    """Newer/older arrows where there are neighbours, and a quiz on the mistake's topic."""
    arrows = []
    if index > 0:
        arrows.append(_button(t("button.newer", lang), callbacks.mistake_page(index - 1)))
    if index + 1 < total:
        arrows.append(_button(t("button.older", lang), callbacks.mistake_page(index + 1)))
    practise = [_button(t("button.practise_topic", lang), callbacks.weak_topic(topic_id))]
    return InlineKeyboardMarkup([arrows, practise] if arrows else [practise])


def mains(prompt_id: str | None, lang: str) -> InlineKeyboardMarkup:
    """The key-points button (until pressed) and one for another prompt."""
    rows = []
    if prompt_id is not None:
        rows.append([_button(t("button.key_points", lang), callbacks.mains_key_points(prompt_id))])
    rows.append([_button(t("button.another_prompt", lang), callbacks.mains_another(callbacks.ALL))])
    return InlineKeyboardMarkup(rows)


def stats(
    topics: Sequence[TopicStats], lang: str, *, everywhere: bool, private: bool, username: str | None
) -> InlineKeyboardMarkup:
    """Under /stats: the weak topics to practise, and the switch between this chat and all chats
    (in a group it opens the private chat, where figures over every chat belong)."""
    weak = practise(topics, lang)
    rows = [list(row) for row in weak.inline_keyboard] if weak is not None else []
    if not private:
        url = create_deep_linked_url(username or "", STATS_ALL_PAYLOAD)
        rows.append([InlineKeyboardButton(t("button.stats_all_private", lang), url=url)])
    elif everywhere:
        rows.append([_button(t("button.stats_here", lang), callbacks.stats_view(False))])
    else:
        rows.append([_button(t("button.stats_all", lang), callbacks.stats_view(True))])
    return InlineKeyboardMarkup(rows)


def practise(topics: Sequence[TopicStats], lang: str) -> InlineKeyboardMarkup | None:
    """A button per weak topic on /stats; each sends a quiz on it."""
    if not topics:
        return None
    rows = [
        [_button(t("button.practise", lang, title=x.short_title or x.title), callbacks.weak_topic(x.topic_id))]
        for x in topics
    ]
    return InlineKeyboardMarkup(rows)


def forget(lang: str) -> InlineKeyboardMarkup:
    """The confirmation /forget asks for before deleting anything."""
    return InlineKeyboardMarkup(
        [
            [
                _button(t("button.forget_yes", lang), callbacks.forget(True)),
                _button(t("button.forget_no", lang), callbacks.forget(False)),
            ]
        ]
    )


def review_more(lang: str) -> InlineKeyboardMarkup:
    """The button under "N more due" that starts the next session."""
    return _one(t("button.review_more", lang), callbacks.review_more())


def test_quit(lang: str) -> InlineKeyboardMarkup:
    """The button that gives up a running mock test."""
    return _one(t("button.test_quit", lang), callbacks.test_quit())


def test_again(topic_id: str | None, lang: str, share: InlineKeyboardButton | None = None) -> InlineKeyboardMarkup:
    """Under a result card: another test on the same scope, and passing the result on."""
    again = _button(t("button.test_again", lang), callbacks.test_start(topic_id or callbacks.ALL))
    return InlineKeyboardMarkup([[again], [share]] if share else [[again]])


def share_button(bot_username: str, text: str, lang: str) -> InlineKeyboardButton:
    """Telegram's own share sheet with ``text`` and a link to the bot: no inline mode needed."""
    link = create_deep_linked_url(bot_username, "shared")
    return InlineKeyboardButton(
        t("button.share", lang), url=f"https://t.me/share/url?{urlencode({'url': link, 'text': text})}"
    )


def with_share(keyboard: InlineKeyboardMarkup | None, share: InlineKeyboardButton) -> InlineKeyboardMarkup:
    """``keyboard`` with a share button as its last row."""
    rows = [list(row) for row in keyboard.inline_keyboard] if keyboard else []
    return InlineKeyboardMarkup([*rows, [share]])


def broadcast_preview(broadcast_id: int, lang: str) -> InlineKeyboardMarkup:
    """Under an operator's broadcast preview: send it, or not."""
    return InlineKeyboardMarkup(
        [
            [
                _button(t("button.broadcast_confirm", lang), callbacks.broadcast_confirm(broadcast_id)),
                _button(t("button.broadcast_cancel", lang), callbacks.broadcast_cancel(broadcast_id)),
            ]
        ]
    )
