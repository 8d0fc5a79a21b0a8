"""Recording a quiz answer: once, with its review card in the same transaction, checked against a
remembered copy of its poll that can never send it to the wrong chat. On both stores."""

from __future__ import annotations

import asyncio

import pytest

from bot.services.learning import Learning
from bot.services.review import make_scheduler
from bot.services.study import StudyService
from bot.storage.postgres import PostgresRepository
from bot.storage.repository import PollRecord, Repository, Reschedule, ReviewCard
from tests.learning_helpers import NOW, bank, questions

USER = 7
GROUP, SUPERGROUP = -100, -1_000_000_000_100


def study_and_learning(repo: Repository) -> tuple[StudyService, Learning]:
    return StudyService(bank(), repo), Learning.create(bank(), repo, scheduler=make_scheduler(fuzz=False))


async def sent_poll(study: StudyService, repo: Repository, chat_id: int, poll_id: str = "p1") -> PollRecord:
    """A quiz the bot sent to ``chat_id`` (the chat on record first, as the bot has it)."""
    await repo.upsert_chat(chat_id, "private" if chat_id > 0 else "group", "Chat", None)
    plan = study.plan_quiz(questions()[0])
    return await study.register_poll(plan, poll_id=poll_id, chat_id=chat_id, message_id=1, now=NOW)


def count_poll_reads(study: StudyService, repo: Repository) -> list[str]:
    """The polls ``study`` reads from the store from now on (its memory of polls starts empty)."""
    reads: list[str] = []
    read = repo.get_poll

    async def counted(poll_id: str) -> PollRecord | None:
        reads.append(poll_id)
        return await read(poll_id)

    study.polls = type(study.polls)(counted)
    return reads


async def test_an_answer_and_its_review_card_are_stored_together(repo: Repository) -> None:
    study, learning = study_and_learning(repo)
    poll = await sent_poll(study, repo, USER)
    outcome = await study.record_answer(poll.poll_id, USER, [poll.correct_option], NOW, learning.review.rescheduler)
    assert outcome is not None and outcome.is_correct
    card = await repo.get_card(USER, poll.question_id)
    assert card is not None and card.due_at > NOW


async def test_an_answer_whose_card_cannot_be_scheduled_is_not_stored(repo: Repository) -> None:
    study, learning = study_and_learning(repo)
    poll = await sent_poll(study, repo, USER)

    def broken(user_id: int, question_id: str, is_correct: bool, now: object) -> Reschedule:
        def reschedule(stored: str | None) -> ReviewCard:
            raise ValueError("no card")

        return reschedule

    with pytest.raises(ValueError, match="no card"):
        await study.record_answer(poll.poll_id, USER, [0], NOW, broken)
    assert await repo.topic_tallies(USER, None) == []
    # Nothing half-stored: the same answer, handled again, is recorded (not taken for a repeat).
    assert await study.record_answer(poll.poll_id, USER, [0], NOW, learning.review.rescheduler) is not None
    assert await repo.get_card(USER, poll.question_id) is not None


async def test_a_repeated_answer_leaves_the_card_as_it_was(repo: Repository) -> None:
    study, learning = study_and_learning(repo)
    poll = await sent_poll(study, repo, USER)
    assert await study.record_answer(poll.poll_id, USER, [0], NOW, learning.review.rescheduler) is not None
    card = await repo.get_card(USER, poll.question_id)
    assert await study.record_answer(poll.poll_id, USER, [1], NOW, learning.review.rescheduler) is None
    assert await repo.get_card(USER, poll.question_id) == card


async def test_an_answer_to_a_remembered_poll_goes_to_the_supergroup_its_group_became(repo: Repository) -> None:
    study, _ = study_and_learning(repo)
    poll = await sent_poll(study, repo, GROUP)
    assert await study.record_answer(poll.poll_id, 1, [0], NOW) is not None  # the poll is remembered now
    assert await repo.migrate_chat(GROUP, SUPERGROUP)
    outcome = await study.record_answer(poll.poll_id, 2, [0], NOW)
    assert outcome is not None and outcome.poll.chat_id == SUPERGROUP
    assert [t.answered for t in await repo.topic_tallies(2, SUPERGROUP)] == [1]
    assert await repo.topic_tallies(2, GROUP) == []


async def test_an_answer_to_a_remembered_poll_deleted_since_is_not_recorded(repo: Repository) -> None:
    study, _ = study_and_learning(repo)
    poll = await sent_poll(study, repo, USER)
    assert await study.record_answer(poll.poll_id, USER, [0], NOW) is not None
    await repo.forget_user(USER)  # /forget deletes the user's private chat with its polls
    assert await study.record_answer(poll.poll_id, USER, [0], NOW) is None
    assert await repo.topic_tallies(USER, None) == []


async def test_members_answering_a_new_poll_together_read_it_once(repo: Repository) -> None:
    study, _ = study_and_learning(repo)
    poll = await sent_poll(study, repo, GROUP)
    reads = count_poll_reads(study, repo)
    outcomes = await asyncio.gather(*(study.record_answer(poll.poll_id, user, [0], NOW) for user in range(1, 21)))
    assert all(outcome is not None for outcome in outcomes)
    assert reads == [poll.poll_id]


async def test_answers_to_a_poll_this_process_sent_do_not_read_it_back(repo: Repository) -> None:
    study, _ = study_and_learning(repo)
    reads = count_poll_reads(study, repo)
    poll = await sent_poll(study, repo, GROUP)
    outcomes = await asyncio.gather(*(study.record_answer(poll.poll_id, user, [0], NOW) for user in range(1, 4)))
    assert all(outcome is not None for outcome in outcomes)
    assert reads == []


async def test_an_answer_to_an_unknown_poll_is_not_remembered_as_one(repo: Repository) -> None:
    study, _ = study_and_learning(repo)
    # The answer came before the poll's record was written: the poll is looked up again next time.
    assert await study.record_answer("p1", 1, [0], NOW) is None
    poll = await sent_poll(study, repo, GROUP)
    assert await study.record_answer(poll.poll_id, 1, [0], NOW) is not None


async def test_a_users_name_is_stored_new_changed_and_left_alone_when_the_same(repo: Repository) -> None:
    await repo.upsert_user(USER, "Asha", None)
    await repo.upsert_user(USER, "Asha", "asha_k")
    await repo.upsert_user(USER + 1, "Ravi", None)
    await repo.upsert_user(USER, "Asha", "asha_k")
    rows = await repo._all("SELECT user_id, first_name, username FROM users ORDER BY user_id")  # type: ignore[attr-defined]
    assert [tuple(row) for row in rows] == [(USER, "Asha", "asha_k"), (USER + 1, "Ravi", None)]


async def test_an_unchanged_name_or_chat_writes_nothing_on_postgresql(pg_url: str) -> None:
    # Every update records its sender: one who is known already must cost no write (no WAL record,
    # no flush at commit), as ON CONFLICT DO UPDATE's row lock did even when it changed nothing.
    # A transaction that wrote anything, a row lock included, has a transaction id.
    repo = await PostgresRepository.open(pg_url)
    try:
        await repo.upsert_user(USER, "Asha", None)
        async with repo.transaction():
            await repo.upsert_user(USER, "Asha", None)
            unchanged = await repo._one("SELECT pg_current_xact_id_if_assigned()")
        async with repo.transaction():
            await repo.upsert_user(USER, "Asha", "asha_k")
            changed = await repo._one("SELECT pg_current_xact_id_if_assigned()")
        await repo.upsert_chat(GROUP, "supergroup", "Study circle", None)
        async with repo.transaction():
            await repo.upsert_chat(GROUP, "supergroup", "Study circle", None)
            same_chat = await repo._one("SELECT pg_current_xact_id_if_assigned()")
        assert unchanged is not None and unchanged[0] is None
        assert changed is not None and changed[0] is not None
        assert same_chat is not None and same_chat[0] is None
    finally:
        await repo.close()
