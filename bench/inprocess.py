"""This bot's cost per answer without the network: ``python bench/inprocess.py`` (a benchmark, not a test).

The bot runs as ``bench/updates.py``'s ``sqlite_polling`` child does (``bot.app.serve``, SQLite,
the same group, polls and answers), but its answers are parsed beforehand and put straight into the
Application's update queue, 100 at a time as ``getUpdates`` hands them over: no HTTP, no
``Update.de_json``, no fake Bot API competing for the cores. What is left is what this bot adds to
``bare``: dispatch, the update processor, the handler, the store. Each run prints nothing; the end
prints, over ``--runs`` runs, the wall time, the process's CPU and the event loop's CPU per answer
(the rest of the CPU is aiosqlite's thread). ``--warm`` has the bot read the polls before the
answers come (as when it sent them itself), so that none of the answers waits for its poll's read.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import updates as bench


async def one_run(base_url: str, members: int, polls: int, warm: bool) -> dict[str, float]:
    from telegram import Update
    from telegram.ext import TypeHandler

    from bot.app import serve, settle_memory
    from bot.config import DEFAULT_CONTENT_DIR, load_settings
    from bot.content.loader import load_bank
    from bot.context import CONTEXT_KEY

    bank = load_bank(DEFAULT_CONTENT_DIR)
    questions = [q for q in bank.questions.values() if len(q.options) >= 4][:polls]
    poll_ids = [f"bench-poll-{i}" for i in range(len(questions))]
    raw = [{"update_id": i + 1, **update} for i, update in enumerate(bench.answers(poll_ids, members))]
    db = Path(tempfile.mkdtemp()) / "inprocess.sqlite3"
    await bench.seed(poll_ids, questions, db, None)
    settings = load_settings(
        _env_file=None,
        TELEGRAM_BOT_TOKEN=bench.TOKEN,
        TELEGRAM_API_BASE_URL=base_url,
        DATABASE_PATH=str(db),
        LOG_LEVEL="WARNING",
        GROUP_COOLDOWN_SECONDS=0,
    )
    counter = bench.Counter(len(raw))
    stop = asyncio.Event()
    started = asyncio.Event()
    running: dict[str, Any] = {}

    async def count(update: object, context: object) -> None:
        if isinstance(update, Update) and update.poll_answer is not None:
            counter.hit()

    def ready(application: Any) -> None:
        application.add_handler(TypeHandler(Update, count), group=1000)
        settle_memory()  # as python -m bot does once it runs (bot.app.run)
        running["application"] = application
        started.set()

    server = asyncio.create_task(serve(settings, stop, with_jobs=False, ready=ready))
    await started.wait()
    application = running["application"]
    parsed = [Update.de_json(update, application.bot) for update in raw]
    if warm:
        for poll_id in poll_ids:
            await application.bot_data[CONTEXT_KEY].study.polls.get(poll_id)
    began = time.perf_counter()
    for i in range(0, len(parsed), 100):
        for update in parsed[i : i + 100]:
            application.update_queue.put_nowait(update)
        await asyncio.sleep(0)
    await counter.wait()
    wall = time.perf_counter() - began
    stop.set()
    await server
    result = counter.report()
    n = result["count"]
    return {"wall_us": 1e6 * wall / n, "cpu_us": 1e6 * result["cpu"] / n, "loop_cpu_us": 1e6 * result["loop_cpu"] / n}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--polls", type=int, default=25)
    parser.add_argument("--warm", action="store_true", help="the polls read before the answers come")
    args = parser.parse_args()
    from tests.fakebot import FakeBotAPI  # start-up (getMe, the command menus) still asks a Bot API

    fake = FakeBotAPI(bench.TOKEN, record_requests=False).start()
    try:
        results = [asyncio.run(one_run(fake.base_url, args.members, args.polls, args.warm)) for _ in range(args.runs)]
    finally:
        fake.stop()
    for key in ("wall_us", "cpu_us", "loop_cpu_us"):
        values = sorted(result[key] for result in results)
        print(f"{key}: min {values[0]:.0f}, median {values[len(values) // 2]:.0f}, all {[round(v) for v in values]}")
    print(f"load {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
