"""Generated updates: hypothesis strategies for what Telegram may send the bot, and their delivery.

A strategy cannot know the ids of messages and polls the bot has not sent yet, so an example is a
list of *actions* that name them relatively ("the 3rd message of the bot's in this chat that has
buttons", "the 2nd poll it sent", "a message id it never sent") and :func:`perform` turns each into
an update against the emulator's state at that moment. The same actions on a fresh bot give the same
updates, so hypothesis can replay and shrink a failure down to the few that matter.

Every kind the bot subscribes to (``bot.app.ALLOWED_UPDATES``) is covered, plus edited messages and
channel posts and a kind Telegram may add one day, which the bot must ignore.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from bot.config import DEFAULT_CONTENT_DIR
from bot.emulator.formatting import finish_text
from bot.handlers.registry import COMMANDS
from bot.render.callbacks import Action as ButtonAction
from tests.content_cache import load_bank_once
from tests.reliability.botkit import BOT_USERNAME, CHANNEL_USERNAME, CHATS, PRIVATE_CHATS, USERS, LiveBot

TELEGRAM_TEXT_MAX = 4096  # telegram.constants.MessageLimit.MAX_TEXT_LENGTH, in UTF-16 code units

#: Ids of the bank's topics, questions and Mains prompts: made-up button data that names real things.
_BANK = load_bank_once(DEFAULT_CONTENT_DIR)
BANK_IDS = tuple(sorted({*_BANK.topics, *list(_BANK.questions)[:20], *list(_BANK.mains)[:10]}))

# --- text ------------------------------------------------------------------------------------------
#: Characters that have broken bots: right-to-left and zero-width marks, markup, a BOM, combining
#: marks, astral emoji (two UTF-16 units: entity offsets count those), line breaks.
AWKWARD = (
    "\u200f",
    "\u202e",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u0301",
    "😀",
    "👩‍👩‍👧",
    "𝔘",
    "\n",
    "<",
    ">",
    "&",
    "<b>",
    "&amp;",
    '"',
    "@",
    "/",
    "#",
    "https://t.me/x",
    "ب",
    "अ",
    "\u0000",
    "\t",
)

any_char = st.characters(codec="utf-8")  # every plane; UTF-8 (and JSON) cannot carry lone surrogates
short_text = st.lists(st.one_of(any_char, st.sampled_from(AWKWARD)), max_size=24).map("".join)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fill_to_limit(piece: str) -> str:
    """``piece`` repeated to exactly Telegram's 4,096 UTF-16 units (as near as its characters allow)."""
    piece = piece or "x"
    out: list[str] = []
    size = 0
    while True:
        for char in piece:
            width = utf16_len(char)
            if size + width > TELEGRAM_TEXT_MAX:
                return "".join(out)
            out.append(char)
            size += width


long_text = short_text.map(fill_to_limit)

#: What users type after a command: numbers at and beyond the edges, topics, times, zones, names.
ARGUMENTS = (
    "",
    "0",
    "1",
    "2",
    "10",
    "20",
    "21",
    "-3",
    "99999999999999999999999",
    "stop",
    "quit",
    "cancel",
    "colombo",
    "iom",
    "cptsu",
    "nonexistent-topic",
    "week",
    "all",
    "25:00",
    "7:30 pm",
    "0730",
    "IST",
    "India",
    "+05:30",
    "Mars/Olympus",
    "3 days",
    "2 weeks",
    "private",
    "groups",
    "channels",
    "review",
    "test_colombo-process",
    "topic_iom",
    "q_nope",
    "stats_all",
    f"@{CHANNEL_USERNAME}",
    "@nobody_here",
)
COMMAND_NAMES = (*(c.name for c in COMMANDS), "nope", "START", "Quiz")
ADDRESSEES = ("", "", f"@{BOT_USERNAME}", "@other_bot", f"@{BOT_USERNAME.upper()}")

command_text = st.builds(
    lambda name, to, args: f"/{name}{to}" + (f" {args}" if args else ""),
    st.sampled_from(COMMAND_NAMES),
    st.sampled_from(ADDRESSEES),
    st.one_of(st.sampled_from(ARGUMENTS), short_text, st.lists(st.sampled_from(ARGUMENTS), max_size=3).map(" ".join)),
)
message_text = st.one_of(
    command_text,
    command_text,
    command_text,
    short_text,
    long_text,
    st.sampled_from(("", "1", "hello", "/", "@studybot_test_bot", "/quiz@")),
)

# --- entities, fields Telegram may add ------------------------------------------------------------
ENTITY_TYPES = ("bot_command", "mention", "bold", "url", "text_link", "custom_emoji", "spoiler", "mystery_type")
odd_entity = st.fixed_dictionaries(
    {
        "type": st.sampled_from(ENTITY_TYPES),
        "offset": st.integers(-2, 5000),
        "length": st.integers(-1, 5000),
    },
    optional={"url": st.just("https://example.org"), "custom_emoji_id": st.just("5368324170671202286")},
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | short_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(short_text, inner, max_size=3),
    max_leaves=6,
)
unknown_fields = st.dictionaries(st.sampled_from(("future_field", "x_reaction", "paid_star_count_v2")), json_value)


# --- actions ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Say:
    """Someone writes in a chat (a channel post in a channel; ``edit``: an edit of their last message)."""

    chat: str
    user: str
    text: str | None
    entities: str  # "auto": as Telegram detects them; "none"; "odd": ``odd``
    odd: tuple[dict[str, Any], ...] = ()
    sender: str = "user"  # user | anonymous (a group's anonymous admin) | chat (channel signature) | none
    edit: bool = False
    extra: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Press:
    """Someone presses a button: real data from the message's keyboard, or made up."""

    chat: str
    user: str
    target: str  # own | own_with_buttons | poll | deleted | missing | incoming
    index: int  # which one, counting from the newest
    data: str | None = None  # None: a button's data (below); else this, made up
    #: With ``data`` None: the n-th newest button the bot sent anywhere; None: the target's own buttons.
    elsewhere: int | None = None


@dataclass(frozen=True)
class Vote:
    """A poll answer: to a poll the bot sent (``poll`` ≥ 0: the n-th, modulo) or to an unknown one."""

    poll: int
    voter: str  # a user name, or "chat:<name>" (an answer on behalf of a chat: voter_chat, no user)
    options: tuple[int, ...]


@dataclass(frozen=True)
class PollState:
    """A ``poll`` update: a poll's counts or closing, for a poll the bot sent or an unknown one."""

    poll: int
    closed: bool
    counts: tuple[int, ...]


@dataclass(frozen=True)
class BotMember:
    """The bot's own membership changes (``my_chat_member``): blocked, removed, re-added, promoted."""

    chat: str
    status: str
    by: str


@dataclass(frozen=True)
class Member:
    """A user's membership changes (``chat_member``), in any order, whatever it was before."""

    chat: str
    user: str
    old: str
    new: str


@dataclass(frozen=True)
class Inline:
    user: str
    query: str


@dataclass(frozen=True)
class Upgrade:
    """The basic group becomes a supergroup (service messages in either order, or none seen)."""

    from_first: bool
    service_messages: bool


@dataclass(frozen=True)
class Unknown:
    """An update of a kind Telegram may add one day."""

    body: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Wait:
    """Time passes (the cooldown, a test question's minute, a day); not an update."""

    seconds: int


@dataclass(frozen=True)
class Fault:
    """Telegram answers the bot's next call of a method with a 5xx (an injected network fault);
    not an update."""

    method: str
    code: int


Step = Say | Press | Vote | PollState | BotMember | Member | Inline | Upgrade | Unknown | Wait | Fault

chat_names = st.sampled_from(tuple(CHATS))
user_names = st.sampled_from(tuple(USERS))
STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
BOT_STATUSES = ("member", "administrator", "left", "kicked")

says = st.builds(
    Say,
    chat=chat_names,
    user=user_names,
    text=st.one_of(st.none(), message_text),
    entities=st.sampled_from(("auto", "auto", "auto", "none", "odd")),
    odd=st.lists(odd_entity, max_size=3).map(tuple),
    sender=st.sampled_from(("user", "user", "user", "anonymous", "chat", "none")),
    edit=st.booleans(),
    extra=unknown_fields.map(lambda d: tuple(sorted(d.items()))),
)
forged_data = st.one_of(
    st.builds(
        lambda action, value: f"{action}:{value}",
        st.sampled_from([a.value for a in ButtonAction]),
        st.one_of(
            st.sampled_from(
                (
                    "*",
                    "yes",
                    "no",
                    "go",
                    "go:*",
                    "quit",
                    "key:nope",
                    "all",
                    "here",
                    "sub",
                    "unsub",
                    "pause7",
                    "resume",
                    "time:07:30",
                    "time:99:99",
                    "size:5",
                    "go:1",
                    "no:1",
                    "go:999999",
                    "-1",
                    "99999999999999999999",
                    "iom",
                    "Asia/Kolkata",
                )
            ),
            st.sampled_from(BANK_IDS),
            st.sampled_from(BANK_IDS).map(lambda i: f"go:{i}"),
            st.sampled_from(BANK_IDS).map(lambda i: f"key:{i}"),
            short_text,
        ),
    ),
    short_text.filter(lambda s: len(s.encode()) <= 64),
)
votes = st.builds(
    Vote,
    poll=st.integers(-1, 30),
    voter=st.one_of(user_names, st.sampled_from(("chat:supergroup", "chat:channel", "chat:group"))),
    options=st.one_of(
        st.tuples(st.integers(0, 3)),
        st.tuples(st.integers(0, 3)),
        st.just(()),
        st.lists(st.integers(-2, 12), max_size=4).map(tuple),
    ),
)
poll_states = st.builds(
    PollState,
    poll=st.integers(-1, 30),
    closed=st.booleans(),
    counts=st.lists(st.integers(0, 10**6), max_size=5).map(tuple),
)
bot_members = st.builds(BotMember, chat=chat_names, status=st.sampled_from(BOT_STATUSES), by=user_names)
members = st.builds(
    Member,
    chat=st.sampled_from(("group", "supergroup", "channel")),
    user=user_names,
    old=st.sampled_from(STATUSES),
    new=st.sampled_from(STATUSES),
)
inlines = st.builds(Inline, user=user_names, query=st.one_of(short_text, st.sampled_from(ARGUMENTS)))
unknowns = st.builds(Unknown, body=unknown_fields.map(lambda d: tuple(sorted(d.items()))))
#: Commands as people send them: bare, addressed to this bot, with an argument that means something.
plain_commands = st.builds(
    Say,
    chat=chat_names,
    user=user_names,
    text=st.builds(
        lambda name, to, args: f"/{name}{to}" + (f" {args}" if args else ""),
        st.sampled_from(COMMAND_NAMES),
        st.sampled_from(("", "", "", f"@{BOT_USERNAME}")),
        st.sampled_from(("", "", "", *ARGUMENTS)),
    ),
    entities=st.just("auto"),
)
#: Group admins at work: sessions, settings, the operator's commands in their private chat.
admin_commands = st.builds(
    Say,
    chat=st.sampled_from(("group", "supergroup", "channel", "operator", "admin")),
    user=st.sampled_from(("admin", "operator")),
    text=st.sampled_from(
        (
            "/quiz 2",
            "/quiz 3 colombo",
            "/quiz stop",
            "/test",
            "/test stop",
            "/subscribe",
            "/unsubscribe",
            "/settings",
            "/settime 07:30",
            "/timezone IST",
            "/pause 3",
            "/resume",
            "/admin",
            "/reload",
            "/broadcast hello <b>all</b>",
            "/broadcast groups Study at 8",
            "/forget",
            "/review",
            "/mistakes",
            "/export",
        )
    ),
    entities=st.just("auto"),
    sender=st.sampled_from(("user", "user", "anonymous")),
)
#: Presses of buttons the bot really sent, by whoever is there.
recent = st.one_of(st.integers(0, 2), st.integers(0, 40))
real_presses = st.builds(Press, chat=chat_names, user=user_names, target=st.just("own_with_buttons"), index=recent)
private_presses = st.builds(
    Press, chat=st.sampled_from(PRIVATE_CHATS), user=user_names, target=st.just("own_with_buttons"), index=recent
)
#: A real button's data pressed again, or under another message: a poll, a deleted one, one never sent.
replayed_presses = st.builds(
    Press,
    chat=chat_names,
    user=user_names,
    target=st.sampled_from(("own", "own_with_buttons", "poll", "deleted", "missing", "incoming")),
    index=recent,
    elsewhere=recent,
)
#: Presses under polls, deleted or unknown messages, and made-up data anywhere.
odd_presses = st.builds(
    Press,
    chat=chat_names,
    user=user_names,
    target=st.sampled_from(("own", "poll", "deleted", "missing", "incoming")),
    index=recent,
    data=st.one_of(st.none(), forged_data),
)
forged_presses = st.builds(
    Press, chat=chat_names, user=user_names, target=st.just("own_with_buttons"), index=recent, data=forged_data
)
#: Answers people give: one option of a poll the bot sent.
plain_votes = st.builds(Vote, poll=st.integers(0, 30), voter=user_names, options=st.tuples(st.integers(0, 3)))
steps: st.SearchStrategy[Step] = st.one_of(
    plain_commands,
    admin_commands,
    says,
    real_presses,
    private_presses,
    replayed_presses,
    odd_presses,
    forged_presses,
    plain_votes,
    votes,
    poll_states,
    bot_members,
    members,
    inlines,
    unknowns,
    st.builds(Upgrade, from_first=st.booleans(), service_messages=st.booleans()),
    st.builds(Wait, seconds=st.sampled_from((1, 31, 61, 600, 86_400))),
    st.builds(
        Fault,
        method=st.sampled_from(("sendMessage", "sendPoll", "editMessageText", "answerCallbackQuery")),
        code=st.sampled_from((500, 502)),
    ),
)


# --- turning actions into updates -------------------------------------------------------------------
@dataclass
class Run:
    """One example's state: the bot, the updates delivered so far, and what the test injected."""

    live: LiveBot
    delivered: list[dict[str, Any]]
    faults: int = 0
    upgraded_to: int | None = None

    def chat_id(self, name: str) -> int:
        chat_id = CHATS[name]
        if name == "group" and self.upgraded_to is not None:
            return self.upgraded_to
        return chat_id

    def bot_is_in(self, chat_id: int) -> bool:
        fake = self.live.fake
        return fake.member_status(chat_id, fake.bot_user["id"]) not in ("left", "kicked")

    async def send(self, update: dict[str, Any]) -> None:
        self.delivered.append(await self.live.deliver(update))


async def perform(run: Run, action: Step) -> None:
    """Turn an action into the update Telegram would send now, and deliver it (some actions send
    nothing: Telegram delivers nothing from a chat the bot is not in, say)."""
    live, fake = run.live, run.live.fake
    if isinstance(action, Wait):
        live.run.clock.advance(seconds=action.seconds)
    elif isinstance(action, Fault):
        fake.fail_next(action.method, error_code=action.code)
        run.faults += 1
    elif isinstance(action, Say):
        await _say(run, action)
    elif isinstance(action, Press):
        await _press(run, action)
    elif isinstance(action, Vote):
        await _vote(run, action)
    elif isinstance(action, PollState):
        await run.send({"poll": _poll_json(run, action)})
    elif isinstance(action, BotMember):
        chat_id = run.chat_id(action.chat)
        status = action.status
        if chat_id == CHATS["channel"] and status == "member":
            status = "administrator"  # bots are in channels only as administrators
        if chat_id > 0:
            status = "kicked" if status in ("left", "kicked") else "member"
        before = len(fake.pending_updates)
        fake.set_bot_status(chat_id, status, USERS[action.by] if chat_id < 0 else chat_id)
        await _deliver_enqueued(run, before)
    elif isinstance(action, Member):
        chat_id = run.chat_id(action.chat)
        if not run.bot_is_in(chat_id):
            return
        before = len(fake.pending_updates)
        fake.chat_member_update(chat_id, USERS[action.user], action.new, action.old)
        await _deliver_enqueued(run, before)
    elif isinstance(action, Inline):
        before = len(fake.pending_updates)
        fake.send_inline_query(USERS[action.user], action.query)
        await _deliver_enqueued(run, before)
    elif isinstance(action, Upgrade):
        if run.upgraded_to is not None or not run.bot_is_in(CHATS["group"]):
            return
        before = len(fake.pending_updates)
        run.upgraded_to = fake.migrate_group(
            CHATS["group"], service_messages=action.service_messages, from_first=action.from_first
        )
        await _deliver_enqueued(run, before)
    elif isinstance(action, Unknown):
        await run.send({"mystery_update": dict(action.body) or {"id": 1}})


async def _deliver_enqueued(run: Run, before: int) -> None:
    """Wait for what an emulator helper just enqueued to be handled."""
    for update in run.live.fake.pending_updates[before:]:
        await run.live.handled(update)
        run.delivered.append(update)


async def _say(run: Run, action: Say) -> None:
    fake = run.live.fake
    chat_id = run.chat_id(action.chat)
    if not run.bot_is_in(chat_id):
        return  # Telegram delivers nothing from a chat the bot has left or a user who blocked it
    is_channel = chat_id == CHATS["channel"]
    private = chat_id > 0
    fields: dict[str, Any] = dict(action.extra)
    if action.text is not None:
        if action.entities == "auto":
            text, entities = finish_text(action.text, [])
            fields["text"] = text
            if entities:
                fields["entities"] = entities
        else:
            fields["text"] = action.text
            if action.entities == "odd" and action.odd:
                fields["entities"] = [dict(e) for e in action.odd]
    user_id: int | None = chat_id if private else USERS[action.user]
    sender_chat: int | None = None
    if is_channel:
        user_id = None
        sender_chat = chat_id if action.sender != "none" else None
    elif action.sender == "anonymous" and not private:
        user_id, sender_chat = 1087968824, chat_id  # @GroupAnonymousBot writing as the group
    edit_of = None
    if action.edit:
        incoming = [m for m in _messages(fake, chat_id) if m.get("from", {}).get("id") == user_id and "poll" not in m]
        edit_of = incoming[-1]["message_id"] if incoming else None
    message = fake.incoming_message(chat_id, fields, user_id=user_id, sender_chat_id=sender_chat, edit_of=edit_of)
    kind = "channel_post" if is_channel else "message"
    if edit_of is not None:
        kind = f"edited_{kind}"
    await run.send({kind: message})


def _messages(fake: Any, chat_id: int) -> list[dict[str, Any]]:
    with fake._lock:
        return [dict(m) for m in fake._chats[chat_id].messages.values()]


async def _press(run: Run, action: Press) -> None:
    fake = run.live.fake
    chat_id = run.chat_id(action.chat)
    with fake._lock:
        chat = fake._chats[chat_id]
        own = [chat.messages[m] for m in sorted(chat.own) if m in chat.messages]
        deleted = [chat.deleted[m] for m in sorted(chat.deleted) if m in chat.own]
        incoming = [m for mid, m in chat.messages.items() if mid not in chat.own]
    candidates = {
        "own": own,
        "own_with_buttons": [m for m in own if "reply_markup" in m],
        "poll": [m for m in own if "poll" in m],
        "deleted": deleted,
        "incoming": incoming,
    }.get(action.target, [])
    if candidates:
        message = candidates[-1 - action.index % len(candidates)]
        message_id = message["message_id"]
    else:
        message, message_id = {}, 10_000 + action.index  # a message the chat never had
    data = action.data
    if data is None:
        buttons = _button_data([message]) if action.elsewhere is None else _sent_button_data(fake)
        which = action.index if action.elsewhere is None else action.elsewhere
        data = buttons[-1 - which % len(buttons)] if buttons else f"{ButtonAction.TOPIC_PAGE.value}:nope"
    update = fake.press_button(
        chat_id, USERS[action.user] if chat_id < 0 else _presser(action, chat_id), message_id, data
    )
    await run.live.handled(update)
    run.delivered.append(update)


def _button_data(messages: list[dict[str, Any]]) -> list[str]:
    return [
        str(b["callback_data"])
        for message in messages
        for row in message.get("reply_markup", {}).get("inline_keyboard", [])
        for b in row
        if "callback_data" in b
    ]


def _sent_button_data(fake: Any) -> list[str]:
    """The data of every button the bot has sent or edited in, in any chat, oldest first."""
    markups = [c.params.get("reply_markup") for c in fake.requests if c.ok and "reply_markup" in c.params]
    return _button_data([{"reply_markup": m} for m in markups if isinstance(m, dict)])


def _presser(action: Press, chat_id: int) -> int:
    """In a private chat the owner presses; a "stranger" there stands for a forged press by someone else."""
    return USERS[action.user] if action.user == "stranger" else chat_id


async def _vote(run: Run, action: Vote) -> None:
    fake = run.live.fake
    polls = list(fake.polls.items())
    if action.poll < 0 or not polls:
        poll_id = "5368999999999999999"  # a poll the bot never sent
        shown: list[str] = ["a", "b"]
    else:
        poll_id, info = polls[action.poll % len(polls)]
        shown = info["options"]
    answer: dict[str, Any] = {"poll_id": poll_id, "option_ids": list(action.options)}
    if action.voter.startswith("chat:"):
        answer["voter_chat"] = _chat_json(fake, run.chat_id(action.voter.removeprefix("chat:")))
        answer["user"] = None
    else:
        user_id = USERS[action.voter]
        options = sorted(set(action.options))
        try:
            before = len(fake.pending_updates)
            fake.answer_poll(poll_id, user_id, options)  # a vote Telegram's apps can cast: the poll counts it
            await _deliver_enqueued(run, before)
            return
        except (ValueError, KeyError):
            answer["user"] = (
                fake.add_user(user_id, f"User{user_id}") if user_id not in _known(fake) else _user(fake, user_id)
            )
    answer = {k: v for k, v in answer.items() if v is not None}
    if not shown:
        answer["option_ids"] = []
    await run.send({"poll_answer": answer})


def _known(fake: Any) -> set[int]:
    with fake._lock:
        return set(fake._users)


def _user(fake: Any, user_id: int) -> dict[str, Any]:
    with fake._lock:
        return dict(fake._users[user_id])


def _chat_json(fake: Any, chat_id: int) -> dict[str, Any]:
    with fake._lock:
        return dict(fake._chats[chat_id].json)


def _poll_json(run: Run, action: PollState) -> dict[str, Any]:
    polls = list(run.live.fake.polls.values())
    if action.poll >= 0 and polls:
        poll = dict(polls[action.poll % len(polls)]["poll"])
    else:
        poll = {
            "id": "5368999999999999998",
            "question": "?",
            "options": [{"persistent_id": "0", "text": "a", "voter_count": 0}],
            "total_voter_count": 0,
            "is_anonymous": True,
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
            "type": "quiz",
        }
    options = [dict(o) for o in poll["options"]]
    for option, count in zip(options, action.counts, strict=False):
        option["voter_count"] = count
    poll["options"] = options
    poll["total_voter_count"] = sum(o["voter_count"] for o in options)
    poll["is_closed"] = action.closed
    return poll


def describe(updates: list[dict[str, Any]]) -> str:
    """The updates delivered, one JSON line each, long texts shortened, for a failure's message."""
    lines = []
    for update in updates:
        line = json.dumps(update, ensure_ascii=False, default=str)
        lines.append(line if len(line) <= 600 else line[:560] + f"… ({len(line)} characters)")
    return "\n".join(lines)
