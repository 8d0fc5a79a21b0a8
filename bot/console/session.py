"""The console's chats: the user's lines become updates in the emulator, and what the bot then
calls (sends, edits, pop-ups) is printed as the chat shows it.

Every line is handled to the end before the next is read: the update is enqueued, the
Application's last handler group marks it done, and the update processor is joined, so the
transcript of piped input is the same on every run. The clock is a ManualClock: it moves by
``:tomorrow`` (and, on a terminal, with the wall clock between lines), so no line ever waits.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from telegram import Update
from telegram.ext import TypeHandler

from bot.clock import ManualClock
from bot.console import screen
from bot.context import CONTEXT_KEY, AppContext, StudyApplication
from bot.delivery.jobs import delete_due
from bot.delivery.learning import expire_tests
from bot.delivery.push import make_deliver
from bot.emulator import Call, FakeBotAPI, UploadedFile
from bot.render.texts import t
from bot.update_processor import PerChatUpdateProcessor

#: The emulator's bot (its id is the token's first part).
TOKEN = "7000000001:console-emulator"
BOT_USERNAME = "studybot_console_bot"
#: The console's user, and the two other members of the study group.
USER_ID, USER_NAME = 50_001, "Asha"
MEMBERS = {"Ravi": 50_002, "Meera": 50_003}
GROUP_ID = -1_000_000_500_001
CHANNEL_ID = -1_000_000_500_002
CHANNEL_USERNAME = "upsc_daily_console"
#: Runs after every other handler group: the update is done when this has seen it.
LAST_GROUP = 10_000
#: How long one line may keep the bot busy before the console gives up waiting.
LINE_TIMEOUT_S = 30.0
_PROBE = {
    "question": "probe",
    "options": [{"persistent_id": "0", "text": "a", "voter_count": 0}],
    "total_voter_count": 0,
    "is_closed": True,
    "is_anonymous": True,
    "allows_multiple_answers": False,
    "allows_revoting": False,
    "members_only": False,
    "type": "regular",
}
#: Calls that change nothing a user sees.
_QUIET = frozenset({"getUpdates", "getMe", "setMyCommands", "deleteWebhook", "getChatAdministrators", "getChatMember"})


@dataclass
class Chat:
    id: int
    title: str


class Console:
    """One console session against a running Application and its emulator."""

    def __init__(
        self,
        emulator: FakeBotAPI,
        application: StudyApplication,
        clock: ManualClock,
        out: TextIO,
        *,
        ansi: bool,
        media_dir: Path,
        wall: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.emulator = emulator
        self.application = application
        self.clock = clock
        self.out = out
        self.ansi = ansi
        self.media_dir = media_dir
        #: On a terminal the clock follows the wall clock between lines (plus the days skipped).
        self._wall = wall
        self._offset = clock.now() - wall() if wall is not None else dt.timedelta()
        self.ctx: AppContext = application.bot_data[CONTEXT_KEY]
        self.private = Chat(USER_ID, t("console.private_title"))
        self.group: Chat | None = None
        self.channel: Chat | None = None
        self.chat = self.private
        self.speaker = USER_ID
        self._seen = len(emulator.requests)
        self._done: set[int] = set()
        self._changed = asyncio.Condition()
        self._probes = 0
        self._media = 0
        self._shown_chat = self.private.id
        application.add_handler(TypeHandler(Update, self._mark_done), group=LAST_GROUP)

    # ------------------------------------------------------------------------- input

    async def feed(self, line: str) -> bool:
        """A line of piped input: shown in the transcript (no terminal echoes it), then handled."""
        self.echo(line)
        return await self.handle(line)

    async def handle(self, line: str) -> bool:
        """One line of input; False when the console should end."""
        line = line.strip()
        if not line:
            return True
        self._follow_wall_clock()
        if line.startswith(":"):
            return await self._verb(line)
        if line.isdigit():
            await self._answer(int(line))
        elif len(line) == 1 and line.isalpha():
            await self._press(line.lower())
        else:
            await self._send(line)
        await self._timers()
        return True

    async def _verb(self, line: str) -> bool:
        verb, _, rest = line.partition(" ")
        verb = verb.lower()
        if verb in (":quit", ":q", ":exit"):
            return False
        if verb == ":help":
            names = ", ".join([USER_NAME, *MEMBERS])
            self._say(t("console.help", members=" and ".join(MEMBERS), names=names))
        elif verb == ":group":
            await self._go_group()
        elif verb == ":channel":
            await self._go_channel()
        elif verb == ":private":
            self.chat, self.speaker = self.private, USER_ID
            self._heading(self.private)
        elif verb == ":as":
            self._speak_as(rest.strip())
        elif verb == ":push":
            await self._push()
        elif verb == ":tomorrow":
            self._offset += dt.timedelta(days=1)
            when = self.clock.advance(days=1)
            self._say(t("console.tomorrow", when=when.astimezone(self.ctx.settings.tz).strftime("%a %d %b %Y %H:%M")))
            await self._timers()
            await self._push()
        else:
            self._say(t("console.unknown_verb", verb=verb))
        return True

    def _speak_as(self, name: str) -> None:
        names = {USER_NAME.lower(): USER_ID, "me": USER_ID} | {n.lower(): i for n, i in MEMBERS.items()}
        if self.group is None or self.chat is not self.group:
            self._say(t("console.as_needs_group"))
        elif name.lower() not in names:
            self._say(t("console.as_usage", names=", ".join([USER_NAME, *MEMBERS])))
        else:
            self.speaker = names[name.lower()]
            self._say(t("console.as_now", name=self._name(self.speaker)))

    async def _go_group(self) -> None:
        if self.group is None:
            self.group = Chat(GROUP_ID, t("console.group_title"))
            members = {USER_ID: USER_NAME} | {i: n for n, i in MEMBERS.items()}
            self.emulator.add_group(GROUP_ID, self.group.title, admins=[USER_ID], members=members)
            self.chat = self.group
            self._heading(self.group)
            # The bot is added to the group: Telegram tells it, and it says hello.
            await self._settle(self.emulator.set_bot_status(GROUP_ID, "member", USER_ID, old_status="left"))
        self.chat, self.speaker = self.group, USER_ID
        self._heading(self.group)

    async def _go_channel(self) -> None:
        if self.channel is None:
            self.channel = Chat(CHANNEL_ID, t("console.channel_title"))
            self.emulator.add_channel(CHANNEL_ID, self.channel.title, CHANNEL_USERNAME, admins=[USER_ID])
            self.chat = self.channel
            self._heading(self.channel)
            await self._settle(self.emulator.set_bot_status(CHANNEL_ID, "administrator", USER_ID, old_status="left"))
        self.chat, self.speaker = self.channel, USER_ID
        self._heading(self.channel)

    async def _send(self, text: str, chat: Chat | None = None) -> None:
        chat = chat or self.chat
        user = None if chat is self.channel else self.speaker
        await self._settle(self.emulator.send_text(chat.id, text, user_id=user))

    async def _answer(self, number: int) -> None:
        found = self._open_poll()
        if found is None:
            self._say(t("console.no_poll", name=self._name(self.speaker)))
            return
        poll_id, poll = found
        options = poll["poll"]["options"]
        if not 1 <= number <= len(options):
            self._say(t("console.bad_option", count=len(options)))
            return
        if poll["poll"].get("is_anonymous"):
            update = self.emulator.vote_anonymous(poll_id, number - 1)
            after = update["poll"]
        else:
            update = self.emulator.answer_poll(poll_id, self.speaker, [number - 1])
            after = self.emulator.polls[poll_id]["poll"]
        # What Telegram's app shows at once: the poll, answered.
        after = {**after, "correct_option_ids": poll["correct_option_ids"]}
        self._print(screen.poll_lines(after, self.ansi, [number - 1]))
        await self._settle(update)

    def _open_poll(self) -> tuple[str, dict[str, Any]] | None:
        """The latest poll in this chat that is open and that the speaker has not answered."""
        for poll_id, poll in reversed(self.emulator.polls.items()):
            if poll["chat_id"] != self.chat.id or poll["poll"].get("is_closed"):
                continue
            if poll["poll"].get("is_anonymous") or self.speaker not in poll["voters"]:
                return poll_id, poll
        return None

    async def _press(self, letter: str) -> None:
        for message in reversed(self.emulator.sent_messages(self.chat.id)):
            found = screen.buttons(message.get("reply_markup"))
            if found:
                break
        else:
            self._say(t("console.no_buttons"))
            return
        index = screen.LETTERS.index(letter)
        if index >= len(found):
            self._say(t("console.bad_button", first="a", last=screen.LETTERS[len(found) - 1]))
            return
        button = found[index]
        if "callback_data" in button:
            data = str(button["callback_data"])
            await self._settle(self.emulator.press_button(self.chat.id, self.speaker, message["message_id"], data))
            return
        url = str(button.get("url", ""))
        deep_link = re.match(rf"https://t\.me/{BOT_USERNAME}\?start=([\w-]+)$", url)
        if deep_link is None:
            self._say(t("console.url_button", url=url))
            return
        # A link into the bot's private chat: Telegram opens it and sends /start with the payload.
        self.chat, self.speaker = self.private, USER_ID
        start = f"/start {deep_link.group(1)}"
        self.echo(start)
        await self._send(start)

    # ------------------------------------------------------------------ jobs and time

    def _follow_wall_clock(self) -> None:
        if self._wall is not None:
            when = self._wall() + self._offset
            if when > self.clock.now():
                self.clock.set(when)

    async def _timers(self) -> None:
        """What the repeating jobs would do at the console's time: mock-test questions whose time
        ran out, channel confirmations due to go."""
        bot = self.application.bot
        await expire_tests(bot, self.ctx)
        await delete_due(bot, self.ctx)
        await self._flush()

    async def _push(self) -> None:
        """Today's push for every subscribed console chat, whatever its push time."""
        deliver = make_deliver(self.application.bot, self.ctx)
        report = await self.ctx.push.run(self.clock.now(), deliver, ignore_time=True, take_skipped=True)
        await self._flush()
        self._say(t("console.push", summary=report.summary()))

    # ------------------------------------------------------------------------ output

    async def _mark_done(self, update: object, _context: object) -> None:
        if isinstance(update, Update):
            async with self._changed:
                self._done.add(update.update_id)
                self._changed.notify_all()

    async def _settle(self, update: dict[str, Any]) -> None:
        """Wait until the bot has finished with ``update`` and whatever it set going, then print."""
        try:
            async with asyncio.timeout(LINE_TIMEOUT_S):
                await self._wait_for(int(update["update_id"]))
                # A probe behind it: every update enqueued before has been handed to the processor.
                self._probes += 1
                probe = self.emulator.push_update({"poll": {**_PROBE, "id": f"console-probe-{self._probes}"}})
                await self._wait_for(int(probe["update_id"]))
                processor = self.application.update_processor
                if isinstance(processor, PerChatUpdateProcessor):
                    await processor.join()
        except TimeoutError:
            # What it sends later is printed after a later line; the console goes on.
            self._say(t("console.busy", seconds=int(LINE_TIMEOUT_S)))
        await self._flush()

    async def _wait_for(self, update_id: int) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: update_id in self._done)
            self._done.discard(update_id)

    async def _flush(self) -> None:
        """Print every call the bot made since the last flush, as its chat shows it."""
        calls = self.emulator.requests
        new, self._seen = calls[self._seen :], len(calls)
        for call in new:
            self._show(call)
        self.out.flush()

    def _show(self, call: Call) -> None:
        if call.method in _QUIET:
            return
        if not call.ok:
            self._say(t("console.refused", method=call.method, description=call.description))
            return
        if call.method == "answerCallbackQuery":
            if call.params.get("text"):
                self._say(t("console.toast", text=call.params["text"]))
            return
        chat_id = _int(call.params.get("chat_id"))
        if chat_id is not None:
            self._heading_for(chat_id)
        if call.method == "deleteMessage":
            self._say(t("console.deleted"))
            return
        message = call.result if isinstance(call.result, dict) else None
        if message is None:
            return
        lines = screen.message_lines(message, self.ansi, saved_to=self._save_media(call))
        if call.method.startswith("edit"):
            lines = [screen.dim(t("console.edited"), self.ansi), *lines]
        self._print(lines)

    def _save_media(self, call: Call) -> str | None:
        """A photo or file the bot uploaded, written where the user can open it."""
        for name in ("photo", "document"):
            upload = call.params.get(name)
            if isinstance(upload, UploadedFile):
                self.media_dir.mkdir(parents=True, exist_ok=True)
                self._media += 1
                stamp = self.clock.now().strftime("%Y%m%d-%H%M%S")
                path = self.media_dir / f"{name}-{stamp}-{self._media}{_suffix(upload)}"
                path.write_bytes(upload.content)
                return str(path)
        return None

    def _heading_for(self, chat_id: int) -> None:
        chats = {c.id: c for c in (self.private, self.group, self.channel) if c is not None}
        chat = chats.get(chat_id)
        if chat is not None and chat_id != self._shown_chat:
            self._heading(chat)

    def _heading(self, chat: Chat) -> None:
        if chat.id != self._shown_chat:
            self._shown_chat = chat.id
            self._say(t("console.in_chat", title=chat.title))

    def _name(self, user_id: int) -> str:
        return next((n for n, i in MEMBERS.items() if i == user_id), USER_NAME)

    def _say(self, text: str) -> None:
        """A line of the console's own (not from the bot)."""
        self.out.write(screen.dim(text, self.ansi) + "\n")

    def _print(self, lines: list[str]) -> None:
        self.out.write("\n".join(lines) + "\n\n")

    def echo(self, line: str) -> None:
        """Piped input is not shown by a terminal: the transcript shows who said what."""
        if line.strip():
            if self.chat.id != self._shown_chat:
                self._heading(self.chat)
            name = self.chat.title if self.chat is self.channel else self._name(self.speaker)
            self.out.write(f"{name} › {line.strip()}\n")


def _suffix(upload: UploadedFile) -> str:
    """The file's own extension, or one read from its first bytes (PTB names raw bytes by MIME type)."""
    suffix = Path(upload.filename).suffix.lower()
    if suffix in (".png", ".jpg", ".jpeg", ".csv", ".txt", ".pdf"):
        return suffix
    if upload.content.startswith(b"\x89PNG"):
        return ".png"
    return ".jpg" if upload.content.startswith(b"\xff\xd8") else ".bin"


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
