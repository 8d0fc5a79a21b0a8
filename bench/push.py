"""Daily-push benchmark: ``python bench/push.py --chats N`` (a benchmark, not a test).

One run measures, against the local fake Bot API (bot/emulator/) with N subscribed private chats:

* a baseline: the fake server's raw capacity, a plain aiohttp client sending the same number of
  messages (one sendMessage and one sendPoll per chat, 32 chats at a time, like the push);
* the push with the rate limiter off, at 1,000 chats and at N chats: messages/s and peak RSS;
* the push with the rate limiter on (PTB's AIORateLimiter, as bot/app.py installs it) against a
  fake that answers 429 above a flood limit slightly over the cap: messages/s as a fraction of
  the cap, and the 429s received.

The fake server runs in this (parent) process; each measured side runs in its own child process
(``--child ...``) so that a child's peak RSS is the bot's own. Push children take the real path,
as ``python -m bot push-now --all`` does: ``open_context`` (migrations, content bank), then
``build_application`` (for "limiter off" with its AIORateLimiter replaced by none), then
``ctx.push.run(now, make_deliver(application.bot, ctx), ignore_time=True)``.

Messages are counted by the fake (sendMessage + sendPoll answered 200). Human-readable lines come
first; the last line is one JSON object (see bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import platform
import resource
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.context import AppContext
    from bot.emulator import FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-TOKEN"
#: Private chat ids (= user ids) start here, well away from the fake bot's own id.
FIRST_CHAT_ID = 1_000_000_001
SEND_METHODS = ("sendMessage", "sendPoll")
#: How long a child may take before the run is abandoned.
CHILD_TIMEOUT_S = 3 * 3600

TARGET_UNTHROTTLED = 1000.0
TARGET_FRACTION = 0.95
TARGET_RSS_GROWTH_MB = 50.0


def _import_root() -> None:
    """``python bench/push.py`` puts bench/ on sys.path; bot/ and tests/ live one level up."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def _proc_status_mb(field: str) -> float | None:
    """A memory figure of this process from /proc/self/status (Linux), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    return None


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far.

    VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork + exec, so a child started by a big
    parent (the fake server holding 100,000 chats) would report the parent's size as its own.
    """
    peak = _proc_status_mb("VmHWM")
    if peak is not None:
        return peak
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


def current_rss_mb() -> float | None:
    return _proc_status_mb("VmRSS")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# =============================================================================== children


def build_unlimited_application(ctx: AppContext) -> Application:
    """bot.app.build_application exactly, minus its rate limiter.

    The limiter's constructor is swapped for one that makes none (``.rate_limiter(None)``), so
    everything else build_application sets up (request backend, pool, handlers) is what runs.
    """
    from unittest import mock

    from bot import app

    with mock.patch.object(app, "AIORateLimiter", lambda *args, **kwargs: None):
        application = app.build_application(ctx)
    if application.bot.rate_limiter is not None:
        raise SystemExit("bench: build_application no longer takes its limiter from AIORateLimiter; update bench")
    return application


async def push_child(args: argparse.Namespace) -> dict[str, Any]:
    """One push over every chat in args.db, as ``python -m bot push-now --all`` does it."""
    from bot.app import build_application, open_context
    from bot.config import load_settings
    from bot.delivery.push import make_deliver
    from bot.logging_setup import setup_logging

    settings = load_settings(
        _env_file=None,
        TELEGRAM_BOT_TOKEN=args.token,
        TELEGRAM_API_BASE_URL=args.base_url,
        DATABASE_PATH=args.db,
        PUSH_RATE_PER_SECOND=args.rate,
        # The limiter logs every 429 it retries at INFO; the fake counts them anyway.
        LOG_LEVEL="WARNING",
    )
    setup_logging(settings.log_level, settings.token)
    started = time.perf_counter()
    ctx = await open_context(settings)
    try:
        application = build_application(ctx) if args.limiter == "on" else build_unlimited_application(ctx)
        async with application:
            startup_s = time.perf_counter() - started
            rss_ready = current_rss_mb()
            cpu_before = cpu_seconds()
            before = time.perf_counter()
            report = await ctx.push.run(ctx.now(), make_deliver(application.bot, ctx), ignore_time=True)
            elapsed = time.perf_counter() - before
            cpu = cpu_seconds() - cpu_before
    finally:
        await ctx.repo.close()
    return {
        "elapsed_s": elapsed,
        "startup_s": startup_s,
        "cpu_s": cpu,
        "rss_ready_mb": rss_ready,
        "rss_end_mb": current_rss_mb(),
        "peak_rss_mb": peak_rss_mb(),
        "total": report.total,
        "sent": report.sent,
        "failed": report.failed,
        "already": report.already,
        "deactivated": report.deactivated,
        "errors": report.errors[:5],
    }


#: What the baseline sends: about the size and shape of a real push (an HTML fact, a quiz poll).
BASELINE_TEXT = (
    "☀️ <b>Your daily study — Tuesday 24 November</b>\n\n"
    "<b>IOM and the UN</b>\n"
    "The International Organization for Migration became a related organization of the United Nations "
    "in 2016, when the UN General Assembly approved the agreement at the UN Summit for Refugees and "
    "Migrants. IOM keeps its own governing body, its Council, and its own budget, and it reports to the "
    "General Assembly.\n\n<i>Source: IOM, 2016 agreement (A/RES/70/296)</i>\n\n"
    "🎯 Answer today's quiz to start a streak!"
)
BASELINE_POLL = {
    "question": "In which year did IOM become a related organization of the United Nations?",
    "options": json.dumps([{"text": "2001"}, {"text": "2011"}, {"text": "2016"}, {"text": "2018"}]),
    "is_anonymous": "false",
    "type": "quiz",
    "correct_option_ids": "[2]",
    "explanation": "The agreement was approved in 2016 at the UN Summit for Refugees and Migrants.",
}


async def baseline_child(args: argparse.Namespace) -> dict[str, Any]:
    """The same number of messages with a bare aiohttp client: no bot, no database, no PTB."""
    import aiohttp

    url = f"{args.base_url}{args.token}/"
    chat_ids = iter(range(FIRST_CHAT_ID, FIRST_CHAT_ID + args.chats))
    errors = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        for chat_id in chat_ids:
            message = {"chat_id": str(chat_id), "text": BASELINE_TEXT, "parse_mode": "HTML"}
            poll = {"chat_id": str(chat_id), **BASELINE_POLL}
            for method, data in (("sendMessage", message), ("sendPoll", poll)):
                async with session.post(url + method, data=data) as response:
                    body = await response.json()
                    errors += not body.get("ok")

    connector = aiohttp.TCPConnector(limit=args.concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        cpu_before = cpu_seconds()
        before = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - before
        cpu = cpu_seconds() - cpu_before
    return {"elapsed_s": elapsed, "cpu_s": cpu, "errors": errors, "peak_rss_mb": peak_rss_mb()}


def run_child_mode(args: argparse.Namespace) -> int:
    _import_root()
    child = push_child if args.child == "push" else baseline_child
    result = asyncio.run(child(args))
    print(json.dumps(result), flush=True)
    return 0


# ================================================================================= parent


@dataclass
class Phase:
    label: str
    chats: int
    msgs: int
    http_429: int
    elapsed_s: float
    server_cpu_s: float
    child: dict[str, Any]

    @property
    def msgs_per_s(self) -> float:
        return self.msgs / self.elapsed_s if self.elapsed_s > 0 else 0.0


def add_chats(fake: FakeBotAPI, chats: int) -> None:
    for i in range(chats):
        fake.add_private_chat(FIRST_CHAT_ID + i, f"Student{i}")


def forget_sent(fake: FakeBotAPI) -> None:
    """Drop what the fake stored of earlier phases (messages, polls), so every phase meets the
    same fake. Bench-only use of its internals; counts and chats are kept."""
    with fake._lock:
        for chat in fake._chats.values():
            chat.messages.clear()
            chat.own.clear()
            chat.deleted.clear()
        fake._polls.clear()


def seed_database(path: Path, chats: int) -> None:
    """Migrations through the real code, then N subscribed private chats in one executemany."""
    from bot.storage.sqlite import SqliteRepository

    async def migrate() -> None:
        repo = await SqliteRepository.open(path)
        await repo.close()

    asyncio.run(migrate())
    now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    rows = ((FIRST_CHAT_ID + i, f"Student{i}", now, now) for i in range(chats))
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executemany(
            "INSERT INTO chats (chat_id, type, title, subscribed, active, language, created_at, updated_at)"
            " VALUES (?, 'private', ?, 1, 1, 'en', ?, ?)",
            rows,
        )
        db.commit()


@dataclass
class Runner:
    """Starts measured children against the fake and reads what they did from it."""

    fake: FakeBotAPI
    workdir: Path
    rate: float
    #: A command put before push children (a profiler, say); {label} names the phase.
    prefix: str = ""

    def baseline(self, chats: int, concurrency: int) -> Phase:
        args = ["--child", "baseline", "--concurrency", str(concurrency)]
        return self._run(f"baseline aiohttp x{concurrency}", chats, args)

    def push(self, chats: int, *, limiter: bool) -> Phase:
        label = f"push, limiter {self.rate:g}/s" if limiter else "push, limiter off"
        db = self.workdir / f"push-{chats}-{'on' if limiter else 'off'}.sqlite3"
        seed_database(db, chats)
        args = ["--child", "push", "--db", str(db), "--limiter", "on" if limiter else "off", "--rate", str(self.rate)]
        slug = f"push-{chats}-limiter-{'on' if limiter else 'off'}"
        try:
            return self._run(label, chats, args, shlex.split(self.prefix.format(label=slug)))
        finally:
            for path in self.workdir.glob(db.name + "*"):
                path.unlink()

    def _run(self, label: str, chats: int, args: list[str], prefix: list[str] | None = None) -> Phase:
        fake = self.fake
        counts_before = fake.counts
        http_429_before = fake.http_429
        cpu_before = cpu_seconds()  # this process is, in effect, the fake server's thread
        me = str(Path(__file__).resolve())
        target = ["--chats", str(chats), "--base-url", fake.base_url, "--token", fake.token]
        command = [*(prefix or []), sys.executable, me, *args, *target]
        done = subprocess.run(
            command, cwd=ROOT, stdout=subprocess.PIPE, text=True, timeout=CHILD_TIMEOUT_S, check=False
        )
        server_cpu = cpu_seconds() - cpu_before
        # The child's result is its last JSON line (a --child-prefix tool may print after it).
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            raise SystemExit(f"bench: the {label!r} child failed (exit {done.returncode}); its stderr is above")
        result = json.loads(lines[-1])
        counts_after = fake.counts
        http_429 = fake.http_429 - http_429_before
        calls = sum(counts_after.get(m, 0) - counts_before.get(m, 0) for m in SEND_METHODS)
        forget_sent(fake)
        # A 429 is counted as a call but delivers nothing (the limiter sends it again).
        return Phase(label, chats, calls - http_429, http_429, result["elapsed_s"], server_cpu, result)


def describe(phase: Phase) -> str:
    child = phase.child
    line = (
        f"{phase.label:<26} {phase.chats:>7} chats {phase.msgs:>7} msgs in {phase.elapsed_s:7.2f} s"
        f" = {phase.msgs_per_s:8.1f} msg/s; cpu: client {child['cpu_s']:.1f} s"
        f" ({1000 * child['cpu_s'] / max(phase.msgs, 1):.2f} ms/msg), fake server {phase.server_cpu_s:.1f} s;"
        f" peak RSS {child['peak_rss_mb']:.1f} MB"
    )
    if "sent" in child:
        ready = child["rss_ready_mb"]
        line += f" (ready {ready:.1f} MB)" if ready is not None else ""
        line += f"; pushes sent {child['sent']}/{child['total']}, failed {child['failed']}"
        line += f"; startup {child['startup_s']:.2f} s"
    else:
        line += f"; errors {child['errors']}"
    if phase.http_429:
        line += f"; 429s {phase.http_429}"
    return line


def load_average() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def mark(ok: bool) -> str:
    return "ok  " if ok else "MISS"


def run_parent(args: argparse.Namespace) -> int:
    _import_root()
    import telegram

    from bot.emulator import FakeBotAPI
    from bot.services.push import CONCURRENCY

    chats = args.chats
    small = min(args.small_chats, chats)
    rate = args.rate
    flood = args.flood_limit or math.ceil(round(rate * 1.1, 6))
    throttled_chats = args.throttled_chats or max(400, math.ceil(rate * 12))
    concurrency = args.concurrency or CONCURRENCY
    print(
        f"studybot daily-push benchmark, {dt.date.today().isoformat()}: {os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}, python-telegram-bot {telegram.__version__}; {load_average()}",
        flush=True,
    )
    phases: list[Phase] = []

    def note(phase: Phase) -> Phase:
        phases.append(phase)
        print(describe(phase), flush=True)
        return phase

    fake = FakeBotAPI(TOKEN, record_requests=False).start()
    try:
        with tempfile.TemporaryDirectory(prefix="studybot-bench-") as tmp:
            runner = Runner(fake, Path(tmp), rate, args.child_prefix)
            before = time.perf_counter()
            fake_chats = max(chats, small, throttled_chats)
            add_chats(fake, fake_chats)
            took = time.perf_counter() - before
            print(f"fake Bot API at {fake.base_url}: {fake_chats} private chats added in {took:.1f} s", flush=True)

            baseline = note(runner.baseline(chats, concurrency))
            first = note(runner.push(small, limiter=False))
            large = note(runner.push(chats, limiter=False)) if chats != small else first
            fake.flood_limit_per_s = flood
            throttled = note(runner.push(throttled_chats, limiter=True))
            fake.flood_limit_per_s = None
    finally:
        fake.stop()

    fraction = throttled.msgs_per_s / rate
    http_429 = sum(p.http_429 for p in phases if p is not baseline)
    growth = large.child["peak_rss_mb"] - first.child["peak_rss_mb"]
    print(f"{load_average()} (other work on the machine slows every phase: compare ratios, not absolutes)")
    print(f"push concurrency {CONCURRENCY}; throttled: cap {rate:g} msg/s, fake flood limit {flood} sends/s")
    print(
        f"ratios: unthrottled / baseline = {large.msgs_per_s / baseline.msgs_per_s:.3f}"
        f" ({large.msgs_per_s:.0f} / {baseline.msgs_per_s:.0f} msg/s);"
        f" throttled / cap = {fraction:.3f}; peak RSS {small} -> {chats} chats:"
        f" {first.child['peak_rss_mb']:.1f} -> {large.child['peak_rss_mb']:.1f} MB ({growth:+.1f} MB)"
    )
    print(
        f"targets: {mark(large.msgs_per_s >= TARGET_UNTHROTTLED)} unthrottled >= {TARGET_UNTHROTTLED:.0f} msg/s;"
        f" {mark(fraction >= TARGET_FRACTION and http_429 == 0)} throttled >= {TARGET_FRACTION:.0%} of cap"
        f" with no 429s; {mark(growth < TARGET_RSS_GROWTH_MB)} RSS growth < {TARGET_RSS_GROWTH_MB:.0f} MB"
        + ("" if chats >= 100_000 else " (the RSS target is for 100,000 chats)")
    )
    for phase in phases:
        if phase.child.get("failed"):
            print(f"warning: {phase.label}: {phase.child['failed']} pushes failed, e.g. {phase.child['errors']}")
    print(
        json.dumps(
            {
                "unthrottled_msgs_per_s": round(large.msgs_per_s, 1),
                "throttled_fraction_of_cap": round(fraction, 3),
                "http_429": http_429,
                "rss_mb_small": round(first.child["peak_rss_mb"], 1),
                "rss_mb_large": round(large.child["peak_rss_mb"], 1),
                "chats_large": chats,
            }
        ),
        flush=True,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chats", type=int, default=1000, help="N, the large size (default 1000)")
    parser.add_argument("--small-chats", type=int, default=1000, help="the small size (default 1000)")
    parser.add_argument(
        "--rate",
        type=float,
        default=float(os.environ.get("PUSH_RATE_PER_SECOND") or 30),
        help="the limiter's cap in msg/s, passed as PUSH_RATE_PER_SECOND (default: that variable, else 30)",
    )
    parser.add_argument("--flood-limit", type=int, help="the fake's sends/s before 429 (default: cap x 1.1)")
    parser.add_argument("--throttled-chats", type=int, help="chats in the throttled run (default: >= 24 s)")
    parser.add_argument("--concurrency", type=int, help="the baseline client's parallel chats (the push's: 32)")
    parser.add_argument(
        "--child-prefix",
        default="",
        help="run push children under this command, e.g. 'py-spy record -f raw -o /tmp/{label}.txt --'",
    )
    # Internal: how the parent starts a measured child.
    parser.add_argument("--child", choices=("push", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--limiter", choices=("on", "off"), default="off", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.chats < 1 or args.small_chats < 1 or args.rate <= 0 or (args.concurrency or 1) < 1:
        parser.error("--chats, --small-chats, --rate and --concurrency must be positive")
    return run_child_mode(args) if args.child else run_parent(args)


if __name__ == "__main__":
    sys.exit(main())
