"""Mock tests: ten questions, a time limit each, one test per user, UPSC marking, kept across restarts."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.services.learning import Learning
from bot.services.mock_test import CLOSE_GRACE, SECONDS_PER_QUESTION, TEST_SIZE, MockTestStep
from bot.services.study import StudyService
from bot.storage.sqlite import SqliteRepository
from tests.learning_helpers import NOW, answer, bank

USER = 7
TOPIC = "iom-basics"


@pytest.fixture
def learning(repo: SqliteRepository) -> Learning:
    return Learning.create(bank(), repo, rng=random.Random(6))


@pytest.fixture
def study(repo: SqliteRepository) -> StudyService:
    return StudyService(bank(), repo)


async def send(learning: Learning, step: MockTestStep, clock: ManualClock) -> str:
    """What the bot does with a step's question: it goes out as a poll and its clock starts."""
    poll_id = f"test-{step.test.test_id}-{step.position}"
    await learning.tests.question_sent(step, poll_id, clock.now())
    return poll_id


async def reply(
    learning: Learning, study: StudyService, step: MockTestStep, poll_id: str, *, correct: bool, clock: ManualClock
) -> MockTestStep | None:
    assert step.question is not None
    outcome = await answer(
        study, step.question, USER, correct=correct, now=clock.now(), purpose="test", poll_id=poll_id
    )
    return await learning.tests.answered(poll_id, USER, outcome.chosen, outcome.is_correct, clock.now())


async def test_a_test_asks_ten_different_questions_from_its_topic(learning: Learning, repo: SqliteRepository) -> None:
    started = await learning.tests.start(USER, USER, TOPIC, NOW)
    assert started.step is not None
    items = await repo.mock_test_items(started.step.test.test_id)
    ids = [item.question_id for item in items]
    assert len(ids) == TEST_SIZE == len(set(ids))
    assert all(bank().questions[i].topic == TOPIC for i in ids)
    assert started.step.test.open_period == SECONDS_PER_QUESTION


async def test_one_test_at_a_time_per_user(learning: Learning) -> None:
    first = await learning.tests.start(USER, USER, None, NOW)
    second = await learning.tests.start(USER, USER, TOPIC, NOW)
    assert first.step is not None and second.step is None
    assert second.busy is not None and second.busy.test_id == first.step.test.test_id
    other_user = await learning.tests.start(USER + 1, USER + 1, TOPIC, NOW)
    assert other_user.step is not None


async def test_a_run_with_an_unanswered_question_scores_it_zero(learning: Learning, study: StudyService) -> None:
    clock = ManualClock(NOW)
    started = await learning.tests.start(USER, USER, TOPIC, clock.now())
    step = started.step
    for position in range(TEST_SIZE):
        assert step is not None and step.position == position and step.question is not None
        poll_id = await send(learning, step, clock)
        clock.advance(seconds=20)
        if position == 3:
            # Left unanswered: nothing happens before the time (and a grace) has run out ...
            assert await learning.tests.expire_due(clock.now()) == []
            clock.advance(seconds=SECONDS_PER_QUESTION - 20 + CLOSE_GRACE.total_seconds())
            (step,) = await learning.tests.expire_due(clock.now())
        else:
            step = await reply(learning, study, step, poll_id, correct=position != 5, clock=clock)
    assert step is not None and step.result is not None
    result = step.result
    assert (result.correct, result.wrong, result.unanswered) == (8, 1, 1)
    assert result.score == Decimal("15.34")  # 8 × 2 − 1 × 0.66, and 0 for the unanswered one
    assert result.max_score == 20
    assert result.time_taken == clock.now() - NOW
    assert [(m.position, m.chosen is None) for m in result.missed] == [(3, True), (5, False)]


async def test_a_late_answer_to_a_question_given_up_does_not_count(learning: Learning, study: StudyService) -> None:
    clock = ManualClock(NOW)
    started = await learning.tests.start(USER, USER, TOPIC, clock.now())
    assert started.step is not None
    poll_id = await send(learning, started.step, clock)
    clock.advance(seconds=SECONDS_PER_QUESTION + 5)
    (next_step,) = await learning.tests.expire_due(clock.now())
    assert next_step.position == 1
    assert await reply(learning, study, started.step, poll_id, correct=True, clock=clock) is None
    assert await learning.tests.expire_due(clock.now()) == []  # the second question is not even sent yet


async def test_an_answer_twice_moves_the_test_on_once(learning: Learning, study: StudyService) -> None:
    clock = ManualClock(NOW)
    started = await learning.tests.start(USER, USER, TOPIC, clock.now())
    assert started.step is not None
    poll_id = await send(learning, started.step, clock)
    assert await learning.tests.answered(poll_id, USER, 0, True, clock.now()) is not None
    assert await learning.tests.answered(poll_id, USER, 0, True, clock.now()) is None


async def test_a_running_test_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    clock = ManualClock(NOW)
    repo = await SqliteRepository.open(path)
    learning = Learning.create(bank(), repo)
    started = await learning.tests.start(USER, USER, TOPIC, clock.now())
    assert started.step is not None
    await send(learning, started.step, clock)
    await repo.close()

    repo = await SqliteRepository.open(path)
    try:
        learning = Learning.create(bank(), repo)
        running = await learning.tests.running(USER)
        assert running is not None and running.current == 0
        clock.advance(seconds=SECONDS_PER_QUESTION + 10)
        (step,) = await learning.tests.expire_due(clock.now())
        assert step.position == 1 and step.question is not None
    finally:
        await repo.close()


async def test_giving_up_frees_the_user_for_a_new_test(learning: Learning) -> None:
    first = await learning.tests.start(USER, USER, TOPIC, NOW)
    assert first.step is not None
    given_up = await learning.tests.abandon(USER, NOW)
    assert given_up is not None and given_up.test_id == first.step.test.test_id
    assert await learning.tests.abandon(USER, NOW) is None
    assert (await learning.tests.start(USER, USER, TOPIC, NOW)).step is not None


async def test_a_given_up_test_is_not_moved_on_by_its_timer(learning: Learning) -> None:
    clock = ManualClock(NOW)
    started = await learning.tests.start(USER, USER, TOPIC, clock.now())
    assert started.step is not None
    await send(learning, started.step, clock)
    await learning.tests.abandon(USER, clock.now())
    clock.advance(minutes=5)
    assert await learning.tests.expire_due(clock.now()) == []


async def test_a_topic_with_few_questions_gives_a_shorter_test(learning: Learning, repo: SqliteRepository) -> None:
    started = await learning.tests.start(USER, USER, TOPIC, NOW, size=500)
    assert started.step is not None
    assert started.step.test.size == len(bank().questions_in(TOPIC))
    assert dt.timedelta(0) == started.step.test.started_at - NOW
