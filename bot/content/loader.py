"""Load the content bank from YAML files and check it as a whole.

Layout (documented in content/README.md): ``sources.yaml`` lists every citable source, each file
in ``topics/`` holds one topic with its facts, questions and Mains prompts, and each ``<code>/``
folder (``hi/``) holds that language's overlays (bot/content/overlays.py): the loaded bank reads in
English, and ``bank.in_language(code)`` in each language it has.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from bot.content.bank import Bank, Problem, carry_over
from bot.content.files import explain, raw_id, read_yaml
from bot.content.models import Fact, MainsPrompt, Question, Source, Topic, TopicFile
from bot.content.overlays import LanguageReport, localize

__all__ = ["Bank", "ContentError", "LoadResult", "Problem", "carry_over", "check_bank", "load_bank", "normalise"]

#: Figures older than this get a warning so that someone re-checks them.
STALE_AFTER = dt.timedelta(days=2 * 365)


@dataclass
class LoadResult:
    bank: Bank
    problems: list[Problem]
    warnings: list[Problem]
    #: What each language's overlays give (content/<code>/), by language code.
    languages: dict[str, LanguageReport] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


class ContentError(Exception):
    """The bank has problems; the message lists them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_bank(content_dir: Path, today: dt.date | None = None) -> Bank:
    """Load and validate the bank with its language overlays, raising ContentError listing every
    problem. The bank reads in English; ``bank.in_language(code)`` gives each language it has."""
    result = check_bank(content_dir, today)
    if result.problems:
        raise ContentError(result.problems)
    return result.bank


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
    languages = localize(content_dir, bank, seen, problems, warnings)
    return LoadResult(bank, problems, warnings, languages)


def _load_sources(path: Path, bank: Bank, problems: list[Problem]) -> None:
    if not path.is_file():
        problems.append(Problem(path.name, "-", "sources file not found"))
        return
    data = read_yaml(path, problems)
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        problems.append(Problem(path.name, "-", "expected a mapping with a 'sources' list"))
        return
    for raw in data["sources"]:
        try:
            source = Source.model_validate(raw)
        except ValidationError as exc:
            problems.append(Problem(path.name, raw_id(raw), explain(exc)))
            continue
        if source.id in bank.sources:
            problems.append(Problem(path.name, source.id, "duplicate source id"))
        bank.sources[source.id] = source


def _load_topic_file(path: Path, problems: list[Problem]) -> TopicFile | None:
    data = read_yaml(path, problems)
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
                    problems.append(Problem(path.name, raw_id(raw), explain(exc, skip=2)))
                    continue
            good[key].append(raw)
    try:
        return TopicFile.model_validate({"topic": data.get("topic"), **good})
    except ValidationError as exc:
        problems.append(Problem(path.name, raw_id(data.get("topic")), explain(exc)))
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
