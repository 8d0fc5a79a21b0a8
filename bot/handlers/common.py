"""Helpers every handler uses: the app context, the chat's record, replies and keyboards."""

from __future__ import annotations

from telegram import CallbackQuery, Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.content.models import Topic
from bot.context import CONTEXT_KEY, AppContext
from bot.render.texts import t
from bot.storage.repository import ChatRecord

#: Longest command argument read; anything longer gets a friendly "too long".
MAX_ARGUMENT_LENGTH = 200
ALL = "*"


def app_ctx(context: ContextTypes.DEFAULT_TYPE) -> AppContext:
    ctx: AppContext = context.application.bot_data[CONTEXT_KEY]
    return ctx


async def chat_record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> ChatRecord | None:
    chat = update.effective_chat
    return await app_ctx(context).repo.get_chat(chat.id) if chat else None


async def remember(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keep the chat and the user who wrote on record (runs before every other handler)."""
    repo = app_ctx(context).repo
    chat = update.effective_chat
    message = update.effective_message
    # The group that says it became a supergroup is gone: its row moves, it is not made anew.
    if chat is not None and not (message is not None and message.migrate_to_chat_id):
        await repo.upsert_chat(chat.id, chat.type, chat.title or chat.full_name, chat.username)
    user = update.effective_user
    if user is not None and not user.is_bot:
        await repo.upsert_user(user.id, user.first_name, user.username)


def argument(context: ContextTypes.DEFAULT_TYPE) -> str:
    return " ".join(context.args or []).strip()


async def reply(update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None) -> Message | None:
    """Answer in the chat the update came from (private chat, group or channel)."""
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_text(text, reply_markup=keyboard, do_quote=False)


async def edit(query: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Edit the message a button belongs to; an edit that would change nothing is skipped."""
    message = query.message
    if not isinstance(message, Message):
        return  # inaccessible or inline: nothing to edit
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as exc:
        # The same button pressed twice: Telegram refuses an edit that changes nothing.
        if "not modified" not in exc.message.lower():
            raise


def topic_buttons(topics: list[Topic], action: str = "page", per_row: int = 2) -> InlineKeyboardMarkup:
    """A button per topic; pressing one runs ``action`` (page, fact or quiz) for it."""
    buttons = [InlineKeyboardButton(x.title, callback_data=f"{action}:{x.id}") for x in topics]
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    return InlineKeyboardMarkup(rows)


def topic_actions(topic_id: str, lang: str = "en") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t("button.fact", lang), callback_data=f"fact:{topic_id}"),
                InlineKeyboardButton(t("button.quiz", lang), callback_data=f"quiz:{topic_id}"),
            ]
        ]
    )


def is_private(chat: Chat | None) -> bool:
    return chat is not None and chat.type == Chat.PRIVATE
