"""Pydantic models of the content bank: topics, facts, quiz questions and Mains prompts.

Each model checks what can be checked on one item alone (Telegram's poll limits, option counts,
statement numbering); the loader checks what needs the whole bank (unique ids, references).
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from telegram.constants import MessageLimit, PollLimit

from bot.languages import ENGLISH, HINDI, LANGUAGES

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ItemId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)]

#: The content model's own bound on options (the issue's 2-10), never above what Telegram accepts.
MIN_OPTIONS = 2
MAX_OPTIONS = min(10, int(PollLimit.MAX_OPTION_NUMBER))
#: A statement question's closing line when it sets no ``ask`` (also the poll question when its
#: statements go out as a message first), in every language the content can be read in: the
#: wording of UPSC's English and Hindi papers (content/hi/GLOSSARY.md).
SPLIT_POLL_QUESTIONS = MappingProxyType(
    {
        ENGLISH: "Which of the statements given above is/are correct?",
        HINDI: "उपर्युक्त कथनों में से कौन-सा/से सही है/हैं?",
    }
)
SPLIT_POLL_QUESTION = SPLIT_POLL_QUESTIONS[ENGLISH]
#: The codes of the languages the content can be read in (English, the bank itself, and a
#: ``content/<code>/`` folder of overlays for each other): every language the bot speaks.
CONTENT_LANGUAGES = LANGUAGES
assert set(SPLIT_POLL_QUESTIONS) == set(LANGUAGES), "every language needs its statement questions' closing line"
#: What a seed file's name looks like ("001_9acafe643c3ba91c.txt"); no title a user reads may hold one.
SEED_FILE_NAME = re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt\b")
#: The longest short title of a topic, so that two topic buttons fit side by side on a phone.
SHORT_TITLE_LENGTH = 24


class Level(StrEnum):
    BASIC = "basic"
    MEDIUM = "medium"
    ADVANCED = "advanced"


class Shape(StrEnum):
    """The UPSC Prelims shapes a question can take."""

    SINGLE = "single"  # a plain multiple-choice question
    STATEMENTS = "statements"  # "Consider the following statements ... which is/are correct?"
    MATCH = "match"  # match the pairs
    NOT = "not"  # "which one of the following is NOT ..."
    CHRONOLOGY = "chronology"  # arrange in order
    ASSERTION = "assertion"  # assertion-reason


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Topic(_Item):
    id: ItemId
    title: NonEmpty
    #: The title on buttons (two to a row fit a phone's width).
    short_title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=SHORT_TITLE_LENGTH)]
    aliases: list[NonEmpty] = Field(default_factory=list)
    description: NonEmpty = Field(description="One line for /topics.")
    summary: NonEmpty
    takeaways: list[NonEmpty] = Field(min_length=1, max_length=8)
    exam_relevance: NonEmpty
    level: Level = Level.MEDIUM
    related: list[ItemId] = Field(default_factory=list)


class Fact(_Item):
    id: ItemId
    topic: ItemId
    text: NonEmpty
    source: list[NonEmpty] = Field(min_length=1)
    as_of: dt.date | None = None

    @field_validator("text")
    @classmethod
    def _fits_a_message(cls, text: str) -> str:
        # A fact is sent with its source line and a header; leave room for both.
        if len(text) > MessageLimit.MAX_TEXT_LENGTH - 500:
            raise ValueError(f"text is {len(text)} characters, too long for one message")
        return text


class Question(_Item):
    id: ItemId
    topic: ItemId
    shape: Shape = Shape.SINGLE
    question: NonEmpty
    #: Numbered statements (shape "statements"); the rendered poll numbers them 1., 2., ...
    statements: list[NonEmpty] = Field(default_factory=list, max_length=6)
    #: Closing line after the statements, e.g. "Which of the statements given above is/are correct?"
    ask: NonEmpty | None = None
    options: list[NonEmpty]
    answer: int = Field(ge=0, description="Index of the correct option in `options`.")
    explanation: NonEmpty
    full_explanation: NonEmpty | None = None
    source: list[NonEmpty] = Field(min_length=1)
    as_of: dt.date | None = None

    @field_validator("options")
    @classmethod
    def _options_fit_a_poll(cls, options: list[str]) -> list[str]:
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            raise ValueError(f"has {len(options)} options; a quiz needs {MIN_OPTIONS} to {MAX_OPTIONS}")
        for i, option in enumerate(options, 1):
            if len(option) > PollLimit.MAX_OPTION_LENGTH:
                raise ValueError(
                    f"option {i} is {len(option)} characters; Telegram allows {PollLimit.MAX_OPTION_LENGTH}"
                )
        folded = [o.casefold() for o in options]
        if len(set(folded)) != len(folded):
            raise ValueError("two options have the same text")
        return options

    @field_validator("explanation")
    @classmethod
    def _explanation_fits_a_poll(cls, text: str) -> str:
        if len(text) > PollLimit.MAX_EXPLANATION_LENGTH:
            raise ValueError(
                f"explanation is {len(text)} characters; a quiz poll allows "
                f"{PollLimit.MAX_EXPLANATION_LENGTH} (put the rest in full_explanation)"
            )
        if text.count("\n") > PollLimit.MAX_EXPLANATION_LINE_FEEDS:
            raise ValueError(f"explanation has more than {PollLimit.MAX_EXPLANATION_LINE_FEEDS} line feeds")
        return text

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.answer >= len(self.options):
            raise ValueError(f"answer {self.answer} is not an option index (0 to {len(self.options) - 1})")
        if self.shape is Shape.STATEMENTS:
            if len(self.statements) < 2:
                raise ValueError("a statements question needs at least 2 statements")
            _check_statement_numbers(self.options, len(self.statements))
        elif self.statements and self.shape not in (Shape.MATCH, Shape.CHRONOLOGY, Shape.ASSERTION):
            raise ValueError(f"shape {self.shape.value!r} takes no statements")
        poll = self.poll_question(split=False)
        if len(poll) > PollLimit.MAX_QUESTION_LENGTH and not self.statements:
            raise ValueError(f"question is {len(poll)} characters; a quiz poll allows {PollLimit.MAX_QUESTION_LENGTH}")
        if self.statements and len(self.split_poll_question()) > PollLimit.MAX_QUESTION_LENGTH:
            raise ValueError("closing question is too long for a poll")
        if len(self.statements_message()) > MessageLimit.MAX_TEXT_LENGTH:
            raise ValueError("statements are too long for one message")
        return self

    # --- rendering helpers: pure text, used by services and by validation -----------------------
    def statements_message(self) -> str:
        """The stem and numbered statements, as one block of text."""
        lines = [self.question]
        lines += [f"{i}. {s}" for i, s in enumerate(self.statements, 1)]
        return "\n".join(lines)

    def split_poll_question(self) -> str:
        return self.ask or SPLIT_POLL_QUESTION

    def needs_split(self) -> bool:
        """True when the statements do not fit in the poll question itself."""
        return bool(self.statements) and len(self.poll_question(split=False)) > PollLimit.MAX_QUESTION_LENGTH

    def poll_question(self, split: bool | None = None) -> str:
        """The poll's question text; with split, only the closing line (statements sent before)."""
        if split is None:
            split = self.needs_split()
        if not self.statements:
            return self.question
        if split:
            return self.split_poll_question()
        return f"{self.statements_message()}\n{self.split_poll_question()}"

    @property
    def keeps_option_order(self) -> bool:
        """UPSC prints the codes of statement, assertion–reason, match and chronology questions in a
        fixed (a)–(d) order, and aspirants drill it: only single-answer and "NOT" questions shuffle."""
        return self.shape not in (Shape.SINGLE, Shape.NOT)

    def asked(self) -> str:
        """The whole question as printed: stem, numbered statements and the closing line."""
        if not self.statements and not self.ask:
            return self.question
        return f"{self.statements_message()}\n{self.split_poll_question()}"

    @property
    def full_text(self) -> str:
        """The explanation to show after an answer: the long one when there is one."""
        return self.full_explanation or self.explanation


_NUMBER = re.compile(r"\b(\d+)\b")


def _check_statement_numbers(options: list[str], count: int) -> None:
    """Options of a statement question may only name statements that exist ("1 and 3 only")."""
    for option in options:
        for number in _NUMBER.findall(option):
            if not 1 <= int(number) <= count:
                raise ValueError(f"option {option!r} names statement {number}, but there are {count}")


class MainsPrompt(_Item):
    id: ItemId
    topic: ItemId
    prompt: NonEmpty
    words: Literal[150, 250] = 150
    key_points: list[NonEmpty] = Field(min_length=4, max_length=8)
    source: list[NonEmpty] = Field(min_length=1)

    @property
    def minutes(self) -> int:
        """UPSC's usual pace: 7 minutes for 150 words, 11 for 250."""
        return 7 if self.words == 150 else 11


class Source(_Item):
    id: NonEmpty
    #: What users read after "Source:"; a human title, never a file name.
    title: NonEmpty
    kind: Literal["seed", "web"]
    ref: NonEmpty = Field(description="The seed's file name, or the page's address as the fact sheet names it.")
    #: The public address, only where the seed or the fact sheet names one.
    url: Annotated[str, StringConstraints(pattern=r"^https://[^\s<>\"]+$")] | None = None

    @field_validator("title")
    @classmethod
    def _title_is_no_file_name(cls, title: str) -> str:
        if SEED_FILE_NAME.search(title) or title.casefold().endswith(".txt"):
            raise ValueError(f"title {title!r} reads as a file name; give the source a human title")
        return title


class TopicFile(_Item):
    """One file in content/topics/: a topic and everything that belongs to it."""

    topic: Topic
    facts: list[Fact] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list)
    mains: list[MainsPrompt] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _items_belong_to_the_topic(cls, data: object) -> object:
        # Items in a topic file need not repeat their topic; a stated one must match the file's.
        if isinstance(data, dict) and isinstance(data.get("topic"), dict):
            topic_id = data["topic"].get("id")
            for key in ("facts", "questions", "mains"):
                for item in data.get(key) or []:
                    if isinstance(item, dict):
                        item.setdefault("topic", topic_id)
        return data
