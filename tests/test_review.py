"""Spaced review: FSRS cards per user and question, and /review sessions, on a controllable clock."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.content.models import Question
from bot.services.learning import Learning
from bot.services.review import SESSION_SIZE, STEP, ReviewTurn, make_scheduler
from bot.services.study import StudyService
from bot.storage.sqlite import SqliteRepository
from tests.learning_helpers import NOW, answer, bank, questions

USER = 7


@pytest.fixture
def study(repo: SqliteRepository) -> StudyService:
    return StudyService(bank(), repo)


@pytest.fixture
def learning(repo: SqliteRepository) -> Learning:
    # No fuzz: intervals are exactly FSRS's, so the tests can name them.
    return Learning.create(bank(), repo, scheduler=make_scheduler(fuzz=False))


async def practise(
    learning: Learning, study: StudyService, question: Question, *, correct: bool, now: dt.datetime
) -> None:
    """An answer as the bot handles it: stored, then the card rescheduled."""
    outcome = await answer(study, question, USER, correct=correct, now=now)
    await learning.review.record(USER, question.id, outcome.is_correct, now)


async def review_answer(
    learning: Learning, study: StudyService, turn: ReviewTurn, *, correct: bool, now: dt.datetime
) -> ReviewTurn | None:
    """Send the turn's question as a review poll and answer it, as the bot's handlers do."""
    assert turn.question is not None
    poll_id = f"review-{turn.question.id}-{now.isoformat()}"
    await learning.review.sent(USER, poll_id)
    outcome = await answer(study, turn.question, USER, correct=correct, now=now, purpose="review", poll_id=poll_id)
    await learning.review.record(USER, turn.question.id, outcome.is_correct, now)
    return await learning.review.answered(USER, poll_id, outcome.is_correct, now)


async def test_missed_question_comes_back_before_a_correct_one(
    learning: Learning, study: StudyService, repo: SqliteRepository
) -> None:
    missed, right = questions(count=2)
    await practise(learning, study, missed, correct=False, now=NOW)
    await practise(learning, study, right, correct=True, now=NOW)
    missed_card = await repo.get_card(USER, missed.id)
    right_card = await repo.get_card(USER, right.id)
    assert missed_card is not None and right_card is not None
    assert missed_card.due_at < right_card.due_at
    clock = ManualClock(NOW)
    clock.advance(minutes=11)
    assert [c.question_id for c in await repo.due_cards(USER, clock.now(), 10)] == [missed.id]


async def test_a_wrong_answer_returns_after_the_learning_step_and_a_right_one_after_days(
    learning: Learning, study: StudyService, repo: SqliteRepository
) -> None:
    missed, right = questions(count=2)
    await practise(learning, study, missed, correct=False, now=NOW)
    await practise(learning, study, right, correct=True, now=NOW)
    missed_card = await repo.get_card(USER, missed.id)
    right_card = await repo.get_card(USER, right.id)
    assert missed_card is not None and missed_card.due_at == NOW + STEP
    assert right_card is not None and right_card.due_at - NOW >= dt.timedelta(days=1)


async def test_review_times_come_from_the_clock_not_the_wall(
    learning: Learning, study: StudyService, repo: SqliteRepository
) -> None:
    far_future = dt.datetime(2031, 7, 1, 12, 0, tzinfo=dt.UTC)
    (question,) = questions(count=1)
    await practise(learning, study, question, correct=True, now=far_future)
    card = await repo.get_card(USER, question.id)
    assert card is not None
    assert json.loads(card.card)["last_review"].startswith("2031-07-01T12:00:00")
    assert card.due_at > far_future


async def test_a_card_answered_again_builds_on_its_stored_state(
    learning: Learning, study: StudyService, repo: SqliteRepository
) -> None:
    (question,) = questions(count=1)
    await practise(learning, study, question, correct=True, now=NOW)
    first = await repo.get_card(USER, question.id)
    assert first is not None
    later = first.due_at
    await practise(learning, study, question, correct=True, now=later)
    second = await repo.get_card(USER, question.id)
    assert second is not None
    # A second right answer on time is spaced further out than the first.
    assert second.due_at - later > first.due_at - NOW


async def test_cards_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    repo = await SqliteRepository.open(path)
    learning = Learning.create(bank(), repo)
    (question,) = questions(count=1)
    await practise(learning, StudyService(bank(), repo), question, correct=False, now=NOW)
    before = await repo.get_card(USER, question.id)
    await repo.close()
    reopened = await SqliteRepository.open(path)
    try:
        assert await reopened.get_card(USER, question.id) == before
        assert await reopened.count_due(USER, NOW + dt.timedelta(minutes=11)) == 1
    finally:
        await reopened.close()


async def test_nothing_to_review_before_any_answer(learning: Learning) -> None:
    turn = await learning.review.start(USER, USER, NOW)
    assert turn.question is None and not turn.has_cards


async def test_nothing_due_says_when_the_next_review_is(learning: Learning, study: StudyService) -> None:
    (question,) = questions(count=1)
    await practise(learning, study, question, correct=False, now=NOW)
    turn = await learning.review.start(USER, USER, NOW + dt.timedelta(minutes=1))
    assert turn.question is None and turn.has_cards
    assert turn.next_due == NOW + STEP


async def test_a_review_session_sends_the_due_questions_one_after_another(
    learning: Learning, study: StudyService
) -> None:
    first, second = questions(count=2)
    await practise(learning, study, first, correct=False, now=NOW)
    await practise(learning, study, second, correct=False, now=NOW + dt.timedelta(seconds=1))
    later = NOW + dt.timedelta(minutes=15)
    turn = await learning.review.start(USER, USER, later)
    assert turn.question == first and turn.due == 2
    turn2 = await review_answer(learning, study, turn, correct=True, now=later)
    assert turn2 is not None and turn2.question == second
    end = await review_answer(learning, study, turn2, correct=True, now=later)
    assert end is not None and end.finished
    assert (end.answered, end.correct, end.due) == (2, 2, 0)
    assert end.next_due is not None and end.next_due > later


async def test_a_session_stops_after_ten_and_says_how_many_more_are_due(
    learning: Learning, study: StudyService
) -> None:
    missed = questions(count=SESSION_SIZE + 3)
    for i, question in enumerate(missed):
        await practise(learning, study, question, correct=False, now=NOW + dt.timedelta(seconds=i))
    later = NOW + dt.timedelta(hours=1)
    turn: ReviewTurn | None = await learning.review.start(USER, USER, later)
    sent = 0
    while turn is not None and not turn.finished:
        sent += 1
        turn = await review_answer(learning, study, turn, correct=True, now=later)
    assert sent == SESSION_SIZE
    assert turn is not None and turn.due == 3 and turn.answered == SESSION_SIZE


async def test_a_wrong_review_answer_is_not_asked_again_in_the_same_minute(
    learning: Learning, study: StudyService
) -> None:
    (question,) = questions(count=1)
    await practise(learning, study, question, correct=False, now=NOW)
    later = NOW + dt.timedelta(minutes=11)
    turn = await learning.review.start(USER, USER, later)
    end = await review_answer(learning, study, turn, correct=False, now=later)
    assert end is not None and end.finished and end.due == 0
    assert end.next_due == later + STEP


async def test_an_older_review_poll_does_not_move_the_session_on(learning: Learning, study: StudyService) -> None:
    first, second = questions(count=2)
    await practise(learning, study, first, correct=False, now=NOW)
    await practise(learning, study, second, correct=False, now=NOW)
    later = NOW + dt.timedelta(minutes=11)
    await learning.review.start(USER, USER, later)
    await learning.review.sent(USER, "current-poll")
    assert await learning.review.answered(USER, "some-older-poll", True, later) is None
    moved_on = await learning.review.answered(USER, "current-poll", True, later)
    assert moved_on is not None and (moved_on.answered, moved_on.correct) == (1, 1)


async def test_cards_of_questions_that_left_the_bank_are_dropped(
    learning: Learning, repo: SqliteRepository, study: StudyService
) -> None:
    (question,) = questions(count=1)
    await learning.review.record(USER, "no-longer-in-the-bank", False, NOW)
    await practise(learning, study, question, correct=False, now=NOW + dt.timedelta(seconds=1))
    turn = await learning.review.start(USER, USER, NOW + dt.timedelta(minutes=20))
    assert turn.question == question and turn.due == 1
    assert await repo.get_card(USER, "no-longer-in-the-bank") is None


async def test_cards_are_per_user(learning: Learning, study: StudyService, repo: SqliteRepository) -> None:
    (question,) = questions(count=1)
    await practise(learning, study, question, correct=False, now=NOW)
    assert await repo.count_cards(USER) == 1
    assert await repo.count_cards(USER + 1) == 0
