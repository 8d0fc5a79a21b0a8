"""Thousands of generated updates against the real bot: nothing crashes, Telegram refuses nothing,
the store stays whole and /stats tells the truth.

Each example is a fresh bot (in-process emulator, empty SQLite store) fed a sequence of generated
updates one at a time; after the sequence the invariants are checked. A failure is shrunk by
hypothesis to the fewest updates that still break an invariant, and its message lists them, one
JSON update per line, as they were delivered.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from tests.fakebot import Call
from tests.reliability.botkit import ErrorSeen, live_bot
from tests.reliability.generated import Run, Step, describe, perform, steps
from tests.reliability.invariants import broken_rules, stats_mismatches
from tests.reliability.profiles import active_profile

#: An example is a few runs of steps (nested lists: many steps on average, yet shrinkable to one).
examples = st.lists(st.lists(steps, min_size=1, max_size=30), min_size=1, max_size=30).map(
    lambda runs: [step for run in runs for step in run]
)


@dataclass
class Tally:
    examples: int = 0
    updates: int = 0
    #: Bot API calls the bots made, by method; and kinds of updates delivered.
    calls: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    answers_stored: int = 0
    errors_handled: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)


async def run_example(sequence: list[Step], tally: Tally) -> None:
    with tempfile.TemporaryDirectory(prefix="studybot-fuzz-") as folder:
        async with live_bot(Path(folder) / "store.sqlite3") as live:
            run = Run(live, delivered=[])
            try:
                for step in sequence:
                    await perform(run, step)
                tally.updates += len(run.delivered)
                tally.calls.update(live.fake.counts)
                tally.kinds.update(next(k for k in u if k != "update_id") for u in run.delivered)
                tally.answers_stored += live.query("SELECT count(*) FROM answers")[0][0]
                tally.errors_handled.update(type(e.error).__name__ for e in live.errors)
                tally.refusals.update(f"{c.status} {c.description}" for c in live.fake.requests if not c.ok)
                problems = _problems(
                    run.live.unexpected_errors(run.faults > 0), run.live.rejected_calls(run.faults > 0)
                )
                problems += [f"store: {name}: {count} row(s)" for name, count in broken_rules(live).items()]
                problems += [f"/stats: {line}" for line in await stats_mismatches(live)]
            except BaseException as exc:
                note(f"updates delivered:\n{describe(run.delivered)}")
                raise AssertionError(f"{exc!r} after these updates:\n{describe(run.delivered)}") from exc
            if problems:
                note(f"updates delivered:\n{describe(run.delivered)}")
                pytest.fail(
                    "\n".join(problems) + f"\nafter these {len(run.delivered)} updates:\n{describe(run.delivered)}"
                )


def _problems(errors: list[ErrorSeen], rejected: list[Call]) -> list[str]:
    found = [f"error handler: {type(e.error).__name__}: {e.error}" for e in errors]
    for call in rejected:
        params = {k: (v if len(repr(v)) < 120 else repr(v)[:117] + "...") for k, v in call.params.items()}
        found.append(f"refused by Telegram: {call.method} {params} -> {call.status} {call.description}")
    return found


# A ci run takes about a minute on two cores; a failure's shrinking may take minutes more.
@pytest.mark.timeout(active_profile().timeout_s)
def test_generated_updates_break_no_invariant(record_property: Callable[[str, object], None]) -> None:
    profile = active_profile()
    tally = Tally()

    @given(examples)
    def example(sequence: list[Step]) -> None:
        tally.examples += 1
        asyncio.run(run_example(sequence, tally))

    started = time.monotonic()
    example()
    seconds = time.monotonic() - started
    record_property("updates", tally.updates)
    record_property("examples", tally.examples)
    record_property("seconds", round(seconds, 1))
    print(f"\n{profile.name}: {tally.updates} generated updates in {tally.examples} examples, {seconds:.1f} s")
    print(f"kinds: {dict(tally.kinds.most_common())}")
    print(f"calls: {dict(tally.calls.most_common())}")
    print(f"answers stored: {tally.answers_stored}; errors handled (expected kinds): {dict(tally.errors_handled)}")
    print(f"refusals (expected kinds): {dict(tally.refusals)}")
    assert tally.updates >= profile.updates, f"the {profile.name} profile delivered only {tally.updates} updates"
