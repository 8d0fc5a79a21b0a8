"""/mistakes, /mains, /export and /forget as services, on a real SQLite store and the real bank."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from bot.render import learning as render_learning
from bot.render.messages import cite, escape
from bot.services.learning import Learning
from bot.services.my_data import EXPORT_COLUMNS
from bot.services.practice import MISTAKES_KEPT
from bot.services.study import StudyService
from bot.storage.sqlite import SqliteRepository
from tests.learning_helpers import NOW, answer, bank, questions

USER, OTHER, GROUP = 7, 8, -100123
KOLKATA = ZoneInfo("Asia/Kolkata")


@pytest.fixture
def study(repo: SqliteRepository) -> StudyService:
    return StudyService(bank(), repo)


@pytest.fixture
def learning(repo: SqliteRepository) -> Learning:
    return Learning.create(bank(), repo)


def minutes(n: int) -> dt.datetime:
    return NOW + dt.timedelta(minutes=n)


# --- mistakes ------------------------------------------------------------------------------------
async def test_mistakes_are_newest_first_and_once_per_question(learning: Learning, study: StudyService) -> None:
    a, b, c = questions(count=3)
    await answer(study, a, USER, correct=False, now=minutes(1))
    await answer(study, b, USER, correct=False, now=minutes(2))
    await answer(study, c, USER, correct=True, now=minutes(3))
    await answer(study, a, USER, correct=False, now=minutes(4))
    found = await learning.practice.mistakes(USER)
    assert [m.question.id for m in found] == [a.id, b.id]
    assert found[0].answered_at == minutes(4)


async def test_mistakes_come_from_every_chat_but_only_the_users_own(learning: Learning, study: StudyService) -> None:
    a, b = questions(count=2)
    await answer(study, a, USER, correct=False, now=minutes(1), chat_id=GROUP)
    await answer(study, b, OTHER, correct=False, now=minutes(2), chat_id=GROUP)
    assert [m.question.id for m in await learning.practice.mistakes(USER)] == [a.id]


async def test_mistake_pages_know_their_neighbours(learning: Learning, study: StudyService) -> None:
    for i, q in enumerate(questions(count=3)):
        await answer(study, q, USER, correct=False, now=minutes(i))
    first = await learning.practice.mistake_page(USER, 0)
    last = await learning.practice.mistake_page(USER, 2)
    assert first is not None and (first.has_newer, first.has_older, first.total) == (False, True, 3)
    assert last is not None and (last.has_newer, last.has_older) == (True, False)
    assert await learning.practice.mistake_page(USER, 3) is None
    assert await learning.practice.mistake_page(USER, -1) is None


async def test_mistakes_keep_only_the_latest_fifty(learning: Learning, study: StudyService) -> None:
    for i, q in enumerate(questions(count=MISTAKES_KEPT + 2)):
        await answer(study, q, USER, correct=False, now=minutes(i))
    assert len(await learning.practice.mistakes(USER)) == MISTAKES_KEPT


async def test_a_mistake_page_shows_the_question_both_answers_the_full_explanation_and_source(
    learning: Learning, study: StudyService
) -> None:
    question = next(q for q in bank().questions.values() if q.full_explanation)
    outcome = await answer(study, question, USER, correct=False, now=NOW)
    page = await learning.practice.mistake_page(USER, 0)
    assert page is not None
    text = render_learning.mistake(page, bank(), KOLKATA, "en")
    assert "Mistake 1 of 1" in text
    assert escape(question.question) in text
    assert f"Your answer: {escape(question.options[outcome.chosen])}" in text
    assert f"Correct answer: <b>{escape(question.options[question.answer])}</b>" in text
    assert escape(question.full_text) in text and cite(bank(), question.source) in text


# --- mains ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("topic_id", sorted(bank().topics))
def test_every_topic_has_a_mains_prompt_with_time_and_key_points(learning: Learning, topic_id: str) -> None:
    prompt = learning.practice.mains_prompt(topic_id)
    assert prompt is not None and prompt.topic == topic_id
    assert 4 <= len(prompt.key_points) <= 8 and prompt.source
    text = render_learning.mains_prompt(prompt, bank(), "en")
    assert f"<b>{prompt.words} words</b> in <b>{prompt.minutes} minutes</b>" in text
    assert (prompt.words, prompt.minutes) in ((150, 7), (250, 11))
    key_points = render_learning.mains_key_points(prompt, bank(), "en")
    assert all(escape(p) in key_points for p in prompt.key_points) and "Source:" in key_points


# --- export --------------------------------------------------------------------------------------
async def test_export_has_a_row_per_answer_with_both_answers(learning: Learning, study: StudyService) -> None:
    right, wrong = questions("colombo-process", count=2)
    await answer(study, right, USER, correct=True, now=minutes(1))
    out = await answer(study, wrong, USER, correct=False, now=minutes(2), chat_id=GROUP)
    await answer(study, right, OTHER, correct=True, now=minutes(3))
    export = await learning.data.export_csv(USER, KOLKATA)
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0] == list(EXPORT_COLUMNS) and export.rows == 2 == len(rows) - 1
    topic = bank().topics["colombo-process"].title
    assert rows[1] == [
        minutes(1).astimezone(KOLKATA).isoformat(timespec="seconds"),
        topic,
        right.asked(),
        right.options[right.answer],
        right.options[right.answer],
        "yes",
    ]
    assert rows[2][3:] == [wrong.options[out.chosen], wrong.options[wrong.answer], "no"]
    assert rows[2][0].endswith("+05:30")


async def test_export_of_nothing_has_only_the_header(learning: Learning) -> None:
    export = await learning.data.export_csv(USER, KOLKATA)
    assert export.rows == 0 and export.content.decode("utf-8-sig").strip() == ",".join(EXPORT_COLUMNS)


# --- forget --------------------------------------------------------------------------------------
async def test_forget_deletes_the_users_data_and_leaves_other_users_intact(
    learning: Learning, study: StudyService, repo: SqliteRepository
) -> None:
    a, b = questions(count=2)
    for user in (USER, OTHER):
        await repo.upsert_user(user, f"U{user}", None)
        await repo.upsert_chat(user, "private", f"U{user}", None)
        await repo.update_chat(user, timezone="Europe/London", subscribed=True)
        await answer(study, a, user, correct=False, now=minutes(1))
        await answer(study, b, user, correct=True, now=minutes(2), chat_id=GROUP)
        await learning.review.record(user, a.id, False, minutes(1))
        await learning.review.record(user, b.id, True, minutes(2))
        await learning.tests.start(user, user, None, minutes(3))
    await repo.upsert_chat(GROUP, "supergroup", "Study group", None)

    report = await learning.data.forget(USER)

    assert (report.answers, report.cards, report.tests, report.chat_settings, report.profile) == (2, 2, 1, True, True)
    assert await repo.user_answers(USER) == [] and await repo.count_cards(USER) == 0
    assert await repo.running_mock_test(USER) is None and await repo.get_chat(USER) is None
    assert len(await repo.user_answers(OTHER)) == 2 and await repo.count_cards(OTHER) == 2
    assert await repo.running_mock_test(OTHER) is not None
    other_chat = await repo.get_chat(OTHER)
    assert other_chat is not None and other_chat.timezone == "Europe/London"
    assert await repo.get_chat(GROUP) is not None
    assert [t.answered for t in await repo.topic_tallies(OTHER, GROUP)] == [1]


async def test_forgetting_twice_deletes_nothing_more(learning: Learning, study: StudyService) -> None:
    (q,) = questions(count=1)
    await answer(study, q, USER, correct=True, now=NOW)
    await learning.data.forget(USER)
    again = await learning.data.forget(USER)
    assert (again.answers, again.cards, again.tests, again.chat_settings, again.profile) == (0, 0, 0, False, False)
