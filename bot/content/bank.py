"""The content bank in memory: its items indexed by id, in English and in every language it has.

A bank loaded from ``content/`` (bot/content/loader.py) is English; each ``content/<language>/``
folder of overlays (bot/content/overlays.py) gives it a localized twin, reached with
:meth:`Bank.in_language`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.content.models import Fact, MainsPrompt, Question, Source, Topic
from bot.languages import ENGLISH


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the bank: where, which item, and what."""

    file: str
    item_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.item_id}: {self.message}"


@dataclass
class Bank:
    """The validated content bank, indexed for lookups.

    Every language of a bank is a ``Bank`` of its own with the same ids, topics, shapes, answers,
    option order, sources and dates; only the text differs (an item without a translation is the
    English item). ``bank.in_language(code)`` returns the twin for ``code``, and the English bank
    for ``"en"`` or a language the bank does not have. The twins are built once, at load.
    """

    topics: dict[str, Topic] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)
    mains: dict[str, MainsPrompt] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    #: Questions (and their topics) a /reload dropped: polls already sent still resolve to them,
    #: but nothing new is chosen from them.
    retired_questions: dict[str, Question] = field(default_factory=dict)
    retired_topics: dict[str, Topic] = field(default_factory=dict)
    #: The language of this bank's text (a code such as "en" or "hi").
    language: str = ENGLISH
    #: Every language's bank by code, this one included; one dict shared by all of them.
    translations: dict[str, Bank] = field(default_factory=dict, repr=False, compare=False)

    def in_language(self, language: str) -> Bank:
        """This bank's text in ``language``: the English bank for "en" or a language it lacks."""
        if language == self.language:
            return self
        return self.translations.get(language) or self.translations.get(ENGLISH) or self

    @property
    def languages(self) -> list[str]:
        """The codes this bank can be read in, English first."""
        return sorted(self.translations or {self.language: self}, key=lambda code: (code != ENGLISH, code))

    def question(self, question_id: str) -> Question | None:
        """A question by id, a retired one included (for answers to polls already sent)."""
        return self.questions.get(question_id) or self.retired_questions.get(question_id)

    def topic(self, topic_id: str) -> Topic | None:
        """A topic by id, a retired one included."""
        return self.topics.get(topic_id) or self.retired_topics.get(topic_id)

    def facts_in(self, topic_id: str | None = None) -> list[Fact]:
        return [f for f in self.facts.values() if topic_id is None or f.topic == topic_id]

    def questions_in(self, topic_id: str | None = None) -> list[Question]:
        return [q for q in self.questions.values() if topic_id is None or q.topic == topic_id]

    def mains_in(self, topic_id: str | None = None) -> list[MainsPrompt]:
        return [m for m in self.mains.values() if topic_id is None or m.topic == topic_id]

    def cite(self, source_ids: list[str]) -> str:
        """A readable source line for a list of source ids."""
        return "; ".join(self.sources[s].title if s in self.sources else s for s in source_ids)


def carry_over(old: Bank, new: Bank) -> Bank:
    """``new``, still resolving every question (with its topic and sources) that only ``old`` had,
    so that answers to polls sent before a reload keep working, in every language of ``new``."""
    for language in new.languages:
        _carry_over_one(old.in_language(language), new.in_language(language))
    return new


def _carry_over_one(old: Bank, new: Bank) -> None:
    for question_id in {*old.questions, *old.retired_questions} - new.questions.keys():
        question = old.question(question_id)
        assert question is not None
        new.retired_questions[question_id] = question
        topic = old.topic(question.topic)
        if topic is not None and question.topic not in new.topics:
            new.retired_topics[question.topic] = topic
        for source_id in question.source:
            if source_id not in new.sources and source_id in old.sources:
                new.sources[source_id] = old.sources[source_id]
