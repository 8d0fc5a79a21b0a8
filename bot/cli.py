"""Command line: ``python -m bot [run|console|check-content|push-now|copy-db|backup|strings]``."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sqlite3
import sys
from collections import Counter
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.content.loader import ContentError, check_bank
from bot.logging_setup import redact_std_streams, setup_logging

# Every exit code of ``python -m bot`` (README.md, "Settings", lists them too).
EXIT_OK = 0
#: The Bot API could not be reached, push-now failed for some chat, or check-content found problems.
EXIT_FAILURE = 1
#: A configuration mistake: a missing token, a bad setting, a token Telegram rejects.
EXIT_CONFIG = 2
#: An invalid content bank.
EXIT_CONTENT = 3
#: The SQLite database cannot be opened or written (corrupt, not a database, read-only).
EXIT_STORE = 4


def check_content(content_dir: Path, as_json: bool) -> int:
    """Print counts per topic, a line per language overlay and every problem; 0 only if the bank
    (overlays included) is valid."""
    result = check_bank(content_dir)
    bank = result.bank
    for topic in bank.topics.values():
        print(
            f"{topic.id:28} facts {len(bank.facts_in(topic.id)):3}  questions "
            f"{len(bank.questions_in(topic.id)):3}  mains {len(bank.mains_in(topic.id)):2}"
        )
    shapes = Counter(q.shape.value for q in bank.questions.values())
    print(
        f"total: {len(bank.topics)} topics, {len(bank.facts)} facts, {len(bank.questions)} questions "
        f"({', '.join(f'{k} {v}' for k, v in sorted(shapes.items()))}), {len(bank.mains)} mains prompts"
    )
    for language, report in result.languages.items():
        print(report.summary(language))
    for warning in result.warnings:
        print(f"warning: {warning}")
    for problem in result.problems:
        print(f"problem: {problem}")
    print(f"{len(result.problems)} problems, {len(result.warnings)} warnings")
    if as_json:
        summary = {
            "topics": len(bank.topics),
            "facts": len(bank.facts),
            "questions": len(bank.questions),
            "questions_by_shape": dict(sorted(shapes.items())),
            "mains": len(bank.mains),
            "problems": [str(p) for p in result.problems],
            "warnings": [str(w) for w in result.warnings],
            "languages": {language: report.as_json() for language, report in result.languages.items()},
        }
        print(json.dumps(summary))
    return EXIT_OK if result.ok else EXIT_FAILURE


def _content_dir() -> Path:
    """CONTENT_DIR without needing a token: check-content is for content authors too."""
    from bot.config import DEFAULT_CONTENT_DIR

    return Path(os.environ.get("CONTENT_DIR") or DEFAULT_CONTENT_DIR)


def _settings() -> Settings | None:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return None
    redact_std_streams(settings.token)
    return settings


def _start_up_failure(exc: Exception) -> int:
    """Say in a few lines why the bot could not start (no traceback); return the exit code for it."""
    if isinstance(exc, ContentError):
        print(f"studybot: the content bank has problems:\n{exc}", file=sys.stderr)
        return EXIT_CONTENT
    print(f"studybot: {exc}", file=sys.stderr)
    from bot.app import StoreUnusable

    if isinstance(exc, StoreUnusable):
        return EXIT_STORE
    return EXIT_CONFIG if isinstance(exc, ConfigError) else EXIT_FAILURE


def run_bot() -> int:
    settings = _settings()
    if settings is None:
        return EXIT_CONFIG
    setup_logging(settings.log_level, *settings.secrets)
    from bot.app import BotApiUnreachable, StoreUnreachable, StoreUnusable, run

    try:
        run(settings)
    except (ContentError, ConfigError, BotApiUnreachable, StoreUnreachable, StoreUnusable) as exc:
        return _start_up_failure(exc)
    return EXIT_OK


def push_now_command(ignore_time: bool, at: str | None) -> int:
    settings = _settings()
    if settings is None:
        return EXIT_CONFIG
    setup_logging(settings.log_level, *settings.secrets)
    from bot.app import BotApiUnreachable, StoreUnreachable, StoreUnusable
    from bot.clock import ManualClock
    from bot.delivery.push_now import push_now

    clock = None
    if at:
        try:
            when = dt.datetime.fromisoformat(at)
        except ValueError:
            print(f"studybot: --now {at!r} is not an ISO date-time like 2026-03-01T08:05", file=sys.stderr)
            return EXIT_CONFIG
        clock = ManualClock(when if when.tzinfo else when.replace(tzinfo=settings.tz))
    try:
        report = asyncio.run(push_now(settings, ignore_time=ignore_time, clock=clock))
    except (ContentError, ConfigError, BotApiUnreachable, StoreUnreachable, StoreUnusable) as exc:
        return _start_up_failure(exc)
    print(report.summary())
    return EXIT_FAILURE if report.failed else EXIT_OK


def console_command(db_path: Path | None) -> int:
    """``python -m bot console``: the bot in the terminal against the in-process emulator."""
    # Warnings and errors only, on stderr: the transcript on stdout stays the chat.
    setup_logging("WARNING")
    from bot.console import main as console_main

    try:
        console_main(db_path)
    except (ContentError, ConfigError) as exc:
        return _start_up_failure(exc)
    return EXIT_OK


def copy_db_command(sqlite_path: Path) -> int:
    """``copy-db --from-sqlite PATH``: a SQLite deployment into the empty PostgreSQL at DATABASE_URL."""
    import asyncpg

    from bot.config import load_store_settings
    from bot.storage.moving import CopyError, copy_sqlite_to_postgres
    from bot.storage.postgres import describe_url

    try:
        store = load_store_settings()
    except ConfigError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    url = store.postgres_url
    if url is None:
        print("studybot: DATABASE_URL is not set: copy-db copies into the PostgreSQL it names", file=sys.stderr)
        return EXIT_CONFIG
    print(f"copying {sqlite_path} into PostgreSQL at {describe_url(url)}")
    try:
        counts = asyncio.run(copy_sqlite_to_postgres(sqlite_path, url, print))
    except CopyError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        print(f"studybot: cannot use PostgreSQL at {describe_url(url)} ({exc})", file=sys.stderr)
        return EXIT_FAILURE
    print(f"copied {sum(counts.values())} rows in {len(counts)} tables; counts checked")
    return EXIT_OK


def backup_command(destination: Path) -> int:
    """``backup FILE``: a consistent copy of the SQLite database, safe while the bot runs."""
    from bot.config import load_store_settings
    from bot.storage.moving import backup_sqlite

    try:
        store = load_store_settings()
    except ConfigError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if store.postgres_url is not None:
        print("studybot: DATABASE_URL is set: back PostgreSQL up with pg_dump (README, 'Deploy')", file=sys.stderr)
        return EXIT_CONFIG
    if destination.exists():
        print(f"studybot: {destination} exists; name a new file", file=sys.stderr)
        return EXIT_CONFIG
    try:
        size = backup_sqlite(store.database_path, destination)
    except (OSError, sqlite3.Error) as exc:
        print(f"studybot: backup failed: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"backed up {store.database_path} to {destination} ({size} bytes)")
    return EXIT_OK


def strings_command(action: str, langs: list[str], catalog: Path | None) -> int:
    """``strings update``: carry each catalog along with the English table; ``strings check``: list what is left."""
    from babel.core import Locale, UnknownLocaleError
    from babel.messages.pofile import PoFileError

    from bot.clock import SystemClock
    from bot.render import catalog as catalogs
    from bot.render.texts import EN

    failed = False
    for lang in langs:
        if lang == "en":
            print("studybot: English is the keyed table in bot/render/texts.py; it has no catalog", file=sys.stderr)
            return EXIT_CONFIG
        try:
            Locale.parse(lang)
        except (UnknownLocaleError, ValueError):
            print(f"studybot: {lang!r} is not a language code Babel knows (hi, bn, ta …)", file=sys.stderr)
            return EXIT_CONFIG
        path = catalog or catalogs.catalog_path(lang)
        if action == "check" and not path.exists():
            print(f"studybot: there is no catalog at {path}; `strings update` starts one", file=sys.stderr)
            return EXIT_FAILURE
        try:
            current = catalogs.read_catalog(path, lang) if path.exists() else catalogs.new_catalog(lang)
        except PoFileError as exc:
            print(f"studybot: {path} is not a valid gettext catalog: {exc}", file=sys.stderr)
            return EXIT_FAILURE
        if action == "update":
            fresh, report = catalogs.update(current, EN, SystemClock().now())
            catalogs.write_catalog(fresh, path)
            print(f"{path}: {report.summary()}")
            current = fresh
        found = catalogs.problems(current, EN)
        for problem in found:
            print(f"{path}: {problem}")
        undone = {problem.split(":", 1)[0] for problem in found} & EN.keys()
        print(f"{path}: {len(EN) - len(undone)} of {len(EN)} keys translated; {len(found)} problems")
        failed = failed or bool(found)
    return EXIT_FAILURE if action == "check" and failed else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="studybot: UPSC study bot for Telegram")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default)")
    console = sub.add_parser("console", help="chat with the bot in the terminal: no token, no network")
    console.add_argument("--db", type=Path, metavar="PATH", help="its database (default: data/console.sqlite3)")
    check = sub.add_parser("check-content", help="validate the content bank and print counts")
    check.add_argument("--json", action="store_true", help="end with one JSON summary line")
    push = sub.add_parser("push-now", help="send today's push to every due chat not yet served, then exit")
    push.add_argument("--all", action="store_true", help="whatever each chat's time, if not served today")
    push.add_argument("--now", metavar="ISO", help="act as if it were this time (default: now)")
    copy = sub.add_parser("copy-db", help="copy a SQLite deployment into the empty PostgreSQL at DATABASE_URL")
    copy.add_argument("--from-sqlite", required=True, type=Path, metavar="PATH", help="the SQLite file")
    backup = sub.add_parser("backup", help="write a consistent copy of the SQLite database, even while it runs")
    backup.add_argument("file", type=Path, metavar="FILE")
    strings = sub.add_parser("strings", help="the translators' catalogs (bot/render/locales/LANG.po)")
    strings.add_argument(
        "action",
        choices=["update", "check"],
        help="update: add new keys, mark changed English fuzzy, drop removed keys; "
        "check: exit 1 listing untranslated, fuzzy or mismatched entries",
    )
    strings.add_argument("--lang", action="append", metavar="LANG", help="only this language (default: every one)")
    strings.add_argument("--catalog", type=Path, metavar="PO", help="this .po file instead of the shipped one")
    args = parser.parse_args(argv)
    if args.command == "strings":
        from bot.render.catalog import TRANSLATED

        return strings_command(args.action, args.lang or list(TRANSLATED), args.catalog)
    if args.command == "copy-db":
        return copy_db_command(args.from_sqlite)
    if args.command == "backup":
        return backup_command(args.file)
    if args.command == "check-content":
        return check_content(_content_dir(), args.json)
    if args.command == "console":
        return console_command(args.db)
    if args.command == "push-now":
        return push_now_command(args.all, args.now)
    return run_bot()
