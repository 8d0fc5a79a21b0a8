"""Mechanical guards on the real content bank: sizes, shapes, uniqueness, sources and dates."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from rapidfuzz import fuzz

from bot.config import DEFAULT_CONTENT_DIR
from bot.content.loader import Bank, check_bank, normalise
from bot.content.models import Fact, MainsPrompt, Question, Shape
from tests.content_cache import parsed_once

SEEDS = DEFAULT_CONTENT_DIR.parent.parent / "shared" / "seeds"


@pytest.fixture(scope="module")
def bank() -> Bank:
    result = parsed_once(check_bank, DEFAULT_CONTENT_DIR)
    assert result.problems == []
    return result.bank


def test_the_bank_is_big_enough_for_a_season(bank: Bank) -> None:
    assert len(bank.topics) >= 8 and len(bank.facts) >= 120 and len(bank.questions) >= 150


def test_at_least_thirty_percent_are_statement_questions(bank: Bank) -> None:
    statements = sum(q.shape is Shape.STATEMENTS for q in bank.questions.values())
    assert statements / len(bank.questions) >= 0.30


def test_every_upsc_shape_is_used(bank: Bank) -> None:
    assert {q.shape for q in bank.questions.values()} == set(Shape)


def test_every_topic_has_facts_questions_and_a_mains_prompt(bank: Bank) -> None:
    for topic_id in bank.topics:
        assert bank.facts_in(topic_id) and bank.questions_in(topic_id) and bank.mains_in(topic_id), topic_id


def test_every_topic_page_has_four_to_eight_takeaways_and_links(bank: Bank) -> None:
    for topic in bank.topics.values():
        assert 4 <= len(topic.takeaways) <= 8, topic.id
        assert topic.related, topic.id


def test_each_correct_option_is_unique_among_its_options(bank: Bank) -> None:
    for q in bank.questions.values():
        correct = normalise(q.options[q.answer])
        assert [normalise(o) for o in q.options].count(correct) == 1, q.id


def test_no_two_questions_are_near_duplicates(bank: Bank) -> None:
    texts = {q.id: normalise(q.question + " " + " ".join(q.statements)) for q in bank.questions.values()}
    close = [
        (a, b) for (a, ta), (b, tb) in itertools.combinations(texts.items(), 2) if fuzz.token_sort_ratio(ta, tb) >= 92
    ]
    assert close == []


def test_no_two_facts_are_near_duplicates(bank: Bank) -> None:
    texts = {f.id: normalise(f.text) for f in bank.facts.values()}
    close = [
        (a, b) for (a, ta), (b, tb) in itertools.combinations(texts.items(), 2) if fuzz.token_sort_ratio(ta, tb) >= 92
    ]
    assert close == []


def test_statement_options_only_name_statements_that_exist(bank: Bank) -> None:
    for q in bank.questions.values():
        if q.shape is Shape.STATEMENTS:
            numbers = {int(n) for o in q.options for n in re.findall(r"\b\d+\b", o)}
            assert numbers <= set(range(1, len(q.statements) + 1)), q.id


def test_every_source_resolves_to_a_seed_file_or_a_named_page(bank: Bank) -> None:
    for source in bank.sources.values():
        if source.kind == "seed" and SEEDS.is_dir():
            assert (SEEDS / source.ref).is_file(), source.ref
    items: list[Fact | Question | MainsPrompt] = [*bank.facts.values(), *bank.questions.values(), *bank.mains.values()]
    cited = {s for item in items for s in item.source}
    assert cited <= set(bank.sources)


def test_as_of_dates_are_real_dates_not_in_the_future(bank: Bank) -> None:
    items: list[Fact | Question] = [*bank.facts.values(), *bank.questions.values()]
    for item in items:
        if item.as_of is not None:
            assert dt.date(2000, 1, 1) <= item.as_of <= dt.date.today(), item.id


def test_changing_figures_say_as_of_in_their_text(bank: Bank) -> None:
    for fact in bank.facts.values():
        if fact.as_of is not None:
            assert "as of" in fact.text.casefold() or re.search(r"\b(19|20)\d\d\b", fact.text), fact.id


def test_the_dated_seed_figure_is_never_taught_as_current(bank: Bank) -> None:
    items: list[Fact | Question] = [*bank.facts.values(), *bank.questions.values()]
    for item in items:
        text = item.text if isinstance(item, Fact) else item.question
        if "147" in text:
            assert "dated" in text.casefold() or "old" in text.casefold() or "out of date" in text.casefold(), item.id
