"""Update-handling benchmark: ``python bench/updates.py --members N`` (a benchmark, not a test).

N group members answer quiz polls (``poll_answer`` updates), against the local fake Bot API
(tests/fakebot/), in one run, each side in a child process of its own:

* ``bare``: a bare python-telegram-bot Application, long polling, whose only handler reads the
  answer's option ids: the framework's own cost of taking and dispatching an update;
* ``sqlite_polling``: this bot (``bot.app.serve``), long polling, SQLite: every answer checked
  against its poll and recorded (and its review card saved), as in production;
* ``sqlite_webhook``: the same behind its webhook server, the answers POSTed by a client here;
* ``pg_webhook_1`` / ``pg_webhook_2``: webhook mode on PostgreSQL with one worker, and with two
  workers sharing the database, the client spreading the answers over both.

Each child counts the updates its Application has finished with (a handler in a last group, as
tests/harness.py does) and reports the wall time from its first to its last; answers/s is the
number of answers over the time from the first start to the last end among a side's children.
The answers are the same for every side: ``--polls`` polls of the group, each answered by every
member. Polling sides get them queued in the fake (the bot takes them 100 per getUpdates); webhook
sides get them POSTed, ``--concurrency`` requests at a time, as Telegram does for a busy bot.

``--ceiling`` measures the ratio this bot's dispatch alone allows: its ``sqlite_polling`` side with
an answer handler that records nothing (polling sides only).

The last line is one JSON object (see bench/README.md). PostgreSQL: ``--database-url`` or
``STUDYBOT_TEST_DATABASE_URL``, else a throwaway cluster like the tests' (tests/pg.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-TOKEN"
GROUP = -1_001_000_000_001
FIRST_MEMBER = 2_000_000_001
SECRET = "bench-secret"
#: How long a side may take before the run is abandoned.
CHILD_TIMEOUT_S = 900


def _import_root() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


# =============================================================================== children


async def bare_child(args: argparse.Namespace) -> dict[str, Any]:
    """A default PTB Application whose one handler reads each answer."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, PollAnswerHandler

    counter = Counter(args.expected)

    async def read(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        answer = update.poll_answer
        if answer is not None and answer.option_ids:
            counter.hit()

    application = ApplicationBuilder().token(args.token).base_url(args.base_url).build()
    application.add_handler(PollAnswerHandler(read))
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(timeout=10)
        await application.start()
        print("READY", flush=True)
        await counter.wait()
        await application.updater.stop()
        await application.stop()
    return counter.report()


class Counter:
    """Counts handled updates; knows when the first and the last of ``expected`` were done."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.count = 0
        self.first: float | None = None
        self.last: float | None = None
        #: The process's CPU time (every thread) at the first and the last answer: less at the
        #: mercy of the machine's load than wall time.
        self.cpu_first = 0.0
        self.cpu_last = 0.0
        #: The same for the event loop's thread alone (``hit`` runs on it); the rest is other threads
        #: (aiosqlite's), which may run beside it on the second core.
        self.loop_cpu_first = 0.0
        self.loop_cpu_last = 0.0
        #: Processes whose CPU counts too (this bot's answer writer), and theirs at the first and last.
        self.helpers: list[int] = []
        self.helpers_cpu_first = 0.0
        self.helpers_cpu_last = 0.0
        self.done = asyncio.Event()

    def hit(self) -> None:
        now = time.time()
        if self.first is None:
            self.first = now
            self.cpu_first = time.process_time()
            self.loop_cpu_first = time.thread_time()
            self.helpers_cpu_first = helpers_cpu(self.helpers)
        self.count += 1
        self.last = now
        if self.count >= self.expected:
            self.cpu_last = time.process_time()
            self.loop_cpu_last = time.thread_time()
            self.helpers_cpu_last = helpers_cpu(self.helpers)
            self.done.set()

    async def wait(self) -> None:
        async with asyncio.timeout(CHILD_TIMEOUT_S):
            await self.done.wait()

    def report(self) -> dict[str, Any]:
        cpu = self.cpu_last - self.cpu_first
        loop_cpu = self.loop_cpu_last - self.loop_cpu_first
        helpers = self.helpers_cpu_last - self.helpers_cpu_first
        return {"count": self.count, "first": self.first, "last": self.last, "cpu": cpu, "loop_cpu": loop_cpu} | {
            "helpers_cpu": helpers
        }


def helpers_cpu(pids: list[int]) -> float:
    """The CPU seconds (user and system) the processes ``pids`` have used so far (Linux's /proc)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def bot_child(args: argparse.Namespace) -> dict[str, Any]:
    """This bot as ``python -m bot`` runs it, in polling or webhook mode, on SQLite or PostgreSQL."""
    from telegram import Update
    from telegram.ext import TypeHandler

    from bot.app import serve, settle_memory
    from bot.config import load_settings
    from bot.context import CONTEXT_KEY

    if args.ceiling:
        # This bot's dispatch alone: an answer handler that records nothing (see --ceiling).
        import bot.handlers.answers

        async def ignore(update: object, context: object) -> None:
            return None

        bot.handlers.answers.on_poll_answer = ignore  # type: ignore[assignment]
    from bot.logging_setup import setup_logging

    values: dict[str, Any] = {
        "TELEGRAM_BOT_TOKEN": args.token,
        "TELEGRAM_API_BASE_URL": args.base_url,
        "DATABASE_PATH": args.db,
        "LOG_LEVEL": "WARNING",
        "GROUP_COOLDOWN_SECONDS": 0,
    }
    if args.database_url:
        values["DATABASE_URL"] = args.database_url
    if args.port:
        values |= {"WEBHOOK_URL": "https://bench.example.org/hook", "WEBHOOK_SECRET": SECRET, "PORT": args.port}
        values["WEBHOOK_LISTEN"] = "127.0.0.1"
    settings = load_settings(_env_file=None, **values)
    setup_logging(settings.log_level, settings.token)
    counter = Counter(args.expected)

    async def count(update: object, context: object) -> None:
        if isinstance(update, Update) and update.poll_answer is not None:
            counter.hit()

    stop = asyncio.Event()

    def ready(application: Any) -> None:
        application.add_handler(TypeHandler(Update, count), group=1000)
        settle_memory()  # as python -m bot does once it runs (bot.app.run)
        writer = getattr(application.bot_data[CONTEXT_KEY].repo, "_writer", None)
        if writer is not None:  # SQLite: answers are recorded by a process of their own; its CPU counts
            counter.helpers.append(writer.pid)
        print("READY", flush=True)

    server = asyncio.create_task(serve(settings, stop, with_jobs=False, ready=ready))
    waiting = asyncio.create_task(counter.wait())
    await asyncio.wait([server, waiting], return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    await server
    return counter.report()


def run_child(args: argparse.Namespace) -> int:
    _import_root()
    profile = os.environ.get("BENCH_PROFILE")  # a folder: each child writes cProfile stats there
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    result = asyncio.run(bare_child(args) if args.child == "bare" else bot_child(args))
    if profile:
        profiler.disable()
        profiler.dump_stats(str(Path(profile) / f"{args.child}-{os.getpid()}.prof"))
    print(json.dumps(result), flush=True)
    return 0


# =============================================================================== parent


def answers(polls: list[str], members: int) -> list[dict[str, Any]]:
    """Every member's answer to every poll, poll by poll (a quiz, then the members' answers)."""
    found = []
    for poll_id in polls:
        for i in range(members):
            user = FIRST_MEMBER + i
            found.append(
                {
                    "poll_answer": {
                        "poll_id": poll_id,
                        "user": {"id": user, "is_bot": False, "first_name": f"Member{i}"},
                        "option_ids": [i % 4],
                        "option_persistent_ids": [str(i % 4)],
                    }
                }
            )
    return found


async def seed(polls: list[str], questions: list[Any], db: Path | None, url: str | None) -> None:
    """The group and its polls in a fresh store, as the bot had sent them."""
    import datetime as dt

    from bot.storage.postgres import PostgresRepository
    from bot.storage.repository import PollRecord, Repository
    from bot.storage.sqlite import SqliteRepository

    repo: Repository = await PostgresRepository.open(url) if url else await SqliteRepository.open(db or "")
    try:
        await repo.upsert_chat(GROUP, "supergroup", "Bench group", None)
        now = dt.datetime.now(dt.UTC)
        for poll_id, question in zip(polls, questions, strict=True):
            order = tuple(range(len(question.options)))
            await repo.save_poll(PollRecord(poll_id, GROUP, 1, question.id, order, question.answer, now, "quiz"))
    finally:
        await repo.close()


class Side:
    """One measured side: its children, started, fed and waited for."""

    def __init__(self, label: str, child_args: list[list[str]], *, queue_first: bool = False) -> None:
        self.label = label
        self.child_args = child_args
        #: Feed before the children start (updates queued in the fake), not once they are ready.
        self.queue_first = queue_first

    def run(self, feed: Any, expected_each: list[int]) -> dict[str, Any]:
        procs = []
        fed = time.time()
        feed_s = 0.0
        if self.queue_first:
            feed()
            feed_s = time.time() - fed
        # The fake Bot API runs in this process: its CPU while the side runs (the feed excluded when it
        # came first) is what serving the side cost it, on the same two cores.
        fake_cpu = time.process_time()
        try:
            for extra, expected in zip(self.child_args, expected_each, strict=True):
                script = str(Path(__file__).resolve())
                command = [sys.executable, script, "--child", *extra, "--expected", str(expected)]
                procs.append(subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True))
            for proc in procs:
                assert proc.stdout is not None
                line = proc.stdout.readline()
                if not line.startswith("READY"):
                    raise SystemExit(f"bench: a {self.label} child did not start: {line!r}")
            if not self.queue_first:
                fed = time.time()
                feed()
                feed_s = time.time() - fed
            results = []
            for proc in procs:
                out, _ = proc.communicate(timeout=CHILD_TIMEOUT_S)
                results.append(json.loads(out.strip().splitlines()[-1]))
            fake_cpu = time.process_time() - fake_cpu - (0.0 if self.queue_first else feed_s)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        count = sum(r["count"] for r in results)
        first = min(r["first"] for r in results if r["first"])
        last = max(r["last"] for r in results if r["last"])
        elapsed = max(last - first, 1e-6)
        cpu = sum(r["cpu"] for r in results)
        loop_cpu = sum(r["loop_cpu"] for r in results)
        writer_cpu = sum(r.get("helpers_cpu", 0.0) for r in results)
        return {
            "cpu_us": 1e6 * cpu / max(count, 1),
            "loop_cpu_us": 1e6 * loop_cpu / max(count, 1),
            "writer_cpu_us": 1e6 * writer_cpu / max(count, 1),
            "fake_cpu_us": 1e6 * fake_cpu / max(count, 1),
            "label": self.label,
            "answers": count,
            "seconds": elapsed,
            "per_s": count / elapsed,
            "feed_s": feed_s,
            "first_after_feed_s": first - fed,
            "last_after_feed_s": last - fed,
        }


async def post_all(ports: list[int], updates: list[dict[str, Any]], concurrency: int) -> None:
    """POST every update, spreading them over ``ports`` in turn, ``concurrency`` at a time."""
    import aiohttp

    queue = iter(enumerate(updates))
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}

    async def worker(session: aiohttp.ClientSession) -> None:
        for i, update in queue:
            port = ports[i % len(ports)]
            async with session.post(f"http://127.0.0.1:{port}/hook", json=update, headers=headers) as response:
                if response.status != 200:
                    raise SystemExit(f"bench: the webhook answered {response.status}")

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_parent(args: argparse.Namespace) -> int:
    _import_root()
    args.polling_only = args.polling_only or args.ceiling
    from bot.config import DEFAULT_CONTENT_DIR
    from bot.content.loader import load_bank
    from tests.fakebot import FakeBotAPI
    from tests.pg import fresh_schema, start_cluster

    bank = load_bank(DEFAULT_CONTENT_DIR)
    questions = [q for q in bank.questions.values() if len(q.options) >= 4][: args.polls]
    polls = [f"bench-poll-{i}" for i in range(len(questions))]
    updates = answers(polls, args.members)
    total = len(updates)
    print(f"{args.members} members x {len(polls)} polls = {total} answers per side; load {os.getloadavg()[0]:.2f}")

    cluster = None
    url = args.database_url or os.environ.get("STUDYBOT_TEST_DATABASE_URL")
    if url is None and not args.polling_only:
        started = start_cluster()
        if isinstance(started, str):
            raise SystemExit(f"bench: no PostgreSQL: {started}")
        cluster, url = started, started.url

    fake = FakeBotAPI(TOKEN, record_requests=False).start()
    fake.add_group(GROUP, "Bench group", members={FIRST_MEMBER + i: f"Member{i}" for i in range(args.members)})
    base = ["--token", TOKEN, "--base-url", fake.base_url]
    results: dict[str, dict[str, Any]] = {}

    def enqueue() -> None:
        for update in updates:
            fake.push_update(update)

    # Telegram numbers every update it posts; the fake numbers the ones it queues itself.
    numbered = [{"update_id": i + 1, **update} for i, update in enumerate(updates)]

    def poster(ports: list[int]) -> Any:
        return lambda: asyncio.run(post_all(ports, numbered, args.concurrency))

    try:
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder)
            queue_first = args.feed == "before"
            rounds = []
            # bare and sqlite_polling one after the other, --rounds times: the ratio is taken within a
            # round (the same load on the machine), and the median round is the result.
            for n in range(args.rounds):
                bare = Side("bare", [["bare", *base]], queue_first=queue_first).run(enqueue, [total])
                db = tmp / f"polling{n}.sqlite3"
                asyncio.run(seed(polls, questions, db, None))
                ceiling = ["--ceiling"] if args.ceiling else []
                side = Side("sqlite_polling", [["bot", *base, "--db", str(db), *ceiling]], queue_first=queue_first)
                ours = side.run(enqueue, [total])
                ratio = ours["per_s"] / bare["per_s"]
                print(
                    f"round {n + 1}: bare {bare['per_s']:.1f}/s, sqlite_polling {ours['per_s']:.1f}/s,"
                    f" ratio {ratio:.3f}; CPU per answer: bare {bare['cpu_us']:.0f} µs,"
                    f" sqlite_polling {ours['cpu_us']:.0f} µs (event loop {ours['loop_cpu_us']:.0f} µs)"
                    f" + answer writer {ours['writer_cpu_us']:.0f} µs; the fake Bot API {bare['fake_cpu_us']:.0f}"
                    f" and {ours['fake_cpu_us']:.0f} µs;"
                    f" load {os.getloadavg()[0]:.2f}",
                    flush=True,
                )
                rounds.append((ratio, bare, ours))
            rounds.sort(key=lambda r: float(r[0]))
            _, results["bare"], results["sqlite_polling"] = rounds[len(rounds) // 2]
            results["bare"]["ratios"] = [round(r[0], 3) for r in rounds]
            if args.polling_only:
                return report(results, total)
            db = tmp / "webhook.sqlite3"
            asyncio.run(seed(polls, questions, db, None))
            port = free_port()
            side = Side("sqlite_webhook", [["bot", *base, "--db", str(db), "--port", str(port)]])
            results["sqlite_webhook"] = side.run(poster([port]), [total])
            for workers in (1, 2):
                assert url is not None
                results[f"pg_webhook_{workers}"] = asyncio.run(
                    pg_side(url, workers, base, tmp, polls, questions, poster, total, fresh_schema)
                )
    finally:
        fake.stop()
        if cluster is not None:
            cluster.stop()
    return report(results, total)


def report(results: dict[str, dict[str, Any]], total: int) -> int:
    """Each side's line, the load, then the summary as one JSON object (the last line)."""
    for result in results.values():
        label, count, seconds, rate = result["label"], result["answers"], result["seconds"], result["per_s"]
        print(
            f"{label:16} {count:7} answers in {seconds:7.2f} s: {rate:8.1f}/s, {result['cpu_us']:5.0f} µs CPU each"
            f" (+ {result['writer_cpu_us']:.0f} µs in the answer writer)"
            f" (fed in {result['feed_s']:.2f} s; first {result['first_after_feed_s']:.2f} s,"
            f" last {result['last_after_feed_s']:.2f} s after the feed began)"
        )
    bare = results["bare"]["per_s"]
    summary: dict[str, Any] = {
        "bare_per_s": round(bare, 1),
        "sqlite_polling_per_s": round(results["sqlite_polling"]["per_s"], 1),
        "ratio": round(results["sqlite_polling"]["per_s"] / bare, 3),
        "ratios": results["bare"]["ratios"],
    }
    for label in ("sqlite_webhook", "pg_webhook_1", "pg_webhook_2"):
        if label in results:  # not with --polling-only
            summary[f"{label}_per_s"] = round(results[label]["per_s"], 1)
    summary["answers"] = total
    print(f"load {os.getloadavg()[0]:.2f}")
    print(json.dumps(summary))
    return 0


async def pg_side(
    url: str,
    workers: int,
    base: list[str],
    tmp: Path,
    polls: list[str],
    questions: list[Any],
    poster: Any,
    total: int,
    fresh_schema: Any,
) -> dict[str, Any]:
    async with fresh_schema(url) as schema_url:
        await seed(polls, questions, None, schema_url)
        ports = [free_port() for _ in range(workers)]
        children = [
            ["bot", *base, "--db", str(tmp / f"unused{i}.sqlite3"), "--database-url", schema_url, "--port", str(port)]
            for i, port in enumerate(ports)
        ]
        share = [total // workers + (1 if i < total % workers else 0) for i in range(workers)]
        side = Side(f"pg_webhook_{workers}", children)
        return await asyncio.to_thread(side.run, poster(ports), share)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--polls", type=int, default=25)
    parser.add_argument("--concurrency", type=int, default=32, help="webhook requests in flight")
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--feed",
        choices=["before", "during"],
        default="before",
        help="polling sides: queue every answer before the child starts (default), or while it polls",
    )
    parser.add_argument("--rounds", type=int, default=3, help="bare + sqlite_polling rounds; the median is kept")
    parser.add_argument(
        "--polling-only", action="store_true", help="measure bare and sqlite_polling only (the ratio), for quick turns"
    )
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="this bot with an answer handler that records nothing: the ratio its dispatch alone allows",
    )
    parser.add_argument("--child", choices=["bare", "bot"], help=argparse.SUPPRESS)
    parser.add_argument("--token", default=TOKEN, help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--expected", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    return run_child(args) if args.child else run_parent(args)


if __name__ == "__main__":
    sys.exit(main())
