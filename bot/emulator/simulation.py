"""The test's side of the fake: set up users and chats, make users act (messages, button presses,
votes), change memberships, upgrade groups, inject faults, and inspect what the bot did."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bot.emulator.formatting import finish_text
from bot.emulator.server import FakeServer
from bot.emulator.state import GROUP_ANONYMOUS_BOT_ID, Call, ChatRecord, Fault, PollRecord, UploadedFile


class Simulation(FakeServer):
    """Helpers a test calls; any thread may call them."""

    # ------------------------------------------------------------------ users and chats

    def add_user(
        self,
        user_id: int,
        first_name: str,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """Registers (or replaces) a user, so that updates carry a real ``from``; returns its User JSON."""
        with self._lock:
            return copy.deepcopy(self._register_user(user_id, first_name, username, last_name, language_code))

    def add_private_chat(
        self,
        user_id: int,
        first_name: str,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str = "en",
    ) -> dict[str, Any]:
        """Adds a user who has started the bot; their private chat has ``chat_id == user_id``.

        Returns the Chat JSON.
        """
        with self._lock:
            self._register_user(user_id, first_name, username, last_name, language_code)
            chat = self._add_chat(ChatRecord(id=user_id, type="private", user_id=user_id))
            return copy.deepcopy(chat.json)

    def add_group(
        self,
        chat_id: int,
        title: str,
        admins: Iterable[int] = (),
        kind: str = "supergroup",
        members: Mapping[int, str] | None = None,
        *,
        creator_id: int | None = None,
        bot_is_admin: bool = False,
        username: str | None = None,
    ) -> dict[str, Any]:
        """Adds a group (``kind="group"``) or supergroup the bot is a member of; returns the Chat JSON.

        ``members`` maps user ids to first names (users are registered).  ``admins`` are user ids
        of administrators; the creator is ``creator_id`` or, if not given, the first of ``admins``.
        ``bot_is_admin`` makes the bot an administrator.
        """
        if kind not in ("group", "supergroup"):
            raise ValueError("kind must be 'group' or 'supergroup'")
        admins = list(admins)
        with self._lock:
            chat = ChatRecord(
                id=chat_id,
                type=kind,
                title=title,
                username=username,
                bot_status="administrator" if bot_is_admin else "member",
            )
            for user_id, first_name in (members or {}).items():
                if user_id not in self._users or self._users[user_id]["first_name"] != first_name:
                    self._register_user(user_id, first_name)
                chat.members[user_id] = "member"
            creator = creator_id if creator_id is not None else (admins[0] if admins else None)
            for user_id in admins:
                self._register_user(user_id)
                chat.members[user_id] = "administrator"
            if creator is not None:
                self._register_user(creator)
                chat.members[creator] = "creator"
                chat.creator_id = creator
            return copy.deepcopy(self._add_chat(chat).json)

    def add_channel(
        self,
        chat_id: int,
        title: str,
        username: str | None,
        *,
        bot_is_admin: bool = True,
        admins: Iterable[int] = (),
    ) -> dict[str, Any]:
        """Adds a channel (reachable as ``@username`` too); the bot is an administrator unless
        ``bot_is_admin=False``.  Returns the Chat JSON."""
        with self._lock:
            chat = ChatRecord(
                id=chat_id,
                type="channel",
                title=title,
                username=username.lstrip("@") if username else None,
                bot_status="administrator" if bot_is_admin else "member",
            )
            admins = list(admins)
            for user_id in admins:
                self._register_user(user_id)
                chat.members[user_id] = "administrator"
            if admins:
                chat.members[admins[0]] = "creator"
                chat.creator_id = admins[0]
            return copy.deepcopy(self._add_chat(chat).json)

    def block(self, chat_id: int) -> None:
        """The user blocks the bot (private chat) or the bot is kicked (group/channel), silently."""
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            if chat.type == "private":
                chat.blocked = True
            else:
                chat.bot_status = "kicked"

    def unblock(self, chat_id: int) -> None:
        """Undoes :meth:`block` (the bot becomes a plain member of a group again)."""
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            if chat.type == "private":
                chat.blocked = False
            elif chat.bot_status in ("kicked", "left"):
                chat.bot_status = "administrator" if chat.type == "channel" else "member"

    def migrate_group(
        self,
        chat_id: int,
        *,
        by_user_id: int | None = None,
        service_messages: bool = True,
        from_first: bool = False,
    ) -> int:
        """Upgrades a basic group to a supergroup the way Telegram does; returns the new chat id.

        The supergroup (an id of the ``-100…`` form) has the group's title, members, admins and the
        bot's status.  From then on every send or edit to the old group is answered ``400 Bad
        Request: group chat was upgraded to a supergroup chat`` with ``parameters.migrate_to_chat_id``
        (PTB raises ``telegram.error.ChatMigrated``).  Telegram's two service messages are enqueued:
        one in the old group with ``migrate_to_chat_id``, then one in the supergroup with
        ``migrate_from_chat_id`` (``from_first=True`` swaps them; ``service_messages=False`` enqueues
        neither, as when the bot missed them).  ``by_user_id`` (default: the creator) upgraded it.
        """
        with self._lock:
            old = self._chat_or_raise(chat_id)
            if old.type != "group":
                raise ValueError("only basic groups are upgraded to supergroups")
            if old.migrated_to is not None:
                raise ValueError(f"group {chat_id} was upgraded already, to {old.migrated_to}")
            actor_id = by_user_id if by_user_id is not None else old.creator_id
            if actor_id is None:
                raise ValueError("the group has no creator: say who upgraded it with by_user_id")
            new_id = -(10**12 + next(self._supergroup_ids))
            while new_id in self._chats:
                new_id = -(10**12 + next(self._supergroup_ids))
            new = self._add_chat(
                ChatRecord(
                    id=new_id,
                    type="supergroup",
                    title=old.title,
                    bot_status=old.bot_status,
                    creator_id=old.creator_id,
                    members=dict(old.members),
                )
            )
            old.migrated_to = new_id
            actor = self._register_user(actor_id)
            to_message = self._base_message(old, from_user=actor)
            to_message["migrate_to_chat_id"] = new_id
            from_message = self._base_message(new, from_user=actor)
            from_message["migrate_from_chat_id"] = chat_id
            self._store_message(old, to_message, own=False)
            self._store_message(new, from_message, own=False)
            if service_messages:
                first, second = (from_message, to_message) if from_first else (to_message, from_message)
                self._enqueue("message", first)
                self._enqueue("message", second)
            return new_id

    # ----------------------------------------------------------- incoming updates

    def send_text(
        self,
        chat_id: int,
        text: str,
        user_id: int | None = None,
        *,
        edited: bool = False,
        reply_to: int | None = None,
        message_id: int | None = None,
    ) -> dict[str, Any]:
        """A user writes ``text`` in a private chat or group (a ``channel_post`` in a channel).

        ``user_id`` defaults to the private chat's user and is required in groups (unknown users
        are registered and join the group).  Entities Telegram detects are added: ``bot_command``
        (``/cmd`` or ``/cmd@bot``), ``url``, ``mention``, ``hashtag``.  ``edited=True`` sends an
        ``edited_message``/``edited_channel_post`` for ``message_id`` (default: the sender's latest
        message in the chat).  Returns the update.
        """
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            self._check_not_upgraded(chat)
            plain, entities = finish_text(text, [])
            if not plain:
                raise ValueError("Telegram does not deliver empty messages")
            if chat.type == "channel":
                sender: dict[str, Any] | None = None
                sender_chat: dict[str, Any] | None = chat.json
                kind = "edited_channel_post" if edited else "channel_post"
            else:
                if user_id is None:
                    if chat.type != "private":
                        raise ValueError("user_id is required for group messages")
                    user_id = chat.user_id
                assert user_id is not None
                sender = self._register_user(user_id)
                sender_chat = None
                if chat.type != "private" and chat.members.get(user_id) in (None, "left", "kicked"):
                    chat.members[user_id] = "member"
                kind = "edited_message" if edited else "message"
            if edited:
                message = self._edit_incoming(chat, sender, message_id)
            else:
                message = self._base_message(chat, from_user=sender, sender_chat=sender_chat, reply_to=reply_to)
            message["text"] = plain
            if entities:
                message["entities"] = entities
            else:
                message.pop("entities", None)
            self._store_message(chat, message, own=False)
            return copy.deepcopy(self._enqueue(kind, message))

    def _edit_incoming(self, chat: ChatRecord, sender: dict[str, Any] | None, message_id: int | None) -> dict[str, Any]:
        if message_id is None:
            for candidate in reversed(chat.messages.values()):
                if candidate["message_id"] not in chat.own and candidate.get("from") == sender:
                    message_id = candidate["message_id"]
                    break
        original = chat.messages.get(message_id) if message_id is not None else None
        if original is None:
            raise ValueError("no message to edit; send it first or pass message_id")
        message = dict(original)
        message["edit_date"] = int(time.time())
        return message

    def incoming_message(
        self,
        chat_id: int,
        fields: Mapping[str, Any],
        *,
        user_id: int | None = None,
        sender_chat_id: int | None = None,
        edit_of: int | None = None,
    ) -> dict[str, Any]:
        """A message of any shape written in a chat — ``fields`` (``text`` and ``entities`` as
        given, unchecked; no text; fields Telegram may add one day) on top of the usual ones —
        stored so that the bot's replies, edits and deletions are checked against it. Not enqueued:
        returns the Message JSON for :meth:`push_update` under the kind the caller picks.

        ``user_id`` writes as that user (registered and made a member); ``sender_chat_id`` on
        behalf of a chat; neither, with no sender at all. ``edit_of`` makes it an edit of that
        message (same id, ``edit_date`` set) instead of a new one.
        """
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            sender = self._register_user(user_id) if user_id is not None else None
            if sender is not None and chat.type in ("group", "supergroup"):
                chat.members.setdefault(user_id, "member")  # type: ignore[arg-type]
            sender_chat = self._chat_or_raise(sender_chat_id).json if sender_chat_id is not None else None
            original = chat.messages.get(edit_of) if edit_of is not None else None
            if original is not None:
                message = {k: v for k, v in original.items() if k not in ("text", "entities")}
                message["edit_date"] = int(time.time())
            else:
                message = self._base_message(chat, from_user=sender, sender_chat=sender_chat)
            message.update(copy.deepcopy(dict(fields)))
            self._store_message(chat, message, own=False)
            return copy.deepcopy(message)

    def send_as_anonymous_admin(self, chat_id: int, text: str) -> dict[str, Any]:
        """An anonymous administrator writes in a group: ``from`` is @GroupAnonymousBot and
        ``sender_chat`` the group itself.  Returns the update."""
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            if chat.type not in ("group", "supergroup"):
                raise ValueError("anonymous admins exist only in groups")
            self._check_not_upgraded(chat)
            anonymous = {
                "id": GROUP_ANONYMOUS_BOT_ID,
                "is_bot": True,
                "first_name": "Group",
                "username": "GroupAnonymousBot",
            }
            self._users.setdefault(GROUP_ANONYMOUS_BOT_ID, anonymous)
            plain, entities = finish_text(text, [])
            message = self._base_message(chat, from_user=anonymous, sender_chat=chat.json)
            message["text"] = plain
            if entities:
                message["entities"] = entities
            self._store_message(chat, message, own=False)
            return copy.deepcopy(self._enqueue("message", message))

    def press_button(self, chat_id: int, user_id: int, message_id: int, data: str) -> dict[str, Any]:
        """A user presses an inline button with callback data ``data`` under ``message_id``.

        Enqueues a ``callback_query`` with a fresh id, which ``answerCallbackQuery`` accepts once.
        Returns the update.
        """
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            user = self._register_user(user_id)
            query_id = str(next(self._callback_ids))
            body: dict[str, Any] = {"id": query_id, "from": user}
            message = chat.messages.get(message_id)
            if message is not None:
                body["message"] = message
            else:  # an InaccessibleMessage
                body["message"] = {"chat": chat.json, "message_id": message_id, "date": 0}
            body["chat_instance"] = chat.chat_instance
            body["data"] = data
            self._open_callback_queries[query_id] = {"chat_id": chat_id, "user_id": user_id}
            return copy.deepcopy(self._enqueue("callback_query", body))

    def send_inline_query(self, user_id: int, query: str, chat_type: str = "sender") -> dict[str, Any]:
        """A user types ``@<bot> query`` in some chat (``chat_type`` as Telegram reports it:
        ``sender``, ``private``, ``group``, ``supergroup``, ``channel``). Enqueues an
        ``inline_query`` with a fresh id, which ``answerInlineQuery`` accepts once; the answer is
        then in :attr:`inline_answers` under that id. Returns the update."""
        with self._lock:
            if not self.inline_mode:
                raise ValueError("inline mode is off (BotFather /setinline): Telegram sends no inline queries")
            user = self._register_user(user_id)
            query_id = str(next(self._inline_ids))
            body = {"id": query_id, "from": user, "query": query, "offset": "", "chat_type": chat_type}
            self._open_inline_queries[query_id] = {"user_id": user_id}
            return copy.deepcopy(self._enqueue("inline_query", body))

    def answer_poll(
        self, poll_id: str, user_id: int, option_ids: Iterable[int], *, emit_poll_update: bool = False
    ) -> dict[str, Any]:
        """A user votes in (or, with no options, retracts their vote from) a non-anonymous poll.

        Enqueues a ``poll_answer`` and updates the stored poll's counts (``emit_poll_update=True``
        also enqueues the ``poll`` update Telegram sends with the new counts).  Raises
        ``ValueError`` for votes Telegram's apps cannot cast.  Returns the ``poll_answer`` update.
        """
        option_ids = sorted(set(option_ids))
        with self._lock:
            poll = self._poll_or_raise(poll_id)
            if poll.is_anonymous:
                raise ValueError("bots get no poll_answer for anonymous polls; use vote_anonymous")
            self._check_vote(poll, option_ids)
            previous = poll.voters.get(user_id, [])
            if previous and not poll.allows_revoting:
                raise ValueError("this poll does not allow changing the vote")
            for option in previous:
                poll.counts[option] -= 1
            for option in option_ids:
                poll.counts[option] += 1
            poll.voters[user_id] = option_ids
            user = self._register_user(user_id)
            poll_json = self._refresh_poll_message(poll)
            update = self._enqueue(
                "poll_answer",
                {
                    "poll_id": poll.id,
                    "user": user,
                    "option_ids": option_ids,
                    "option_persistent_ids": [str(option) for option in option_ids],
                },
            )
            if emit_poll_update:
                self._enqueue("poll", poll_json)
            return copy.deepcopy(update)

    def _check_vote(self, poll: PollRecord, option_ids: list[int]) -> None:
        if poll.is_closed:
            raise ValueError("the poll is closed")
        if len(option_ids) > 1 and not poll.allows_multiple_answers:
            raise ValueError("the poll allows one answer only")
        if any(not 0 <= option < len(poll.options) for option in option_ids):
            raise ValueError("no such option")

    def vote_anonymous(self, poll_id: str, option_id: int | Iterable[int]) -> dict[str, Any]:
        """Someone votes anonymously: counts go up and a ``poll`` update with the whole Poll is
        enqueued.  Returns the update."""
        options = [option_id] if isinstance(option_id, int) else sorted(set(option_id))
        with self._lock:
            poll = self._poll_or_raise(poll_id)
            self._check_vote(poll, options)
            if not options:
                raise ValueError("choose at least one option")
            for option in options:
                poll.counts[option] += 1
            poll.anonymous_voters += 1
            return copy.deepcopy(self._enqueue("poll", self._refresh_poll_message(poll)))

    def set_bot_status(
        self, chat_id: int, new_status: str, by_user_id: int, old_status: str | None = None
    ) -> dict[str, Any]:
        """The bot's status in a chat changes (``member``, ``administrator``, ``left``, ``kicked``):
        updates the state (``kicked`` in a private chat = blocked) and enqueues ``my_chat_member``.
        Returns the update."""
        if new_status not in self._STATUSES:
            raise ValueError(f"unknown status {new_status!r}")
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            if old_status is None and chat.type == "private":
                old_status = "kicked" if chat.blocked else "member"
            elif old_status is None:
                old_status = chat.bot_status
            if chat.type == "private":
                chat.blocked = new_status == "kicked"
            else:
                chat.bot_status = new_status
            actor = self._register_user(by_user_id)
            body = {
                "chat": chat.json,
                "from": actor,
                "date": int(time.time()),
                "old_chat_member": self._member_json(chat, self.bot_user, old_status),
                "new_chat_member": self._member_json(chat, self.bot_user, new_status),
            }
            return copy.deepcopy(self._enqueue("my_chat_member", body))

    def chat_member_update(
        self,
        chat_id: int,
        user_id: int,
        new_status: str,
        old_status: str,
        *,
        by_user_id: int | None = None,
    ) -> dict[str, Any]:
        """A user's membership changes (``chat_member`` update, delivered only if the bot asked for
        it in ``allowed_updates``); the group's member list follows.  Returns the update."""
        for status in (new_status, old_status):
            if status not in self._STATUSES:
                raise ValueError(f"unknown status {status!r}")
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            user = self._register_user(user_id)
            actor = self._register_user(by_user_id if by_user_id is not None else user_id)
            if new_status in ("left", "kicked"):
                chat.members.pop(user_id, None)
            else:
                chat.members[user_id] = new_status
            body = {
                "chat": chat.json,
                "from": actor,
                "date": int(time.time()),
                "old_chat_member": self._member_json(chat, user, old_status),
                "new_chat_member": self._member_json(chat, user, new_status),
            }
            return copy.deepcopy(self._enqueue("chat_member", body))

    def push_update(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Enqueues any update; ``update_id`` is filled in when missing (and a ``poll_answer``'s
        ``option_persistent_ids``, which Telegram always sends and PTB 22.8 requires).  Returns the
        update."""
        with self._lock:
            update = copy.deepcopy(raw)
            kinds = [key for key in update if key != "update_id"]
            if len(kinds) != 1:
                raise ValueError("an update has exactly one field besides update_id")
            answer = update.get("poll_answer")
            if isinstance(answer, dict) and "option_persistent_ids" not in answer:
                answer["option_persistent_ids"] = [str(option) for option in answer.get("option_ids", [])]
            if "update_id" not in update:
                update = {"update_id": self._next_update_id, **update}
            self._next_update_id = max(self._next_update_id, update["update_id"]) + 1
            self._queue_update(kinds[0], update)
            return copy.deepcopy(update)

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        *,
        chat_id: int | str | None = None,
        error_code: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` calls of ``method`` (``"*"`` = any; optionally only for ``chat_id``)
        fail with ``error_code``.

        ``description`` defaults to Telegram's for the code: ``Internal Server Error`` (500),
        ``Too Many Requests: retry after N`` (429, with ``parameters.retry_after = N``;
        ``retry_after`` defaults to 1 for 429), ``Bad Request`` (400), ``Forbidden`` (403) ...
        """
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = {
                400: "Bad Request",
                401: "Unauthorized",
                403: "Forbidden",
                404: "Not Found",
                409: "Conflict",
                429: f"Too Many Requests: retry after {retry_after}",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(error_code, "Internal Server Error")
        with self._lock:
            self._faults.append(Fault(method.lower(), chat_id, error_code, description, retry_after, max(times, 1)))
            self._fault_chats[chat_id] += 1

    def hang_next(
        self, method: str, *, chat_id: int | str | None = None, seconds: float = 60.0, times: int = 1
    ) -> None:
        """The next ``times`` calls of ``method`` (``"*"`` = any; optionally only for ``chat_id``) hang:
        nothing is done with them, and only after ``seconds`` are they answered (504 Gateway Timeout),
        so the bot's read timeout runs out first, as when Telegram's servers stall."""
        with self._lock:
            fault = Fault(method.lower(), chat_id, 504, "Gateway Timeout", None, max(times, 1), hang_s=seconds)
            self._faults.append(fault)
            self._fault_chats[chat_id] += 1

    # ------------------------------------------------------------------------ inspection

    @property
    def requests(self) -> list[Call]:
        """Every recorded request, oldest first (a copy of the list)."""
        with self._lock:
            return list(self._requests)

    def calls(self, method: str, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """The decoded params of every recorded ``method`` call (optionally only those whose
        ``chat_id`` equals ``chat_id``, compared as strings)."""
        with self._lock:
            found = self._by_method.get(method, [])
            wanted = None if chat_id is None else str(chat_id)
            return [c.params for c in found if wanted is None or str(c.params.get("chat_id")) == wanted]

    def calls_to(self, chat_id: int | str) -> list[Call]:
        """Every recorded ``send*``/``edit*``/``delete*`` call for ``chat_id`` (compared as strings),
        whatever its outcome, oldest first."""
        wanted = str(chat_id)
        with self._lock:
            return [
                c
                for c in self._requests
                if c.method.startswith(("send", "edit", "delete")) and str(c.params.get("chat_id")) == wanted
            ]

    @property
    def counts(self) -> dict[str, int]:
        """Method name -> number of calls (kept even when ``record_requests`` is off)."""
        with self._lock:
            return dict(self._counts)

    def sent_messages(self, chat_id: int, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Messages the bot sent to ``chat_id`` as they are now (after edits), oldest first."""
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            found = {mid: msg for mid, msg in chat.messages.items() if mid in chat.own}
            if include_deleted:
                found.update({mid: msg for mid, msg in chat.deleted.items() if mid in chat.own})
            return copy.deepcopy([found[mid] for mid in sorted(found)])

    def get_message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """A stored message of any sender (``None`` if unknown or deleted)."""
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            message = chat.messages.get(message_id)
            return copy.deepcopy(message) if message is not None else None

    def member_status(self, chat_id: int, user_id: int) -> str:
        """A user's (or the bot's) status in a chat, as Telegram would report it: ``creator``,
        ``administrator``, ``member``, ``left``, ``kicked`` ..."""
        with self._lock:
            return self._status_of(self._chat_or_raise(chat_id), user_id)

    @property
    def polls(self) -> dict[str, dict[str, Any]]:
        """poll id -> ``{"poll", "chat_id", "message_id", "options", "correct_option_ids",
        "voters"}`` where ``poll`` is the Poll JSON and ``voters`` maps user ids to option ids."""
        with self._lock:
            return {
                poll_id: {
                    "poll": poll.to_json(self.legacy_correct_option_id),
                    "chat_id": poll.chat_id,
                    "message_id": poll.message_id,
                    "options": list(poll.options),
                    "correct_option_ids": list(poll.correct_option_ids),
                    "voters": {user: list(ids) for user, ids in poll.voters.items()},
                }
                for poll_id, poll in self._polls.items()
            }

    @property
    def commands(self) -> dict[str, list[dict[str, str]]]:
        """Scope key -> the commands set for it (see :meth:`scope_key`)."""
        with self._lock:
            return copy.deepcopy(self._commands)

    @staticmethod
    def scope_key(scope: Mapping[str, Any] | None = None, language_code: str = "") -> str:
        """The :attr:`commands` key for a BotCommandScope dict: ``"default"``,
        ``"all_private_chats"``, ``"chat:<chat_id>"``, ``"chat_member:<chat_id>:<user_id>"`` ...,
        followed by ``"|<language_code>"`` when a language is given."""
        scope = scope or {"type": "default"}
        key = str(scope.get("type", "default"))
        if "chat_id" in scope:
            key += f":{scope['chat_id']}"
        if "user_id" in scope:
            key += f":{scope['user_id']}"
        return f"{key}|{language_code}" if language_code else key

    @property
    def last_allowed_updates(self) -> list[str] | None:
        """The last ``allowed_updates`` list received with getUpdates/setWebhook (``None``: never)."""
        with self._lock:
            return list(self._last_allowed_updates) if self._last_allowed_updates is not None else None

    @property
    def webhook(self) -> dict[str, Any] | None:
        """The params of the active setWebhook call, if any."""
        with self._lock:
            return copy.deepcopy(self._webhook)

    @property
    def files(self) -> dict[str, UploadedFile]:
        """file_id -> uploaded file, for every document/photo sent by upload."""
        with self._lock:
            return dict(self._files)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot (via a later getUpdates offset)."""
        with self._lock:
            return copy.deepcopy([update for _, _, update in self._updates])

    def wait_for(
        self,
        method: str | None,
        predicate: Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[Call]:
        """Blocks until at least ``count`` recorded calls of ``method`` (``None``: any method) for
        which ``predicate(call)`` is true exist in total (counting calls made before this call
        too); returns them all.  Raises ``AssertionError`` with a summary of recent calls on
        timeout.  Needs ``record_requests=True``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                source = self._requests if method is None else self._by_method.get(method, [])
                found = [c for c in source if predicate is None or predicate(c)]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} {method or 'matching'} call(s); "
                        f"got {len(found)}.\n{self._summary()}"
                    )
                self._cond.wait(remaining)

    async def wait_for_async(
        self,
        method: str | None,
        predicate: Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[Call]:
        """:meth:`wait_for` for async tests (runs it in a worker thread)."""
        return await asyncio.to_thread(self.wait_for, method, predicate, count, timeout)

    def wait_for_long_poll(self, timeout: float = 10.0) -> None:
        """Blocks until a getUpdates call is waiting for updates (or raises AssertionError)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._waiting_pollers:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no getUpdates long poll after {timeout}s.\n{self._summary()}")
                self._cond.wait(remaining)

    async def wait_for_long_poll_async(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """:meth:`wait_for_long_poll` for async tests."""
        await asyncio.to_thread(self.wait_for_long_poll, timeout)

    def wait_until_delivered(self, timeout: float = 10.0) -> None:
        """Blocks until the bot has confirmed every pending update (or raises AssertionError)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._updates:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"{len(self._updates)} update(s) still unconfirmed after {timeout}s.\n{self._summary()}"
                    )
                self._cond.wait(remaining)

    async def wait_until_delivered_async(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """:meth:`wait_until_delivered` for async tests."""
        await asyncio.to_thread(self.wait_until_delivered, timeout)

    def _summary(self, last: int = 15) -> str:
        lines = [f"counts: {dict(self._counts)}", f"last {last} calls:"]
        for call in self._requests[-last:]:
            shown = {k: (v if len(repr(v)) < 80 else repr(v)[:77] + "...") for k, v in call.params.items()}
            outcome = "ok" if call.status == 200 else f"{call.status} {call.description}"
            lines.append(f"  {call.method} {shown} -> {outcome}")
        return "\n".join(lines)

    def clear(self) -> None:
        """Forgets recorded requests, counts, the 429 counter and pending faults (chats, messages,
        polls and updates stay)."""
        with self._lock:
            self._requests.clear()
            self._by_method.clear()
            self._counts.clear()
            self._faults.clear()
            self._fault_chats.clear()
            self._flood_window.clear()
            self.http_429 = 0

    # ====================================================================== Bot API methods
