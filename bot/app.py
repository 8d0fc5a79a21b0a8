"""Building and running the bot: context, Application, command menus, polling and shutdown."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import cast
from urllib.parse import urlsplit

import asyncpg
from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.clock import Clock, SystemClock
from bot.config import Settings, rejected_token
from bot.content.loader import load_bank
from bot.context import CONTEXT_KEY, AppContext, StudyApplication, StudyContext
from bot.delivery.http import AiohttpRequest, failure_reason
from bot.delivery.jobs import schedule_jobs
from bot.delivery.telegram_bot import StudyBot
from bot.handlers.registry import Scope, commands_for, register
from bot.languages import LANGUAGES
from bot.logging_setup import install_redaction
from bot.render.texts import t
from bot.services.broadcast import BroadcastService
from bot.services.chat_settings import ChatSettingsService
from bot.services.groups import Cooldown, GroupService
from bot.services.learning import Learning
from bot.services.operators import AlertThrottle, OperatorService
from bot.services.push import PushService
from bot.services.stats import StatsService
from bot.services.study import StudyService
from bot.storage.postgres import PostgresRepository, describe_url
from bot.storage.repository import Repository
from bot.storage.sqlite import SqliteRepository
from bot.update_processor import FetchedUpdates, PerChatUpdateProcessor
from bot.webhook import WebhookServer

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.CALLBACK_QUERY,
    Update.POLL_ANSWER,
    Update.POLL,
    Update.MY_CHAT_MEMBER,
    Update.CHAT_MEMBER,
    Update.CHANNEL_POST,
    Update.INLINE_QUERY,
]
#: How long a graceful stop may take before we give up waiting on Telegram.
STOP_TIMEOUT_S = 8.0
#: bot_data key of the port the webhook listens on (tests listen on port 0).
WEBHOOK_PORT_KEY = "webhook_port"


class BotApiUnreachable(Exception):
    """The Bot API could not be reached at start-up; the message names its host, never the token."""


class StoreUnreachable(Exception):
    """PostgreSQL could not be reached or refused us at start-up; the message never has the password."""


class StoreUnusable(Exception):
    """The SQLite database cannot be opened or written: corrupt, not a database, read-only."""


async def open_store(settings: Settings, clock: Clock, *, serving: bool = False) -> Repository:
    """PostgreSQL when DATABASE_URL is set, else SQLite at DATABASE_PATH; migrations applied.

    ``serving``: for a bot taking updates, whose SQLite answers are recorded in a process of their own.
    """
    url = settings.postgres_url
    if url is None:
        log.info("store: SQLite at %s", settings.database_path)
        try:
            return await SqliteRepository.open(settings.database_path, clock, answer_process=serving)
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnusable(
                f"cannot use the SQLite database at {settings.database_path} ({exc}); check DATABASE_PATH and "
                "the file's permissions, or restore it from a backup (README, 'Deploy')"
            ) from None
    where = describe_url(url)
    log.info("store: PostgreSQL at %s", where)
    try:
        return await PostgresRepository.open(url, clock)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        # The class and PostgreSQL's own sentence (which names the user, never the password).
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StoreUnreachable(f"cannot use PostgreSQL at {where} ({reason}); check DATABASE_URL") from None


async def open_context(settings: Settings, clock: Clock | None = None, *, serving: bool = False) -> AppContext:
    """Apply migrations, then load and validate the content: both before any network call.

    Raises ContentError (listing every problem) when the bank is invalid. ``serving``: see open_store.
    """
    clock = clock or SystemClock()
    repo = await open_store(settings, clock, serving=serving)
    try:
        bank = load_bank(settings.content_dir)
    except BaseException:
        await repo.close()
        raise
    groups = GroupService(repo)
    return AppContext(
        settings=settings,
        clock=clock,
        repo=repo,
        bank=bank,
        study=StudyService(bank, repo),
        stats=StatsService(bank, repo),
        chat_settings=ChatSettingsService(repo, settings.tz, settings.daily_push_time, settings.default_language),
        push=PushService(repo, settings.tz, settings.daily_push_time, groups),
        groups=groups,
        cooldown=Cooldown(settings.group_cooldown_seconds),
        learning=Learning.create(bank, repo),
        operators=OperatorService(repo, settings.tz, settings.daily_push_time),
        broadcasts=BroadcastService(repo, groups),
        started_at=clock.now(),
        alerts=AlertThrottle(),
    )


def rate_limiter(per_second: float) -> AIORateLimiter:
    """PTB's limiter, evenly paced: a bucket of one send refilled ``per_second`` times a second.

    A bucket of ``per_second`` sends (the default shape) lets a full second's worth go out in one
    burst at the edge of the previous one, which Telegram answers with 429s. Flood waits that
    still happen are retried after Telegram's ``retry_after``.
    """
    return AIORateLimiter(overall_max_rate=1, overall_time_period=1 / per_second, max_retries=3)


#: Every send is HTML without link previews unless it says otherwise, so no send can forget it.
DEFAULTS = Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))


#: Makes the transport of the bot's Bot API calls (called twice: PTB keeps one for getUpdates).
RequestFactory = Callable[[], BaseRequest]


def build_application(ctx: AppContext, request: RequestFactory | None = None) -> StudyApplication:
    """The Application with every handler; ``request`` replaces the network (the console's emulator)."""
    settings = ctx.settings
    bot = StudyBot(
        settings.token,
        base_url=settings.telegram_api_base_url,
        request=request() if request is not None else AiohttpRequest(),
        # Long polling over aiohttp too: a getUpdates batch costs a fifth less CPU than over PTB's
        # default httpx (bench/README.md), and one connection is all it needs.
        get_updates_request=request() if request is not None else AiohttpRequest(connection_pool_size=1),
        defaults=DEFAULTS,
        rate_limiter=rate_limiter(settings.push_rate_per_second),
    )
    # Long polling fetches no further than one batch ahead of the handlers (bot/update_processor.py).
    fetched = FetchedUpdates()
    # cast: the builder's type parameters do not follow context_types to the JobQueue's.
    application = cast(
        StudyApplication,
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=StudyContext))
        .update_queue(fetched)
        .concurrent_updates(PerChatUpdateProcessor(fetched=fetched))
        .post_init(set_command_menus)
        .build(),
    )
    application.bot_data[CONTEXT_KEY] = ctx
    register(application)
    return application


@asynccontextmanager
async def initialized(application: StudyApplication, api_base_url: str) -> AsyncIterator[StudyApplication]:
    """``async with application``, with start-up failures as errors fit to print, and nothing left open.

    A token Telegram rejects raises ConfigError; an unreachable Bot API (refused, DNS, timeout)
    raises BotApiUnreachable naming the host of ``api_base_url``.
    """
    try:
        await application.initialize()
    except BaseException as exc:
        # Application.__aenter__ calls shutdown() here, but that returns at once for an application
        # that never finished initializing: the bot's request objects (our aiohttp session, PTB's
        # httpx client for getUpdates) would stay open, and aiohttp complain "Unclosed client session".
        await application.bot.shutdown()
        if isinstance(exc, InvalidToken):
            raise rejected_token() from None  # PTB's message quotes the token
        if isinstance(exc, NetworkError):
            raise BotApiUnreachable(
                f"cannot reach the Telegram Bot API at {api_host(api_base_url)} ({failure_reason(exc)}); "
                "check your network or TELEGRAM_API_BASE_URL"
            ) from exc
        raise
    try:
        yield application
    finally:
        await application.shutdown()


def api_host(base_url: str) -> str:
    """``host`` or ``host:port`` of the Bot API base URL: the part of a request URL safe to show."""
    parts = urlsplit(base_url)
    host = parts.hostname or "?"
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return host if parts.port is None else f"{host}:{parts.port}"


async def set_command_menus(application: StudyApplication) -> None:
    """One menu per scope, all built from the command registry (the Application's post_init): in
    DEFAULT_LANGUAGE for every client, and in each other language for clients set to it."""
    ctx: AppContext = application.bot_data[CONTEXT_KEY]
    default = ctx.settings.default_language
    # None: the menu for clients in any language without one of its own.
    languages: list[str | None] = [None, *(code for code in LANGUAGES if code != default)]
    scopes = [
        (Scope.PRIVATE, BotCommandScopeAllPrivateChats()),
        (Scope.GROUP, BotCommandScopeAllGroupChats()),
        (Scope.GROUP_ADMIN, BotCommandScopeAllChatAdministrators()),
    ]
    for scope, telegram_scope in scopes:
        for code in languages:
            commands = menu(scope, code or default)
            await application.bot.set_my_commands(commands, scope=telegram_scope, language_code=code)
    # Each operator's private chat gets the operator commands too; nobody else's menu has them.
    for admin_id in sorted(ctx.settings.admin_ids):
        try:
            for code in languages:
                commands = menu(Scope.OPERATOR, code or default)
                await application.bot.set_my_commands(commands, scope=BotCommandScopeChat(admin_id), language_code=code)
        except BadRequest as exc:
            # An operator who never opened the bot's chat: Telegram knows no such chat yet.
            log.warning("no operator menu for %s (%s); it is set at the next start", admin_id, exc.message)


def menu(scope: Scope, lang: str) -> list[BotCommand]:
    """A scope's commands with their descriptions in ``lang``."""
    return [BotCommand(c.name, t(c.description_key, lang)) for c in commands_for(scope)]


async def serve(
    settings: Settings,
    stop: asyncio.Event,
    clock: Clock | None = None,
    *,
    with_jobs: bool = True,
    ready: Callable[[StudyApplication], None] | None = None,
    request: RequestFactory | None = None,
) -> None:
    """Run until ``stop`` is set: migrations, content, command menus, then long polling, or a
    webhook when WEBHOOK_URL is set (setWebhook, then serve on WEBHOOK_LISTEN:PORT).

    ``ready`` is called once the bot takes updates (tests and the console use it to reach the app);
    ``request`` makes the Bot API transport instead of the network (see build_application).
    """
    # Whoever runs the bot (python -m bot, the console, a test, an embedding program), its records
    # never carry the token, the webhook secret or the database password: PTB logs its API URL,
    # and each call's parameters (setWebhook's secret_token among them), at DEBUG.
    install_redaction(*settings.secrets)
    ctx = await open_context(settings, clock, serving=True)
    application = build_application(ctx, request)
    webhook: WebhookServer | None = None
    try:
        async with initialized(application, settings.telegram_api_base_url):
            # run_polling would call post_init here; this loop runs the Application itself.
            if application.post_init is not None:
                await application.post_init(application)
            assert application.updater is not None
            if settings.webhook_url:
                await application.bot.set_webhook(
                    url=settings.webhook_url, secret_token=settings.secret_token, allowed_updates=ALLOWED_UPDATES
                )
                webhook = WebhookServer(application, ctx.repo, settings.secret_token, settings.webhook_path)
                application.bot_data[WEBHOOK_PORT_KEY] = await webhook.start(settings.webhook_listen, settings.port)
            else:
                # start_polling first removes a webhook an earlier run may have left (deleteWebhook).
                await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=10)
            await application.start()
            if with_jobs:
                schedule_jobs(application)
            if ready is not None:
                ready(application)
            log.info(
                "studybot is running with %d topics (%s, %s store)",
                len(ctx.bank.topics),
                "webhook" if webhook else "long polling",
                ctx.repo.dialect,
            )
            await stop.wait()
            log.info("stopping")
            if webhook is not None:
                # Stop accepting and finish the requests in flight, whose updates are being handled.
                await webhook.stop()
            else:
                with suppress(Exception):
                    await asyncio.wait_for(application.updater.stop(), STOP_TIMEOUT_S)
            if isinstance(application.update_processor, PerChatUpdateProcessor):
                application.update_processor.stop_queued()
                # The updates being handled finish; PTB's stop does not wait for them (update_processor.py).
                await application.update_processor.join()
            await ctx.broadcasts.stop()  # their ledgers resume them at the next start
            await application.stop()
    finally:
        if webhook is not None:
            await webhook.stop()
        await ctx.repo.close()


#: The cyclic garbage collector's thresholds once the bot runs (Python's default: 700, 10, 10).
GC_THRESHOLDS = (50_000, 20, 100)


def settle_memory() -> None:
    """Once the bot runs: what start-up built (the bank, the handlers, the Application) lives as long
    as the process, so the cyclic garbage collector stops walking it (``gc.freeze``), and it looks
    at new objects less often. Every update allocates hundreds of short-lived objects, nearly all
    freed at once by reference counting; at the default threshold a collection ran every few
    updates and took about a sixth of an answer's time (bench/README.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def run(settings: Settings) -> None:
    """``python -m bot``: serve until SIGTERM or SIGINT."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve(settings, stop, ready=lambda _application: settle_memory())

    asyncio.run(main())
