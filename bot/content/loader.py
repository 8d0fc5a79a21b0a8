"""Load the content bank from YAML files and check it as a whole.

Layout (documented in content/README.md): ``sources.yaml`` lists every citable source, and each
file in ``topics/`` holds one topic with its facts, questions and Mains prompts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from bot.content.models import Fact, MainsPrompt, Question, Source, Topic, TopicFile

#: Figures older than this get a warning so that someone re-checks them.
STALE_AFTER = dt.timedelta(days=2 * 365)
#: libyaml's parser where PyYAML was built with it (the same safe subset, parsing several times faster).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    """The validated content bank, indexed for lookups."""

    topics: dict[str, Topic] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)
    mains: dict[str, MainsPrompt] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    #: Questions (and their topics) a /reload dropped: polls already sent still resolve to them,
    #: but nothing new is chosen from them.
    retired_questions: dict[str, Question] = field(default_factory=dict)
    retired_topics: dict[str, Topic] = field(default_factory=dict)

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


@dataclass
class LoadResult:
    bank: Bank
    problems: list[Problem]
    warnings: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


class ContentError(Exception):
    """The bank has problems; the message lists them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_bank(content_dir: Path, today: dt.date | None = None) -> Bank:
    """Load and validate the bank, raising ContentError listing every problem."""
    result = check_bank(content_dir, today)
    if result.problems:
        raise ContentError(result.problems)
    return result.bank


def carry_over(old: Bank, new: Bank) -> Bank:
    """``new``, still resolving every question (with its topic and sources) that only ``old`` had,
    so that answers to polls sent before a reload keep working."""
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
    return new


def check_bank(content_dir: Path, today: dt.date | None = None) -> LoadResult:
    """Load the bank, collecting every problem and warning rather than stopping at the first."""
    bank = Bank()
    problems: list[Problem] = []
    warnings: list[Problem] = []
    if not content_dir.is_dir():
        return LoadResult(bank, [Problem(str(content_dir), "-", "content folder not found")], [])

    _load_sources(content_dir / "sources.yaml", bank, problems)
    topic_files = sorted((content_dir / "topics").glob("*.yaml"))
    if not topic_files:
        problems.append(Problem(str(content_dir / "topics"), "-", "no topic files (*.yaml)"))
    seen: dict[str, str] = {}
    for path in topic_files:
        parsed = _load_topic_file(path, problems)
        if parsed is None:
            continue
        name = path.name
        items: list[Topic | Fact | Question | MainsPrompt] = [parsed.topic]
        items += [*parsed.facts, *parsed.questions, *parsed.mains]
        for item in items:
            if item.id in seen:
                problems.append(Problem(name, item.id, f"duplicate id (also in {seen[item.id]})"))
                continue
            seen[item.id] = name
            _index(bank, item)
    _check_references(bank, seen, problems)
    _check_duplicates(bank, seen, problems)
    _check_dates(bank, seen, today or dt.date.today(), problems, warnings)
    return LoadResult(bank, problems, warnings)


def _read_yaml(path: Path, problems: list[Problem]) -> object | None:
    try:
        data: object = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
        return data
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(Problem(path.name, "-", f"cannot read: {exc}"))
        return None


def _load_sources(path: Path, bank: Bank, problems: list[Problem]) -> None:
    if not path.is_file():
        problems.append(Problem(path.name, "-", "sources file not found"))
        return
    data = _read_yaml(path, problems)
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        problems.append(Problem(path.name, "-", "expected a mapping with a 'sources' list"))
        return
    for raw in data["sources"]:
        try:
            source = Source.model_validate(raw)
        except ValidationError as exc:
            problems.append(Problem(path.name, _raw_id(raw), _explain(exc)))
            continue
        if source.id in bank.sources:
            problems.append(Problem(path.name, source.id, "duplicate source id"))
        bank.sources[source.id] = source


def _load_topic_file(path: Path, problems: list[Problem]) -> TopicFile | None:
    data = _read_yaml(path, problems)
    if not isinstance(data, dict):
        if data is not None or not problems or problems[-1].file != path.name:
            problems.append(Problem(path.name, "-", "expected a mapping with topic, facts and questions"))
        return None
    # Validate item by item so one bad item is reported with its id and the rest still load.
    good: dict[str, list[object]] = {"facts": [], "questions": [], "mains": []}
    for key in good:
        for raw in data.get(key) or []:
            try:
                TopicFile.model_validate({"topic": data.get("topic"), key: [raw]})
            except ValidationError as exc:
                errors = [e for e in exc.errors() if e["loc"][:1] == (key,)]
                if errors:
                    problems.append(Problem(path.name, _raw_id(raw), _explain(exc, skip=2)))
                    continue
            good[key].append(raw)
    try:
        return TopicFile.model_validate({"topic": data.get("topic"), **good})
    except ValidationError as exc:
        problems.append(Problem(path.name, _raw_id(data.get("topic")), _explain(exc)))
        return None


def _index(bank: Bank, item: Topic | Fact | Question | MainsPrompt) -> None:
    if isinstance(item, Topic):
        bank.topics[item.id] = item
    elif isinstance(item, Fact):
        bank.facts[item.id] = item
    elif isinstance(item, Question):
        bank.questions[item.id] = item
    else:
        bank.mains[item.id] = item


def _check_references(bank: Bank, where: dict[str, str], problems: list[Problem]) -> None:
    for topic in bank.topics.values():
        for other in topic.related:
            if other not in bank.topics:
                problems.append(Problem(where[topic.id], topic.id, f"related topic {other!r} does not exist"))
        if not bank.facts_in(topic.id):
            problems.append(Problem(where[topic.id], topic.id, "topic has no facts"))
        if not bank.questions_in(topic.id):
            problems.append(Problem(where[topic.id], topic.id, "topic has no questions"))
    cited: list[Fact | Question | MainsPrompt] = [*bank.facts.values(), *bank.questions.values()]
    cited += bank.mains.values()
    for item in cited:
        if item.topic not in bank.topics:
            problems.append(Problem(where[item.id], item.id, f"topic {item.topic!r} does not exist"))
        for source in item.source:
            if source not in bank.sources:
                problems.append(Problem(where[item.id], item.id, f"source {source!r} is not in sources.yaml"))


def normalise(text: str) -> str:
    """Text folded for near-duplicate detection: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()


def _check_duplicates(bank: Bank, where: dict[str, str], problems: list[Problem]) -> None:
    def key(q: Question) -> str:
        return normalise(q.question + " " + " ".join(q.statements))

    counts = Counter(key(q) for q in bank.questions.values())
    for q in bank.questions.values():
        if counts[key(q)] > 1:
            problems.append(Problem(where[q.id], q.id, "another question has the same text"))
    fact_counts = Counter(normalise(f.text) for f in bank.facts.values())
    for f in bank.facts.values():
        if fact_counts[normalise(f.text)] > 1:
            problems.append(Problem(where[f.id], f.id, "another fact has the same text"))


def _check_dates(
    bank: Bank, where: dict[str, str], today: dt.date, problems: list[Problem], warnings: list[Problem]
) -> None:
    dated: list[Fact | Question] = [*bank.facts.values(), *bank.questions.values()]
    for item in dated:
        if item.as_of is None:
            continue
        if item.as_of > today:
            problems.append(Problem(where[item.id], item.id, f"as_of {item.as_of} is in the future"))
        elif today - item.as_of > STALE_AFTER:
            warnings.append(Problem(where[item.id], item.id, f"as_of {item.as_of} is over two years old"))


def _raw_id(raw: object) -> str:
    if isinstance(raw, dict) and raw.get("id"):
        return str(raw["id"])
    return "-"


def _explain(exc: ValidationError, skip: int = 0) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"][skip:])
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)
