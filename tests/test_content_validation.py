"""The content bank's validation: every rule can fail, and each failure names the file and item."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from telegram.constants import PollLimit

from bot.content.loader import check_bank

SOURCES = {"sources": [{"id": "S000", "kind": "seed", "ref": "000.txt", "title": "Seed 000"}]}


def topic(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "t1",
        "title": "Topic one",
        "short_title": "One",
        "description": "One line.",
        "summary": "A summary.",
        "takeaways": ["A point."],
        "exam_relevance": "Prelims",
    }
    base.update(changes)
    return base


def fact(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {"id": "t1-f01", "text": "IOM was established in 1951.", "source": ["S000"]}
    base.update(changes)
    return base


def question(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "t1-q01",
        "question": "When was IOM established?",
        "options": ["1951", "1989"],
        "answer": 0,
        "explanation": "IOM began in 1951.",
        "source": ["S000"],
    }
    base.update(changes)
    return base


def write_bank(root: Path, files: dict[str, object], sources: object = SOURCES) -> Path:
    (root / "topics").mkdir(parents=True)
    (root / "sources.yaml").write_text(yaml.safe_dump(sources))
    for name, data in files.items():
        (root / "topics" / name).write_text(yaml.safe_dump(data, allow_unicode=True))
    return root


def bank_with_question(root: Path, extra: dict[str, object]) -> Path:
    """A valid one-topic bank plus one more question (the one under test)."""
    return write_bank(root, {"t1.yaml": {"topic": topic(), "facts": [fact()], "questions": [question(), extra]}})


def problems(root: Path) -> list[str]:
    return [str(p) for p in check_bank(root, today=dt.date(2026, 1, 1)).problems]


def test_a_valid_bank_has_no_problems(tmp_path: Path) -> None:
    root = write_bank(tmp_path, {"t1.yaml": {"topic": topic(), "facts": [fact()], "questions": [question()]}})
    result = check_bank(root)
    assert result.problems == []
    assert list(result.bank.topics) == ["t1"]
    assert result.bank.facts["t1-f01"].topic == "t1"


def test_duplicate_ids_are_reported_with_both_files(tmp_path: Path) -> None:
    root = write_bank(
        tmp_path,
        {
            "a.yaml": {"topic": topic(), "facts": [fact()], "questions": [question()]},
            "b.yaml": {"topic": topic(id="t2"), "facts": [fact(text="Another.")], "questions": [question(id="q9")]},
        },
    )
    assert any("t1-f01: duplicate id (also in a.yaml)" in p for p in problems(root))


def test_an_unknown_source_is_a_problem(tmp_path: Path) -> None:
    root = write_bank(
        tmp_path, {"t1.yaml": {"topic": topic(), "facts": [fact(source=["nowhere"])], "questions": [question()]}}
    )
    assert problems(root) == ["t1.yaml: t1-f01: source 'nowhere' is not in sources.yaml"]


def test_an_empty_source_list_is_a_problem(tmp_path: Path) -> None:
    root = write_bank(
        tmp_path,
        {
            "t1.yaml": {
                "topic": topic(),
                "facts": [fact(), fact(id="t1-f02", text="B.", source=[])],
                "questions": [question()],
            }
        },
    )
    assert any(p.startswith("t1.yaml: t1-f02: source") for p in problems(root))


def test_an_unknown_related_topic_is_a_problem(tmp_path: Path) -> None:
    root = write_bank(
        tmp_path, {"t1.yaml": {"topic": topic(related=["t9"]), "facts": [fact()], "questions": [question()]}}
    )
    assert problems(root) == ["t1.yaml: t1: related topic 't9' does not exist"]


def test_a_topic_without_questions_is_a_problem(tmp_path: Path) -> None:
    root = write_bank(tmp_path, {"t1.yaml": {"topic": topic(), "facts": [fact()]}})
    assert problems(root) == ["t1.yaml: t1: topic has no questions"]


def test_an_item_claiming_another_topic_is_a_problem(tmp_path: Path) -> None:
    root = write_bank(
        tmp_path,
        {
            "t1.yaml": {
                "topic": topic(),
                "facts": [fact(), fact(id="t1-f02", text="B.", topic="zz")],
                "questions": [question()],
            }
        },
    )
    assert "t1.yaml: t1-f02: topic 'zz' does not exist" in problems(root)


def test_a_question_over_telegrams_length_limit_names_its_id(tmp_path: Path) -> None:
    long = "x" * (PollLimit.MAX_QUESTION_LENGTH + 1)
    root = bank_with_question(tmp_path, question(id="t1-q02", question=long))
    found = problems(root)
    assert len(found) == 1 and found[0].startswith("t1.yaml: t1-q02:") and "300" in found[0]


def test_an_option_over_telegrams_length_limit_is_a_problem(tmp_path: Path) -> None:
    options = ["1951", "y" * (PollLimit.MAX_OPTION_LENGTH + 1)]
    root = bank_with_question(tmp_path, question(id="t1-q02", question="Q2?", options=options))
    assert any("t1-q02" in p and "option 2" in p for p in problems(root))


def test_an_explanation_over_telegrams_limit_is_a_problem(tmp_path: Path) -> None:
    long = "z" * (PollLimit.MAX_EXPLANATION_LENGTH + 1)
    root = bank_with_question(tmp_path, question(id="t1-q02", question="Q2?", explanation=long))
    assert any("t1-q02" in p and "explanation" in p for p in problems(root))


@pytest.mark.parametrize("options", [["only one"], [str(i) for i in range(11)]])
def test_option_count_outside_two_to_ten_is_a_problem(tmp_path: Path, options: list[str]) -> None:
    root = bank_with_question(tmp_path, question(id="t1-q02", question="Q2?", options=options))
    assert any("t1-q02" in p and "options" in p for p in problems(root))


def test_an_answer_index_outside_the_options_is_a_problem(tmp_path: Path) -> None:
    root = bank_with_question(tmp_path, question(id="t1-q02", question="Q2?", answer=5))
    assert any("t1-q02" in p and "answer 5" in p for p in problems(root))


def test_statement_options_may_only_name_existing_statements(tmp_path: Path) -> None:
    bad = question(
        id="t1-q02",
        shape="statements",
        question="Consider the following statements:",
        statements=["A.", "B."],
        options=["1 only", "1 and 3 only"],
    )
    root = bank_with_question(tmp_path, bad)
    assert any("t1-q02" in p and "names statement 3" in p for p in problems(root))


def test_near_duplicate_questions_are_a_problem(tmp_path: Path) -> None:
    twin = question(id="t1-q02", question="When was IOM  established ?!")
    root = bank_with_question(tmp_path, twin)
    assert sum("same text" in p for p in problems(root)) == 2


def test_an_as_of_in_the_future_is_a_problem_and_an_old_one_a_warning(tmp_path: Path) -> None:
    facts = [fact(as_of="2030-01-01"), fact(id="t1-f02", text="B.", as_of="2020-01-01")]
    root = write_bank(tmp_path, {"t1.yaml": {"topic": topic(), "facts": facts, "questions": [question()]}})
    result = check_bank(root, today=dt.date(2026, 1, 1))
    assert [p.item_id for p in result.problems] == ["t1-f01"]
    assert [w.item_id for w in result.warnings] == ["t1-f02"]


def test_an_invalid_as_of_date_is_a_problem(tmp_path: Path) -> None:
    root = write_bank(
        tmp_path,
        {
            "t1.yaml": {
                "topic": topic(),
                "facts": [fact(), fact(id="t1-f02", text="B.", as_of="March")],
                "questions": [question()],
            }
        },
    )
    assert any("t1-f02" in p and "as_of" in p for p in problems(root))


def test_unreadable_yaml_names_the_file(tmp_path: Path) -> None:
    root = write_bank(tmp_path, {})
    (root / "topics" / "broken.yaml").write_text("topic: [unclosed")
    assert any(p.startswith("broken.yaml: -: cannot read") for p in problems(root))


def test_a_long_statement_question_is_split_before_the_poll() -> None:
    from bot.content.models import Question

    q = Question.model_validate(
        question(
            topic="t1",
            shape="statements",
            question="Consider the following statements:",
            statements=["s" * 120, "t" * 120, "u" * 120],
            options=["1 only", "1, 2 and 3"],
        )
    )
    assert q.needs_split()
    assert q.poll_question() == "Which of the statements given above is/are correct?"
    assert q.statements_message().startswith("Consider the following statements:\n1. sss")
