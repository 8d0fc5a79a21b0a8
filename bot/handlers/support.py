"""What several handlers share: replies and edits, the group cooldown, channel confirmations,
topic resolution, and sending a fact or a quiz on request.

Handlers import this module (and ``permissions``), never each other.
"""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import suppress

from telegram import CallbackQuery, Chat, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError

from bot.content.twins import twin
from bot.context import StudyContext
from bot.delivery.sender import send_fact, send_quiz
from bot.delivery.sessions import send_ranking, start_session
from bot.handlers.permissions import can_change_settings
from bot.languages import from_language_code
from bot.render import callbacks, keyboards
from bot.render.messages import escape, visible_text
from bot.render.texts import t
from bot.services.parsing import parse_int
from bot.services.quiz_session import MAX_SIZE as MAX_SESSION
from bot.services.quiz_session import MIN_SIZE as MIN_SESSION
from bot.storage.faults import is_store_fault
from bot.storage.repository import ChatRecord

log = logging.getLogger(__name__)

#: Words after /quiz or /test that end a group's quiz session (and give up a private mock test).
SESSION_STOP_WORDS = frozenset({"stop", "quit", "cancel"})
#: Longest command argument read; anything longer gets a friendly "too long".
MAX_ARGUMENT_LENGTH = 200
#: The bot's confirmations of admin commands in a channel are removed after this long.
CHANNEL_CONFIRMATION_TTL = dt.timedelta(minutes=2)
#: A settings keyboard posted in a channel is removed after this long, or once it is used.
CHANNEL_SETTINGS_TTL = dt.timedelta(minutes=5)


# --- the update ------------------------------------------------------------------------------------
def argument(context: StudyContext) -> str:
    return " ".join(context.args or []).strip()


def is_private(chat: Chat | None) -> bool:
    return chat is not None and chat.type == Chat.PRIVATE


def is_group(chat: Chat | None) -> bool:
    return chat is not None and chat.type in (Chat.GROUP, Chat.SUPERGROUP)


async def chat_record(update: Update, context: StudyContext) -> ChatRecord | None:
    chat = update.effective_chat
    return await context.app.chat_settings.get(chat.id) if chat else None


async def chat_language(update: Update, context: StudyContext) -> str:
    """The language of the chat the update came from, read once per update; for an update
    without a chat (a poll answer, an inline query) the user's private chat's."""
    if context.language is None:
        chat, user = update.effective_chat, update.effective_user
        chat_id = chat.id if chat is not None else user.id if user is not None else None
        ctx = context.app
        record = await ctx.chat_settings.get(chat_id) if chat_id is not None else None
        context.language = ctx.chat_settings.language(record)
    return context.language


async def remember(update: Update, context: StudyContext) -> None:
    """Keep the chat and the user who wrote on record (runs before every other handler)."""
    chats = context.app.chat_settings
    chat = update.effective_chat
    message = update.effective_message
    if update.callback_query is not None and update.callback_query.data == callbacks.forget(True):
        return  # "delete everything" must not record the one who asks for it again
    try:
        # The group that says it became a supergroup is gone: its row moves, it is not made anew.
        user = update.effective_user
        if chat is not None and not (message is not None and message.migrate_to_chat_id):
            # A private chat starts in its user's Telegram language when the bot speaks it.
            starts_in = from_language_code(user.language_code) if user is not None and is_private(chat) else None
            await chats.record_chat(chat.id, chat.type, chat.title or chat.full_name, chat.username, starts_in)
        if user is not None and not user.is_bot:
            await chats.record_user(user.id, user.first_name, user.username)
    except Exception as exc:
        if not is_store_fault(exc):
            raise
        # A record made again at the next update: the handler after this one still answers (and
        # says so if it cannot save either), rather than the user getting two apologies.
        log.warning("could not record chat and user (%s)", exc)


async def unknown_command(update: Update, context: StudyContext) -> None:
    """The ordinary reply to a command we do not have, unless it was meant for another bot in a
    group. The operator commands give exactly this to anyone not in ADMIN_IDS."""
    message = update.effective_message
    if message is None or not message.text:
        return
    first_word = message.text.split(maxsplit=1)[0]
    _, _, addressee = first_word.partition("@")
    if addressee and addressee.casefold() != (context.bot.username or "").casefold():
        return
    if not is_private(update.effective_chat) and not addressee:
        return  # in a group, a bare /unknown may belong to another bot: stay quiet
    await reply(update, t("error.unknown_command", await chat_language(update, context)))


# --- replies ---------------------------------------------------------------------------------------
async def reply(
    update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None, *, silent: bool = False
) -> Message | None:
    """Answer in the chat the update came from (private chat, group or channel); ``silent``
    sends without a notification."""
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_text(text, reply_markup=keyboard, do_quote=False, disable_notification=silent)


def pressed_message(query: CallbackQuery) -> Message | None:
    """The message a button was pressed under, while the bot can still edit it; None for an
    inaccessible one (deleted, or older than 48 hours: PTB 22.8 parses it as a Message dated 0)
    and for an inline message."""
    message = query.message
    return message if isinstance(message, Message) and message.is_accessible else None


def is_stale_press(update: object) -> bool:
    """A press to refuse whatever its data says, forged: in a private chat by someone other than its
    user (nobody else sees that chat), under a message a person wrote, or under one with neither
    buttons nor text (a poll): no button of ours was ever there. Telegram sends the message as it
    is now."""
    if not isinstance(update, Update) or update.callback_query is None:
        return False
    query = update.callback_query
    chat = query.message.chat if query.message is not None else None
    if chat is not None and chat.type == Chat.PRIVATE and chat.id != query.from_user.id:
        return True
    message = pressed_message(query)
    if message is None:
        return False
    if message.from_user is not None and not message.from_user.is_bot:
        return True  # a person's own message: no button of ours is ever under one
    return message.reply_markup is None and message.text is None


def _button_gone(query: CallbackQuery, message: Message) -> bool:
    """The pressed button is no longer under its message, which still has others: the press
    came again after its first one replaced the buttons, whose edit shows its outcome already."""
    markup = message.reply_markup
    if markup is None:
        return False
    return query.data not in {button.callback_data for row in markup.inline_keyboard for button in row}


async def edit(query: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Edit the message a button belongs to. One that cannot be edited (inaccessible, or without
    text) gets the text as a new message instead, so the press still shows its outcome. Telegram
    refuses an edit that changes nothing, so none is made for a button its message no longer has
    (a second "Read the summary") or when the text and buttons would stay as they are (a choice
    made already; a change of formatting alone would be missed, and none of ours is only that)."""
    message = pressed_message(query)
    if message is None or message.text is None:
        if query.message is not None:
            await query.get_bot().send_message(query.message.chat.id, text, reply_markup=keyboard)
        return
    if _button_gone(query, message):
        return
    if message.text == visible_text(text) and message.reply_markup == keyboard:
        return  # the same text and buttons (pressed again, or a choice already made): no edit to make
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as exc:
        # Kept for a race: two presses handled before either edit reached the message.
        if "not modified" not in exc.message.lower():
            raise


async def delete_pressed(query: CallbackQuery) -> None:
    """Remove the message a button belongs to (a channel's settings keyboard, once used)."""
    message = pressed_message(query)
    if message is not None:
        with suppress(TelegramError):
            await message.delete()


async def confirm(
    update: Update,
    context: StudyContext,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    ttl: dt.timedelta = CHANNEL_CONFIRMATION_TTL,
) -> None:
    """Reply to a settings command; in a channel the reply is removed again after ``ttl``
    (by the clean-up job, from a list kept in the store so a restart does not leave it behind),
    so neither a confirmation nor a settings keyboard stays posted for every subscriber to see.
    In a channel it is also sent silently: a confirmation is no reason to ping every subscriber."""
    chat = update.effective_chat
    in_channel = chat is not None and chat.type == Chat.CHANNEL
    message = await reply(update, text, keyboard, silent=in_channel)
    if message is None or chat is None or not in_channel:
        return
    ctx = context.app
    await ctx.groups.delete_later(chat.id, message.message_id, ctx.now() + ttl)


async def point_to_private_chat(update: Update, context: StudyContext, payload: str) -> bool:
    """Outside a private chat, point to it with a deep link (True); in one, carry on (False)."""
    if is_private(update.effective_chat):
        return False
    lang = await chat_language(update, context)
    await reply(update, t("private.only", lang), keyboards.private_link(context.bot.username, payload, lang))
    return True


# --- groups: the cooldown --------------------------------------------------------------------------
async def within_cooldown(update: Update, context: StudyContext, action: str) -> bool:
    """In groups, True when a quiz or fact was asked for too soon, by a command or a button.

    A command hears so once, then silence; a button press is answered with the same notice as a
    toast (it must be answered anyway, and a toast floods nobody).
    """
    chat = update.effective_chat
    if not is_group(chat) or chat is None:
        return False
    ctx = context.app
    allowed, left, tell = ctx.cooldown.check(chat.id, action, ctx.now())
    if allowed:
        return False
    lang = await chat_language(update, context)
    notice = t(
        "group.cooldown", lang, what=t(f"group.cooldown_{action}", lang), every=ctx.cooldown.seconds, seconds=left
    )
    if update.callback_query is not None:
        await update.callback_query.answer(notice)
    elif tell:
        await reply(update, notice)
    return True


# --- topics ----------------------------------------------------------------------------------------
async def resolve_topic(
    update: Update, context: StudyContext, encode: callbacks.Encoder = callbacks.topic_page, query: str | None = None
) -> str | None:
    """The topic named in the command's argument (or ``query``): ``ALL`` when none, None when we
    asked the user to pick (buttons made by ``encode``, which says what picking one does)."""
    query = argument(context) if query is None else query.strip()
    if not query:
        return callbacks.ALL
    lang = await chat_language(update, context)
    if len(query) > MAX_ARGUMENT_LENGTH:
        await reply(update, t("error.too_long", lang))
        return None
    result = context.app.study.find_topic(query, lang)
    if result.best is not None:
        return result.best.id
    bank = context.app.bank_in(lang)
    # No clear match: say so and offer the closest topics as buttons, never silence; when none is
    # close, every topic (a few arbitrary "suggestions" would only mislead).
    if result.nothing_close:
        topics = list(bank.topics.values())
        await reply(
            update, t("topic.nothing_close", lang, query=escape(query)), keyboards.topic_buttons(topics, encode)
        )
        return None
    key = "topic.choose" if result.ambiguous else "topic.not_found"
    await reply(
        update,
        t(key, lang, query=escape(query)),
        keyboards.topic_buttons([twin(bank, x) for x in result.choices], encode),
    )
    return None


# --- group quiz sessions --------------------------------------------------------------------------
async def session_command(update: Update, context: StudyContext, words: list[str], default_size: int | None) -> bool:
    """``/quiz N [topic]``, ``/quiz stop`` (and ``/test [topic]``, ``/test stop``) from a group's
    admin: start or stop the group's quiz session (True). False when the words ask for none, or
    the asker is no admin (then the command is an ordinary one; a member's ``stop`` is refused)."""
    chat = update.effective_chat
    if not is_group(chat) or chat is None:
        return False
    first = words[0].casefold() if words else ""
    stop = first in SESSION_STOP_WORDS
    number = first.isascii() and first.isdigit()
    # A number too long to read is out of range, not a topic.
    size = (parse_int(first) or MAX_SESSION + 1) if number else None
    if not stop and size is None and default_size is None:
        return False
    lang = await chat_language(update, context)
    if not await can_change_settings(update, context):
        if stop:
            await reply(update, t("session.admins_only", lang))
            return True
        return False
    ctx = context.app
    if stop:
        ranking = await ctx.learning.sessions.stop(chat.id, ctx.now())
        if ranking is None:
            await reply(update, t("session.none_running", lang))
        else:
            await send_ranking(context.bot, ranking, lang)
        return True
    rest = words[1:] if size is not None else words
    size = size if size is not None else default_size
    if size is None or not MIN_SESSION <= size <= MAX_SESSION:
        await reply(update, t("session.size", lang, min=MIN_SESSION, max=MAX_SESSION))
        return True
    topic_id = await resolve_topic(update, context, callbacks.quiz, query=" ".join(rest))
    if topic_id is not None:
        await start_session(context.bot, ctx, chat.id, None if topic_id == callbacks.ALL else topic_id, size, lang)
    return True


# --- facts and quizzes on request ------------------------------------------------------------------
async def deliver_fact(context: StudyContext, chat: Chat, topic_id: str, lang: str) -> None:
    ctx = context.app
    item = await ctx.study.next_fact(chat.id, None if topic_id == callbacks.ALL else topic_id, ctx.now())
    if item is None:
        await context.bot.send_message(chat.id, t("error.empty_scope", lang))
        return
    await send_fact(context.bot, ctx, chat.id, item, lang, keyboards.topic_actions(item.topic, lang, share=item.id))


async def deliver_quiz(context: StudyContext, chat: Chat, topic_id: str, requested_by: int | None, lang: str) -> None:
    ctx = context.app
    question = await ctx.study.next_question(chat.id, None if topic_id == callbacks.ALL else topic_id, ctx.now())
    if question is None:
        await context.bot.send_message(chat.id, t("error.empty_scope", lang))
        return
    # Telegram allows only anonymous polls in channels.
    anonymous = chat.type == Chat.CHANNEL
    await send_quiz(context.bot, ctx, chat.id, question, lang, anonymous=anonymous, requested_by=requested_by)
