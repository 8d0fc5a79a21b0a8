"""The Bot API methods the bot calls, each checked the way Telegram checks it.

Only the methods studybot calls are served (plus what PTB's polling and a webhook set-up call);
any other method is answered ``404 Not Found``, as Telegram answers an unknown one.
"""

from __future__ import annotations

import copy
import itertools
import re
import struct
import time
from collections.abc import Mapping
from typing import Any

from bot.emulator.formatting import formatted
from bot.emulator.server import api_method
from bot.emulator.simulation import Simulation
from bot.emulator.state import ChatRecord, PollRecord, UploadedFile
from bot.emulator.wire import ApiError, Reply, as_text, bad, to_bool, to_int

# Descriptions for checks made on Telegram's (closed-source) servers whose exact wording could not
# be confirmed from tdlib/td or tdlib/telegram-bot-api.
ERR_EXPLANATION_TOO_LONG = "Bad Request: quiz explanation must have at most 200 characters"
ERR_EXPLANATION_LINE_FEEDS = "Bad Request: quiz explanation must have at most 2 line feeds"
ERR_OPEN_PERIOD = "Bad Request: open_period must be from 5 to 2628000 seconds"
#: The descriptions above, whose wording is a best guess rather than Telegram's confirmed text.
UNCONFIRMED_DESCRIPTIONS: tuple[str, ...] = (
    ERR_EXPLANATION_TOO_LONG,
    ERR_EXPLANATION_LINE_FEEDS,
    ERR_OPEN_PERIOD,
)

_MESSAGE_TEXT_MAX = 4096
_CAPTION_MAX = 1024
_POLL_QUESTION_MAX = 300
_POLL_OPTION_MAX = 100
_POLL_OPTIONS_MAX = 12  # Bot API 10.0: 1-12 options
_EXPLANATION_MAX = 200
_EXPLANATION_LINE_FEEDS_MAX = 2
_OPEN_PERIOD_MIN = 5
_OPEN_PERIOD_MAX = 2628000
_CALLBACK_DATA_MAX_BYTES = 64
_INLINE_RESULTS_MAX = 50
#: A bot command as setMyCommands accepts it.
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


# ------------------------------------------------------------------------------- image sizes


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG/JPEG/GIF/WebP/BMP image; ``None`` if ``data`` is no image."""
    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            width, height = struct.unpack(">II", data[16:24])
            return width, height
        if data[:6] in (b"GIF87a", b"GIF89a"):
            width, height = struct.unpack("<HH", data[6:10])
            return width, height
        if data[:2] == b"BM":
            width, height = struct.unpack("<ii", data[18:26])
            return abs(width), abs(height)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            chunk = data[12:16]
            if chunk == b"VP8X":
                width = int.from_bytes(data[24:27], "little") + 1
                height = int.from_bytes(data[27:30], "little") + 1
                return width, height
            if chunk == b"VP8L":
                bits = int.from_bytes(data[21:25], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
            width, height = struct.unpack("<HH", data[26:30])
            return width & 0x3FFF, height & 0x3FFF
        if data[:2] == b"\xff\xd8":
            i = 2
            while i + 9 < len(data):
                if data[i] != 0xFF:
                    i += 1
                    continue
                marker = data[i + 1]
                if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                    height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                    return width, height
                (segment_length,) = struct.unpack(">H", data[i + 2 : i + 4])
                i += 2 + segment_length
            return 512, 512
    except struct.error:
        return 512, 512
    return None


class FakeBotAPI(Simulation):
    """A fake Telegram Bot API server for tests (see the module docstring).

    Use as a context manager or with :meth:`start` / :meth:`stop`::

        with FakeBotAPI() as fake:
            fake.add_private_chat(42, "Asha")
            bot = telegram.Bot(fake.token, base_url=fake.base_url)

    Args:
        token: The bot token; requests with another token are answered ``401 Unauthorized``.
            The part before ``:`` is the bot's user id.
        bot_username: The bot's username (``getMe``).
        flood_limit_per_s: If set, a message-sending call (``send*``) that would make more than
            this many accepted within any 1-second window is answered ``429 Too Many Requests:
            retry after 1``.
        record_requests: Keep every request in :attr:`requests` (turn off for huge benchmarks:
            :attr:`counts` is always kept; each chat then keeps only its last 10,000 messages).
        legacy_correct_option_id: Include the deprecated ``correct_option_id`` in quiz polls with
            one correct option, as Telegram's Bot API 10.0 still does (PTB 22.8 warns with a
            ``PTBDeprecationWarning`` when it reads it).
    """

    # Each Bot API method runs with the lock held and returns the ``result`` or raises ApiError.

    # ------------------------------------------------------------------ common checks

    def _resolve_chat(self, params: Mapping[str, Any], name: str = "chat_id") -> ChatRecord:
        value = params.get(name)
        if value is None or value == "":
            raise bad("chat_id is empty")
        if isinstance(value, bool | float | list | dict):
            raise bad("chat not found")
        chat: ChatRecord | None
        if isinstance(value, int):
            chat = self._chats.get(value)
        elif value.startswith("@"):
            chat_id = self._usernames.get(value[1:].lower())
            chat = self._chats.get(chat_id) if chat_id is not None else None
        else:
            chat = self._chats.get(to_int(value)) if re.fullmatch(r"-?\d+", value) else None
        if chat is None:
            raise bad("chat not found")
        return chat

    def _check_access(self, chat: ChatRecord, *, write: bool, edit: bool = False) -> None:
        """Membership checks the Bot API server makes before a request reaches Telegram."""
        if chat.type == "private":
            return
        if chat.migrated_to is not None and (write or edit):
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        status = chat.bot_status
        word = {"group": "group", "supergroup": "supergroup", "channel": "channel"}[chat.type]
        if status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {word} chat")
        if status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {word} chat")
        if write and chat.type == "channel" and status != "administrator":
            raise bad("need administrator rights in the channel chat")

    def _check_not_blocked(self, chat: ChatRecord) -> None:
        if chat.type == "private" and chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    def _reply_markup(self, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """Validates reply_markup like get_reply_markup; returns the inline keyboard to echo."""
        if "reply_markup" not in params:
            return None
        markup = params["reply_markup"]
        if isinstance(markup, str):
            if markup == "":
                return None
            raise bad("can't parse reply keyboard markup JSON object")
        if not isinstance(markup, dict):
            raise bad("object expected as reply markup")
        keyboard = markup.get("keyboard")
        if keyboard is not None:
            if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
                raise bad('field "keyboard" must be an Array of Arrays')
            for row in keyboard:
                for button in row:
                    if isinstance(button, dict):
                        if not isinstance(button.get("text"), str):
                            raise bad('can\'t parse keyboard button: Field "text" must be of type String')
                    elif not isinstance(button, str):
                        raise bad("can't parse keyboard button: KeyboardButton must be a String or an Object")
        inline = markup.get("inline_keyboard")
        if inline is None:
            return None
        if not isinstance(inline, list) or not all(isinstance(row, list) for row in inline):
            raise bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
        rows: list[list[dict[str, Any]]] = []
        for row in inline:
            new_row = []
            for button in row:
                if not isinstance(button, dict):
                    raise bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
                if not isinstance(button.get("text"), str):
                    raise bad('can\'t parse inline keyboard button: Field "text" must be of type String')
                echoed: dict[str, Any] = {"text": button["text"]}
                for kind in (
                    "url",
                    "callback_data",
                    "callback_game",
                    "pay",
                    "switch_inline_query",
                    "switch_inline_query_chosen_chat",
                    "switch_inline_query_current_chat",
                    "login_url",
                    "web_app",
                    "copy_text",
                ):
                    value = button.get(kind)
                    if kind in ("url", "callback_data"):
                        if isinstance(value, str) and value:
                            echoed[kind] = value
                            break
                    elif kind in button:
                        echoed[kind] = value
                        break
                else:
                    raise bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
                new_row.append(echoed)
            rows.append(new_row)
        if not rows or not any(rows):
            return None
        return {"inline_keyboard": rows}

    @staticmethod
    def _check_button_data(markup: dict[str, Any] | None) -> None:
        """Checked by Telegram's servers, after the chat checks."""
        if markup is None:
            return
        for row in markup["inline_keyboard"]:
            for button in row:
                data = button.get("callback_data")
                if data is not None and len(data.encode("utf-8")) > _CALLBACK_DATA_MAX_BYTES:
                    raise bad("BUTTON_DATA_INVALID")

    def _reply_target(self, chat: ChatRecord, params: Mapping[str, Any]) -> int | None:
        reply = params.get("reply_parameters")
        message_id: int | None = None
        allow_without = False
        if isinstance(reply, dict):
            message_id = to_int(reply.get("message_id")) or None
            allow_without = to_bool(reply.get("allow_sending_without_reply"))
            if reply.get("chat_id") not in (None, chat.id):
                return None  # replies to other chats are not modelled
        elif isinstance(reply, str) and reply:
            raise bad("can't parse reply parameters JSON object")
        elif "reply_to_message_id" in params:
            message_id = to_int(params.get("reply_to_message_id")) or None
            allow_without = to_bool(params.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        if message_id not in chat.messages:
            if allow_without:
                return None
            raise bad("message to be replied not found")
        return message_id

    def _bot_message(self, chat: ChatRecord, reply_to: int | None) -> dict[str, Any]:
        if chat.type == "channel":
            return self._base_message(chat, from_user=None, sender_chat=chat.json, reply_to=reply_to)
        return self._base_message(chat, from_user=self.bot_user, reply_to=reply_to)

    def _finish_bot_message(
        self, chat: ChatRecord, message: dict[str, Any], params: Mapping[str, Any], markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        if to_bool(params.get("protect_content")):
            message["has_protected_content"] = True
        if markup is not None:
            message["reply_markup"] = markup
        self._store_message(chat, message, own=True)
        return message

    def _message_of(self, chat: ChatRecord, params: Mapping[str, Any], what: str) -> dict[str, Any]:
        message_id = to_int(params.get("message_id"))
        message = chat.messages.get(message_id) if message_id > 0 else None
        if message is None:
            raise bad(f"{what} not found")
        return message

    # ------------------------------------------------------------------ bot and updates

    @api_method("getMe")
    def _api_get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": self.inline_mode,
            "supports_guest_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
            "has_topics_enabled": False,
            "allows_users_to_create_topics": False,
            "can_manage_bots": False,
        }

    @api_method("getUpdates")
    def _api_get_updates(self, params: dict[str, Any]) -> None:  # pragma: no cover - see _get_updates
        raise AssertionError("getUpdates is served asynchronously")

    @api_method("setWebhook")
    def _api_set_webhook(self, params: dict[str, Any]) -> Reply:
        url = as_text(params.get("url"))
        if "allowed_updates" in params:
            self._set_allowed_updates(params["allowed_updates"])
        if to_bool(params.get("drop_pending_updates")):
            self._updates.clear()
        if not url:
            was_set = self._webhook is not None
            self._webhook = None
            return Reply(True, "Webhook was deleted" if was_set else "Webhook is already deleted")
        if not url.startswith("https://"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        unchanged = self._webhook is not None and self._webhook.get("url") == url
        self._webhook = dict(params)
        self._poll_generation += 1  # a pending getUpdates is terminated
        self._notify_loop()
        return Reply(True, "Webhook is already set" if unchanged else "Webhook was set")

    @api_method("deleteWebhook")
    def _api_delete_webhook(self, params: dict[str, Any]) -> Reply:
        if to_bool(params.get("drop_pending_updates")):
            self._updates.clear()
            self._cond.notify_all()
        was_set = self._webhook is not None
        self._webhook = None
        return Reply(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    @api_method("getWebhookInfo")
    def _api_get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook.get("url", "") if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook:
            info["max_connections"] = to_int(self._webhook.get("max_connections"), 40) or 40
            if self._last_allowed_updates is not None:
                info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    # ------------------------------------------------------------------------ commands

    def _command_scope_key(self, params: Mapping[str, Any]) -> str:
        scope = params.get("scope")
        language = as_text(params.get("language_code"))
        if language and not re.fullmatch(r"[a-zA-Z]{2}", language):
            raise bad("invalid language code specified")
        if scope is None or scope == "":
            return self.scope_key(None, language)
        if isinstance(scope, str):
            raise bad("can't parse BotCommandScope JSON object")
        if not isinstance(scope, dict):
            raise bad("can't parse BotCommandScope: BotCommandScope must be an Object")
        kind = scope.get("type")
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            return self.scope_key({"type": kind}, language)
        if kind not in ("chat", "chat_administrators", "chat_member"):
            raise bad("can't parse BotCommandScope: Unsupported type specified")
        if scope.get("chat_id") in (None, ""):
            raise bad("can't parse BotCommandScope: Empty chat_id specified")
        chat = self._resolve_chat(scope)
        resolved: dict[str, Any] = {"type": kind, "chat_id": chat.id}
        if kind == "chat_member":
            user_id = to_int(scope.get("user_id"))
            if user_id <= 0:
                raise bad("can't parse BotCommandScope: Invalid user_id specified")
            resolved["user_id"] = user_id
        return self.scope_key(resolved, language)

    @api_method("setMyCommands")
    def _api_set_my_commands(self, params: dict[str, Any]) -> bool:
        raw = params.get("commands", "")
        commands: list[Any]
        if raw == "":
            commands = []
        elif isinstance(raw, str):
            raise bad("can't parse commands JSON object")
        elif not isinstance(raw, list):
            raise bad("expected an Array of BotCommand")
        else:
            commands = raw
        parsed = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad("can't parse BotCommand: expected an Object")
            for key in ("command", "description"):
                if not isinstance(command.get(key), str):
                    raise bad(f'can\'t parse BotCommand: Field "{key}" must be of type String')
            parsed.append((command["command"], command["description"]))
        key = self._command_scope_key(params)
        result = []
        for name, description in parsed:  # TDLib's checks, then Telegram's
            name = name.strip()
            if name.startswith("/"):
                name = name[1:]
            if not name:
                raise bad("command must be non-empty")
            if len(name) > 32:
                raise bad("command length must not exceed 32")
            description = description.strip()
            if not description:
                raise bad("command description must be non-empty")
            if len(description) > 256:
                raise bad("command description length must not exceed 256")
            if not _COMMAND_RE.fullmatch(name):
                raise bad("BOT_COMMAND_INVALID")
            result.append({"command": name, "description": description})
        if len({c["command"] for c in result}) != len(result):
            raise bad("BOT_COMMAND_INVALID")
        if result:
            self._commands[key] = result
        else:
            self._commands.pop(key, None)
        return True

    # ------------------------------------------------------------------------ messages

    @api_method("sendMessage")
    def _api_send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        raw_text = as_text(params.get("text"))
        if not raw_text:
            raise bad("message text is empty")
        text, entities = formatted(raw_text, params.get("parse_mode"), params.get("entities"))
        markup = self._reply_markup(params)
        chat = self._resolve_chat(params)
        self._check_access(chat, write=True)
        reply_to = self._reply_target(chat, params)
        if not text:
            raise bad("text must be non-empty")
        if len(text) > _MESSAGE_TEXT_MAX:
            raise bad("message is too long")
        self._check_button_data(markup)
        self._check_not_blocked(chat)
        message = self._bot_message(chat, reply_to)
        message["text"] = text
        if entities:
            message["entities"] = entities
        return self._finish_bot_message(chat, message, params, markup)

    def _editable_message(self, params: dict[str, Any]) -> tuple[ChatRecord, dict[str, Any]]:
        if params.get("inline_message_id"):
            raise bad("inline messages are not supported by FakeBotAPI")
        chat = self._resolve_chat(params)
        self._check_access(chat, write=False, edit=True)
        message = self._message_of(chat, params, "message to edit")
        if message["message_id"] not in chat.own:
            raise bad("message can't be edited")
        return chat, message

    @api_method("editMessageText")
    def _api_edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        raw_text = as_text(params.get("text"))
        if not raw_text:
            raise bad("message text is empty")
        text, entities = formatted(raw_text, params.get("parse_mode"), params.get("entities"))
        markup = self._reply_markup(params)
        chat, message = self._editable_message(params)
        if "text" not in message:
            raise bad("there is no text in the message to edit")
        if not text:
            raise bad("text must be non-empty")
        if len(text) > _MESSAGE_TEXT_MAX:
            raise bad("message is too long")
        self._check_button_data(markup)
        if (
            message["text"] == text
            and message.get("entities", []) == entities
            and message.get("reply_markup") == markup
        ):
            raise bad(
                "message is not modified: specified new message content and reply markup are exactly the "
                "same as a current content and reply markup of the message"
            )
        edited = {k: v for k, v in message.items() if k not in ("entities", "reply_markup", "edit_date")}
        edited["edit_date"] = int(time.time())
        edited["text"] = text
        if entities:
            edited["entities"] = entities
        if markup is not None:
            edited["reply_markup"] = markup
        edited = self._order_message(edited)
        chat.messages[message["message_id"]] = edited
        return edited

    @staticmethod
    def _order_message(message: dict[str, Any]) -> dict[str, Any]:
        order = ("message_id", "from", "sender_chat", "chat", "date", "edit_date")
        ordered = {k: message[k] for k in order if k in message}
        ordered.update({k: v for k, v in message.items() if k not in ordered and k != "reply_markup"})
        if "reply_markup" in message:
            ordered["reply_markup"] = message["reply_markup"]
        return ordered

    def _can_delete(self, chat: ChatRecord, message_id: int) -> bool:
        if chat.type == "private":
            return True
        if chat.type != "channel" and message_id in chat.own:
            return True
        return chat.bot_status == "administrator"

    @api_method("deleteMessage")
    def _api_delete_message(self, params: dict[str, Any]) -> bool:
        if params.get("chat_id") in (None, ""):
            raise bad("chat identifier is not specified")
        if to_int(params.get("message_id")) == 0:
            raise bad("message identifier is not specified")
        chat = self._resolve_chat(params)
        self._check_access(chat, write=False)
        message = self._message_of(chat, params, "message to delete")
        if not self._can_delete(chat, message["message_id"]):
            raise bad("message can't be deleted")
        del chat.messages[message["message_id"]]
        chat.deleted[message["message_id"]] = message
        return True

    # ---------------------------------------------------------------------------- polls

    def _poll_text(self, text: Any, parse_mode: Any, entities: Any) -> tuple[str, list[dict[str, Any]]]:
        plain, found = formatted(as_text(text), parse_mode, entities)
        # TDLib keeps only custom emoji entities in poll questions and options.
        return plain, [e for e in found if e["type"] == "custom_emoji"]

    @api_method("sendPoll")
    def _api_send_poll(self, params: dict[str, Any]) -> dict[str, Any]:
        # process_send_poll_query (telegram-bot-api)
        question, question_entities = self._poll_text(
            params.get("question"), params.get("question_parse_mode"), params.get("question_entities")
        )
        raw_options = params.get("options", "")
        if isinstance(raw_options, str):
            raise bad("can't parse options JSON object")
        if raw_options is None:
            raw_options = []
        if not isinstance(raw_options, list):
            raise bad("expected an Array of String as options")
        options: list[tuple[str, list[dict[str, Any]]]] = []
        for option in raw_options:
            if isinstance(option, str):
                options.append(self._poll_text(option, None, None))
            elif isinstance(option, dict):
                if not isinstance(option.get("text"), str):
                    raise bad('field "text" must be of type String')
                options.append(
                    self._poll_text(option["text"], option.get("text_parse_mode"), option.get("text_entities"))
                )
            else:
                raise bad("expected an option to be of type String")
        description, description_entities = formatted(
            as_text(params.get("description")),
            params.get("description_parse_mode"),
            params.get("description_entities"),
        )
        is_anonymous = to_bool(params["is_anonymous"]) if "is_anonymous" in params else True
        allows_multiple = to_bool(params.get("allows_multiple_answers"))
        poll_type = as_text(params.get("type"))
        explanation: str = ""
        explanation_entities: list[dict[str, Any]] = []
        correct_ids: list[int] = []
        if poll_type == "quiz":
            explanation, explanation_entities = formatted(
                as_text(params.get("explanation")),
                params.get("explanation_parse_mode"),
                params.get("explanation_entities"),
            )
            if "correct_option_ids" in params:
                raw_ids = params["correct_option_ids"]
                if isinstance(raw_ids, str):
                    raise bad("can't parse correct option identifiers JSON object")
                if not isinstance(raw_ids, list):
                    raise bad("expected an Array of correct option identifiers")
                for value in raw_ids:
                    if isinstance(value, bool) or not isinstance(value, int | float):
                        raise bad("correct option identifier must be of type Number")
                    if isinstance(value, float) and not value.is_integer():
                        raise bad("invalid correct option identifier specified")
                    correct_ids.append(int(value))
            elif "correct_option_id" in params:
                correct_ids.append(to_int(params.get("correct_option_id"), -1))
        elif poll_type not in ("", "regular"):
            raise bad("unsupported poll type specified")
        allows_revoting = to_bool(params["allows_revoting"]) if "allows_revoting" in params else poll_type != "quiz"
        open_period_raw = to_int(params.get("open_period"), 0)
        open_period = min(max(open_period_raw, 0), _OPEN_PERIOD_MAX)  # the Bot API clamps it
        close_date = to_int(params.get("close_date"), 0)
        is_closed = to_bool(params.get("is_closed"))
        markup = self._reply_markup(params)
        # do_send_message: the chat
        chat = self._resolve_chat(params)
        self._check_access(chat, write=True)
        reply_to = self._reply_target(chat, params)
        # TDLib's create_input_message_content / PollOption checks
        if not question:
            raise bad("text must be non-empty")
        if len(question) > _POLL_QUESTION_MAX:
            raise bad(f"poll question length must not exceed {_POLL_QUESTION_MAX}")
        if not options:
            raise bad("poll must have at least one answer option")
        if len(options) > _POLL_OPTIONS_MAX:
            raise bad(f"poll can't have more than {_POLL_OPTIONS_MAX} options")
        for text, _ in options:
            if not text:
                raise bad("text must be non-empty")
            if len(text) > _POLL_OPTION_MAX:
                raise bad(f"poll options length must not exceed {_POLL_OPTION_MAX}")
        if poll_type == "quiz":
            if not correct_ids:
                raise bad("correct quiz option list must be non-empty")
            if any(a >= b for a, b in itertools.pairwise(correct_ids)):
                raise bad("correct quiz option list must be increasing")
            if any(not 0 <= index < len(options) for index in correct_ids):
                raise bad("wrong quiz correct_option_id")
        if chat.type == "channel" and not is_anonymous:
            raise bad("non-anonymous polls can't be sent to channel chats")
        # Telegram's server checks
        texts = [text for text, _ in options]
        if len(set(texts)) != len(texts):
            raise bad("POLL_OPTION_DUPLICATE")
        if explanation:
            if len(explanation) > _EXPLANATION_MAX:
                raise ApiError(400, ERR_EXPLANATION_TOO_LONG)
            if explanation.count("\n") > _EXPLANATION_LINE_FEEDS_MAX:
                raise ApiError(400, ERR_EXPLANATION_LINE_FEEDS)
        if 0 < open_period < _OPEN_PERIOD_MIN:
            raise ApiError(400, ERR_OPEN_PERIOD)
        self._check_button_data(markup)
        self._check_not_blocked(chat)
        if open_period:
            close_date = int(time.time()) + open_period
        elif close_date:
            open_period = max(close_date - int(time.time()), 0)
        message = self._bot_message(chat, reply_to)
        poll = PollRecord(
            id=str(next(self._poll_ids)),
            chat_id=chat.id,
            message_id=message["message_id"],
            question=question,
            question_entities=question_entities,
            options=texts,
            option_entities=[entities for _, entities in options],
            is_anonymous=is_anonymous,
            type="quiz" if poll_type == "quiz" else "regular",
            allows_multiple_answers=allows_multiple,
            allows_revoting=allows_revoting,
            correct_option_ids=correct_ids,
            explanation=explanation or None,
            explanation_entities=explanation_entities,
            description=description or None,
            description_entities=description_entities,
            open_period=open_period,
            close_date=close_date,
            is_closed=is_closed,
            counts=[0] * len(texts),
        )
        self._polls[poll.id] = poll
        message["poll"] = poll.to_json(self.legacy_correct_option_id)
        return self._finish_bot_message(chat, message, params, markup)

    # -------------------------------------------------------------------------- callbacks

    @api_method("answerCallbackQuery")
    def _api_answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = as_text(params.get("callback_query_id"))
        if query_id not in self._open_callback_queries:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        if len(as_text(params.get("text"))) > 200:
            raise bad("MESSAGE_TOO_LONG")
        del self._open_callback_queries[query_id]
        self.callback_answers[query_id] = dict(params)
        return True

    # ------------------------------------------------------- reach: inline mode, copyMessage

    @api_method("answerInlineQuery")
    def _api_answer_inline_query(self, params: dict[str, Any]) -> bool:
        """Telegram's checks: a query still open, at most 50 results, ids unique, non-empty and
        at most 64 bytes, and every result's ``input_message_content`` a message Telegram could send."""
        query_id = as_text(params.get("inline_query_id"))
        if query_id not in self._open_inline_queries:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        raw = params.get("results", "")
        if isinstance(raw, str) or not isinstance(raw, list):
            raise bad("can't parse inline query results JSON object")
        if len(raw) > _INLINE_RESULTS_MAX:
            raise bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        checked = []
        for result in raw:
            if not isinstance(result, dict):
                raise bad("can't parse InlineQueryResult: expected an Object")
            result_id = result.get("id")
            if not isinstance(result_id, str) or not result_id or len(result_id.encode("utf-8")) > 64:
                raise bad("RESULT_ID_INVALID")
            if result_id in seen:
                raise bad("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            checked.append(self._inline_result(result))
        self._reply_markup_checks_for_results(raw)
        del self._open_inline_queries[query_id]
        self.inline_answers[query_id] = {**params, "results": checked}
        return True

    def _inline_result(self, result: dict[str, Any]) -> dict[str, Any]:
        """One article result, checked; with its message text parsed as Telegram would send it."""
        if result.get("type") != "article":
            raise bad("can't parse InlineQueryResult: unsupported type (the fake serves articles only)")
        if not isinstance(result.get("title"), str) or not result["title"]:
            raise bad('can\'t parse InlineQueryResult: Field "title" must be of type String')
        content = result.get("input_message_content")
        if not isinstance(content, dict):
            raise bad('can\'t parse InlineQueryResult: Field "input_message_content" must be of type Object')
        raw_text = content.get("message_text")
        if not isinstance(raw_text, str):
            raise bad('can\'t parse InputMessageContent: Field "message_text" must be of type String')
        text, entities = formatted(raw_text, content.get("parse_mode"), content.get("entities"))
        if not text:
            raise bad("message text is empty")
        if len(text) > _MESSAGE_TEXT_MAX:
            raise bad("MESSAGE_TOO_LONG")
        markup = self._reply_markup(result)
        self._check_button_data(markup)
        return {**result, "text": text, "entities": entities, "reply_markup": markup}

    def _reply_markup_checks_for_results(self, results: list[dict[str, Any]]) -> None:
        """Buttons under an inline result cannot be callback-less text; url buttons need a URL."""
        for result in results:
            markup = self._reply_markup(result) or {"inline_keyboard": []}
            for row in markup["inline_keyboard"]:
                for button in row:
                    url = button.get("url")
                    if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
                        raise bad("BUTTON_URL_INVALID")

    #: What copyMessage carries over from the source message (its content, not its sender).
    _COPIED_CONTENT = ("text", "entities", "caption", "caption_entities", "photo", "document", "poll")

    @api_method("copyMessage")
    def _api_copy_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """Copy a message's content into a chat, without a link to the original; returns a MessageId."""
        source_chat = self._resolve_chat(params, "from_chat_id")
        self._check_access(source_chat, write=False)
        source = self._message_of(source_chat, params, "message to copy")
        markup = self._reply_markup(params)
        chat = self._resolve_chat(params)
        self._check_access(chat, write=True)
        reply_to = self._reply_target(chat, params)
        content = {key: copy.deepcopy(source[key]) for key in self._COPIED_CONTENT if key in source}
        if not content:
            raise bad("message can't be copied")  # a service message (a join, a pin …)
        self._check_button_data(markup)
        self._check_not_blocked(chat)
        message = self._bot_message(chat, reply_to)
        message.update(content)
        if "reply_markup" not in params and "reply_markup" in source:
            markup = source["reply_markup"]
        finished = self._finish_bot_message(chat, message, params, markup)
        return {"message_id": finished["message_id"]}

    # ------------------------------------------------------------------------------ files

    def _new_file(self, uploaded: UploadedFile, prefix: str) -> tuple[str, str]:
        number = next(self._file_counter)
        file_id = f"{prefix}AgADAgADFAKE{number:08d}"
        self._files[file_id] = uploaded
        return file_id, f"AQAD{number:08d}"

    def _input_file(self, params: dict[str, Any], name: str) -> UploadedFile | str:
        value = params.get(name)
        if isinstance(value, UploadedFile):
            return value
        if isinstance(value, str) and value:
            if value in self._files:
                return value
            if value.startswith(("http://", "https://")):
                return UploadedFile(value.rsplit("/", 1)[-1] or "file", b"", "application/octet-stream")
            raise bad("wrong file identifier/HTTP URL specified")
        raise bad(f"there is no {name} in the request")

    def _caption(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        return formatted(as_text(params.get("caption")), params.get("parse_mode"), params.get("caption_entities"))

    def _add_caption(self, message: dict[str, Any], caption: str, entities: list[dict[str, Any]]) -> None:
        if caption:
            message["caption"] = caption
            if entities:
                message["caption_entities"] = entities

    def _media_request(
        self, params: dict[str, Any], field: str
    ) -> tuple[Any, str, list[dict[str, Any]], Any, ChatRecord, Any]:
        """What sendDocument and sendPhoto check alike: the file, caption, markup, chat and reply."""
        source = self._input_file(params, field)
        caption, caption_entities = self._caption(params)
        markup = self._reply_markup(params)
        chat = self._resolve_chat(params)
        self._check_access(chat, write=True)
        reply_to = self._reply_target(chat, params)
        if len(caption) > _CAPTION_MAX:
            raise bad("message caption is too long")
        return source, caption, caption_entities, markup, chat, reply_to

    @api_method("sendDocument")
    def _api_send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        source, caption, caption_entities, markup, chat, reply_to = self._media_request(params, "document")
        self._check_button_data(markup)
        self._check_not_blocked(chat)
        if isinstance(source, str):
            uploaded = self._files[source]
            file_id, unique_id = source, "AQAD" + source[-8:]
        else:
            uploaded = source
            file_id, unique_id = self._new_file(uploaded, "BQACAgIAAxkBAAI")
        message = self._bot_message(chat, reply_to)
        message["document"] = {
            "file_name": uploaded.filename,
            "mime_type": uploaded.content_type,
            "file_id": file_id,
            "file_unique_id": unique_id,
            "file_size": len(uploaded.content),
        }
        self._add_caption(message, caption, caption_entities)
        return self._finish_bot_message(chat, message, params, markup)

    @api_method("sendPhoto")
    def _api_send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        source, caption, caption_entities, markup, chat, reply_to = self._media_request(params, "photo")
        uploaded = self._files[source] if isinstance(source, str) else source
        size = _image_size(uploaded.content) if uploaded.content else (800, 600)
        if size is None:
            raise bad("IMAGE_PROCESS_FAILED")
        self._check_button_data(markup)
        self._check_not_blocked(chat)
        file_id, unique_id = self._new_file(uploaded, "AgACAgIAAxkBAAI")
        width, height = size
        longest = max(width, height, 1)
        photo: list[dict[str, Any]] = []
        for side in (90, 320, 800, 1280):
            if side >= longest and photo:
                break
            scale = min(side / longest, 1.0)
            photo.append(
                {
                    "file_id": f"{file_id}_{side}",
                    "file_unique_id": f"{unique_id}_{side}",
                    "file_size": max(int(len(uploaded.content) * scale * scale), 1),
                    "width": max(round(width * scale), 1),
                    "height": max(round(height * scale), 1),
                }
            )
        photo[-1]["file_id"], photo[-1]["file_unique_id"] = file_id, unique_id
        message = self._bot_message(chat, reply_to)
        message["photo"] = photo
        self._add_caption(message, caption, caption_entities)
        return self._finish_bot_message(chat, message, params, markup)

    # -------------------------------------------------------------------------- chat info

    @api_method("getChatAdministrators")
    def _api_get_chat_administrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat = self._resolve_chat(params)
        if chat.type == "private":
            raise bad("there are no administrators in the private chat")
        self._check_access(chat, write=False)
        admins = []
        ranked = sorted(chat.members.items(), key=lambda item: item[1] != "creator")
        for user_id, status in ranked:
            if status in ("creator", "administrator"):
                admins.append(self._member_json(chat, self._users[user_id], status))
        if chat.bot_status == "administrator":
            admins.append(self._member_json(chat, self.bot_user, "administrator"))
        return admins
