"""What the fake knows: its bot, the users, chats and their messages, polls, the update queue and
the record of calls, all guarded by one lock; and the JSON Telegram builds from them."""

from __future__ import annotations

import collections
import copy
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

#: User id of Telegram's ``@GroupAnonymousBot``: the ``from`` of messages sent by anonymous admins.
GROUP_ANONYMOUS_BOT_ID = 1087968824

#: Update types delivered when ``allowed_updates`` was never given (or given as ``[]``).
DEFAULT_ALLOWED_UPDATES: frozenset[str] = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "purchased_paid_media",
        "managed_bot",
        "guest_message",
    }
)
ALL_UPDATE_TYPES: frozenset[str] = DEFAULT_ALLOWED_UPDATES | {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}


@dataclass(frozen=True)
class UploadedFile:
    """A file uploaded with ``multipart/form-data`` (e.g. the ``document`` of ``sendDocument``)."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class Call:
    """One request received by the fake.

    ``params`` are decoded back to Python values (JSON-decoded where PTB JSON-encoded them;
    uploaded files as :class:`UploadedFile`).  ``status`` is the HTTP status answered,
    ``description`` the error description (``None`` on success) and ``result`` the ``result``
    answered on success.  Calls are recorded in arrival order; a ``getUpdates`` long poll is
    recorded when it arrives (``status`` 200, ``result`` ``None``) and completed when answered.
    """

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    description: str | None = None
    result: Any = None

    @property
    def ok(self) -> bool:
        """Whether the call was answered with ``"ok": true``."""
        return self.status == 200


@dataclass
class ChatRecord:
    """A chat as the fake keeps it; ``json`` is its Chat JSON."""

    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    username: str | None = None
    user_id: int | None = None  # for private chats
    bot_status: str = "member"  # member | administrator | left | kicked
    blocked: bool = False  # private chats: the user blocked the bot
    creator_id: int | None = None
    members: dict[int, str] = field(default_factory=dict)  # user id -> chat member status
    next_message_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    deleted: dict[int, dict[str, Any]] = field(default_factory=dict)
    own: set[int] = field(default_factory=set)  # ids of messages the bot sent
    json: dict[str, Any] = field(default_factory=dict)
    chat_instance: str = ""
    migrated_to: int | None = None  # basic groups upgraded to a supergroup: its id


@dataclass
class PollRecord:
    """A poll the bot sent, with its votes; ``to_json`` gives the Poll JSON Telegram sends."""

    id: str
    chat_id: int
    message_id: int
    question: str
    question_entities: list[dict[str, Any]]
    options: list[str]
    option_entities: list[list[dict[str, Any]]]
    is_anonymous: bool
    type: str
    allows_multiple_answers: bool
    allows_revoting: bool
    correct_option_ids: list[int]
    explanation: str | None
    explanation_entities: list[dict[str, Any]]
    description: str | None
    description_entities: list[dict[str, Any]]
    open_period: int
    close_date: int
    is_closed: bool
    counts: list[int] = field(default_factory=list)
    voters: dict[int, list[int]] = field(default_factory=dict)
    anonymous_voters: int = 0

    def to_json(self, legacy_correct_option_id: bool) -> dict[str, Any]:
        poll: dict[str, Any] = {"id": self.id, "question": self.question}
        if self.question_entities:
            poll["question_entities"] = copy.deepcopy(self.question_entities)
        options = []
        for index, text in enumerate(self.options):
            option: dict[str, Any] = {"persistent_id": str(index), "text": text}
            if self.option_entities[index]:
                option["text_entities"] = copy.deepcopy(self.option_entities[index])
            option["voter_count"] = self.counts[index]
            options.append(option)
        poll["options"] = options
        poll["total_voter_count"] = self.anonymous_voters + sum(1 for ids in self.voters.values() if ids)
        if self.open_period and self.close_date:
            poll["open_period"] = self.open_period
            poll["close_date"] = self.close_date
        poll["is_closed"] = self.is_closed
        poll["is_anonymous"] = self.is_anonymous
        poll["allows_multiple_answers"] = self.allows_multiple_answers
        poll["allows_revoting"] = self.allows_revoting
        poll["members_only"] = False
        poll["type"] = self.type
        if self.type == "quiz":
            if len(self.correct_option_ids) == 1 and legacy_correct_option_id:
                poll["correct_option_id"] = self.correct_option_ids[0]
            poll["correct_option_ids"] = list(self.correct_option_ids)
            if self.explanation:
                poll["explanation"] = self.explanation
                poll["explanation_entities"] = copy.deepcopy(self.explanation_entities)
        if self.description:
            poll["description"] = self.description
            if self.description_entities:
                poll["description_entities"] = copy.deepcopy(self.description_entities)
        return poll


@dataclass
class Fault:
    """A failure injected with ``fail_next``."""

    method: str  # lower-case method name or "*"
    chat_id: int | str | None
    error_code: int
    description: str
    retry_after: int | None
    remaining: int
    #: A hung request: nothing is done, and the answer (504) comes only after this many seconds.
    hang_s: float | None = None


#: The rights a restricted member's JSON lists (ChatMemberRestricted), each false for a muted member.
_RESTRICTED_RIGHTS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
    "can_react_to_messages",
)

_ADMIN_RIGHTS_ORDER = (
    "can_manage_chat",
    "can_change_info",
    "can_post_messages",
    "can_edit_messages",
    "can_delete_messages",
    "can_invite_users",
    "can_restrict_members",
    "can_pin_messages",
    "can_manage_topics",
    "can_promote_members",
    "can_manage_video_chats",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_manage_direct_messages",
    "can_manage_tags",
    "is_anonymous",
)


def admin_rights(chat_type: str, *, full: bool) -> dict[str, bool]:
    """Administrator rights as the Bot API lists them for ``chat_type`` (json_store_administrator_rights).

    ``full`` gives every right (a human admin); otherwise a bot's usual set.
    """
    bot_rights = {
        "can_manage_chat": True,
        "can_post_messages": True,
        "can_edit_messages": True,
        "can_delete_messages": True,
        "can_invite_users": True,
        "can_restrict_members": True,
        "can_pin_messages": True,
    }
    rights: dict[str, bool] = {}
    for name in _ADMIN_RIGHTS_ORDER:
        if name in ("can_post_messages", "can_edit_messages", "can_manage_direct_messages") and chat_type != "channel":
            continue
        if name in ("can_pin_messages", "can_manage_tags") and chat_type not in ("group", "supergroup"):
            continue
        if name == "can_manage_topics" and chat_type != "supergroup":
            continue
        if name == "is_anonymous":
            rights[name] = False
        else:
            rights[name] = True if full else bot_rights.get(name, False)
    return rights


class FakeState:
    """The fake's state and the helpers that read and change it; they must hold ``_lock``
    (``_cond`` is a condition on it, notified whenever a call is recorded or updates change)."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "studybot_test_bot",
        *,
        flood_limit_per_s: float | None = None,
        record_requests: bool = True,
        legacy_correct_option_id: bool = True,
    ) -> None:
        bot_id_text = token.split(":", 1)[0]
        if not bot_id_text.isdigit():
            raise ValueError("token must look like '<bot id>:<secret>'")
        self.token: str = token
        self.bot_username: str = bot_username
        self.flood_limit_per_s: float | None = flood_limit_per_s
        self.record_requests: bool = record_requests
        self.legacy_correct_option_id: bool = legacy_correct_option_id
        self.bot_user: dict[str, Any] = {
            "id": int(bot_id_text),
            "is_bot": True,
            "first_name": "StudyBot",
            "username": bot_username,
        }
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._reset_state()

    def _reset_state(self) -> None:
        self._users: dict[int, dict[str, Any]] = {self.bot_user["id"]: dict(self.bot_user)}
        self._chats: dict[int, ChatRecord] = {}
        self._usernames: dict[str, int] = {}
        self._updates: collections.deque[tuple[int, str, dict[str, Any]]] = collections.deque()
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        #: Whether the queue may hold an update of a type not allowed (see _collect_updates).
        self._unfiltered = False
        self._last_allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._waiting_pollers = 0
        self._webhook: dict[str, Any] | None = None
        self._commands: dict[str, list[dict[str, str]]] = {}
        self._polls: dict[str, PollRecord] = {}
        self._poll_ids = itertools.count(5_368_000_000_000_000_001)
        self._callback_ids = itertools.count(4_391_000_000_000_000_001)
        self._open_callback_queries: dict[str, dict[str, Any]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self._files: dict[str, UploadedFile] = {}  # file_id -> the uploaded file
        self._file_counter = itertools.count(1)
        # Supergroup ids are -100 followed by the channel id; these look like recent ones.
        self._supergroup_ids = itertools.count(3_500_000_001)
        self._faults: list[Fault] = []
        #: How many pending faults name each chat (None: any chat), so that a call to a chat no
        #: fault names is not checked against every fault (tests inject thousands).
        self._fault_chats: collections.Counter[int | str | None] = collections.Counter()
        self._flood_window: collections.deque[float] = collections.deque()
        self._requests: list[Call] = []
        self._by_method: dict[str, list[Call]] = collections.defaultdict(list)
        self._counts: collections.Counter[str] = collections.Counter()
        self.http_429: int = 0
        self._reset_reach_state()

    def _reset_reach_state(self) -> None:
        """Inline mode's state: the queries awaiting an answer, and the answers given."""
        #: BotFather's /setinline: getMe says so, and only then do users' inline queries arrive.
        self.inline_mode: bool = True
        self._inline_ids = itertools.count(6_102_000_000_000_000_001)
        self._open_inline_queries: dict[str, dict[str, Any]] = {}
        self.inline_answers: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------ users and chats

    def _register_user(
        self,
        user_id: int,
        first_name: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        user = self._users.get(user_id)
        if user is not None and first_name is None:
            return user
        user = {"id": user_id, "is_bot": False, "first_name": first_name or f"User{user_id}"}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def _add_chat(self, chat: ChatRecord) -> ChatRecord:
        if chat.type == "private":
            user = self._users[chat.user_id or chat.id]
            chat.json = {"id": chat.id, "first_name": user["first_name"]}
            if "last_name" in user:
                chat.json["last_name"] = user["last_name"]
            if "username" in user:
                chat.json["username"] = user["username"]
            chat.json["type"] = "private"
        else:
            chat.json = {"id": chat.id, "title": chat.title}
            if chat.username:
                chat.json["username"] = chat.username
                self._usernames[chat.username.lower()] = chat.id
            chat.json["type"] = chat.type
            if chat.type == "group":
                chat.json["all_members_are_administrators"] = False
        chat.chat_instance = str(-(abs(chat.id) * 7919 + 1_234_567_891_011) % (1 << 62))
        self._chats[chat.id] = chat
        return chat

    @staticmethod
    def _check_not_upgraded(chat: ChatRecord) -> None:
        if chat.migrated_to is not None:
            raise ValueError(f"group {chat.id} was upgraded to {chat.migrated_to}: nobody can write there")

    def _chat_or_raise(self, chat_id: int) -> ChatRecord:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"unknown chat {chat_id}; add it with add_private_chat/add_group/add_channel first")
        return chat

    # ---------------------------------------------------------------------- messages

    def _store_message(self, chat: ChatRecord, message: dict[str, Any], *, own: bool) -> None:
        chat.messages[message["message_id"]] = message
        if own:
            chat.own.add(message["message_id"])
        if not self.record_requests and len(chat.messages) > 10_000:
            oldest = next(iter(chat.messages))
            del chat.messages[oldest]
            chat.own.discard(oldest)

    def _base_message(
        self,
        chat: ChatRecord,
        *,
        from_user: dict[str, Any] | None,
        sender_chat: dict[str, Any] | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": chat.next_message_id}
        chat.next_message_id += 1
        if from_user is not None:
            message["from"] = from_user
        if sender_chat is not None:
            message["sender_chat"] = sender_chat
        message["chat"] = chat.json
        message["date"] = int(time.time())
        if reply_to is not None:
            replied = chat.messages.get(reply_to)
            if replied is not None:
                message["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
        return message

    # ---------------------------------------------------------------- polls and members

    def _poll_or_raise(self, poll_id: str) -> PollRecord:
        poll = self._polls.get(str(poll_id))
        if poll is None:
            raise KeyError(f"unknown poll {poll_id}")
        return poll

    def _refresh_poll_message(self, poll: PollRecord) -> dict[str, Any]:
        poll_json = poll.to_json(self.legacy_correct_option_id)
        chat = self._chats.get(poll.chat_id)
        if chat is not None and poll.message_id in chat.messages:
            chat.messages[poll.message_id] = {**chat.messages[poll.message_id], "poll": poll_json}
        return poll_json

    def _member_json(self, chat: ChatRecord, user: dict[str, Any], status: str) -> dict[str, Any]:
        member: dict[str, Any] = {"user": user, "status": status}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member["can_be_edited"] = False
            member.update(admin_rights(chat.type, full=user["id"] != self.bot_user["id"]))
            member["can_manage_voice_chats"] = member.get("can_manage_video_chats", False)
        elif status == "kicked":
            member["until_date"] = 0
        elif status == "restricted":
            member["is_member"] = True
            member.update(dict.fromkeys(_RESTRICTED_RIGHTS, False))
            member["until_date"] = 0
        return member

    _STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")

    def _status_of(self, chat: ChatRecord, user_id: int) -> str:
        if user_id == self.bot_user["id"]:
            if chat.type == "private":
                return "kicked" if chat.blocked else "member"
            return chat.bot_status
        if chat.type == "private":
            return "member" if user_id == chat.user_id else "left"
        return chat.members.get(user_id, "left")
