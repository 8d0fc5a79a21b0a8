"""Language overlays: the bank's text in another language, from ``content/<code>/<topic>.yaml``.

An overlay file gives one topic's text in one language, keyed by the English ids::

    topic: {id, title, short_title, aliases, description, summary, takeaways, exam_relevance}
    facts: {<fact id>: {text}}
    questions: {<question id>: {question, statements, ask, options, explanation, full_explanation}}
    mains: {<prompt id>: {prompt, key_points}}

Only text is translated. Shapes, answers, the order of options, sources, dates, levels and related
topics come from the English item, so an answer is one record whatever language it was given in;
a topic's aliases are the English ones plus the overlay's, so a user can search in either. Each
localized item is the English model rebuilt with the overlay's text, so the same validators check
it (Telegram's limits, measured as for English; option counts; statement numbers). An item the
overlay lacks is the English item (a warning, not a problem); an overlay item that does not match
its English item (an unknown id, another topic, a different number of options or statements, other
figures in an option, a field the English item lacks) is a problem.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from pydantic import ValidationError

from bot.content.bank import Bank, Problem
from bot.content.files import explain, read_yaml
from bot.content.models import (
    CONTENT_LANGUAGES,
    SPLIT_POLL_QUESTIONS,
    Fact,
    MainsPrompt,
    Question,
    Topic,
)
from bot.languages import ENGLISH

#: The fields an overlay may translate, by section of the file.
TEXT_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "topic": ("title", "short_title", "aliases", "description", "summary", "takeaways", "exam_relevance"),
        "facts": ("text",),
        "questions": ("question", "statements", "ask", "options", "explanation", "full_explanation"),
        "mains": ("prompt", "key_points"),
    }
)
#: Fields an overlay may leave out although the English item has them (aliases only add names).
_OPTIONAL = frozenset({"aliases"})
#: Lists translated element by element: the same length and order as the English list.
_PARALLEL = frozenset({"statements", "options", "takeaways", "key_points"})
#: Markup a text could carry: HTML tags and {placeholders}. Content is escaped when sent, so any
#: the English text lacks would reach users as literal characters.
_MARKUP = re.compile(r"</?[A-Za-z][^<>]*>|\{[^{}\s]*\}")
#: A figure in a text: digits (any script's), with any thousands separators of either grouping.
_FIGURE = re.compile(r"\d+(?:[,.]\d+)*")
#: A folder name that reads as a language code (ISO 639-1 or -3, with an optional region).
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$")

Item = TypeVar("Item", Topic, Fact, Question, MainsPrompt)
#: An item of a topic file's sections (it names its topic).
Entry = TypeVar("Entry", Fact, Question, MainsPrompt)


@dataclass
class LanguageReport:
    """What one language's overlays give: localized items per kind, and the English ids they lack."""

    topics: int = 0
    facts: int = 0
    questions: int = 0
    mains: int = 0
    missing: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "topics": self.topics,
            "facts": self.facts,
            "questions": self.questions,
            "mains": self.mains,
            "missing": self.missing,
        }

    def summary(self, language: str) -> str:
        """One line for ``check-content``."""
        line = (
            f"{language}: {self.topics} topics, {self.facts} facts, {self.questions} questions, "
            f"{self.mains} mains prompts; {len(self.missing)} missing"
        )
        return line + (f" ({', '.join(self.missing)})" if self.missing else "")


@dataclass
class _Localized:
    """One language's valid overlay items by id, and the overlay file each came from."""

    topics: dict[str, Topic] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)
    mains: dict[str, MainsPrompt] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)


def localize(
    content_dir: Path,
    english: Bank,
    where: Mapping[str, str],
    problems: list[Problem],
    warnings: list[Problem],
) -> dict[str, LanguageReport]:
    """Give ``english`` its twin in every language that has a ``content_dir/<code>/`` folder, and
    check the overlays; ``where`` maps each English id to its file. Never raises on a bad file."""
    english.translations.clear()
    english.translations[ENGLISH] = english
    reports: dict[str, LanguageReport] = {}
    folders = sorted(p for p in content_dir.iterdir() if p.is_dir() and _LANGUAGE_CODE.match(p.name))
    for folder in folders:
        code = folder.name
        if code == ENGLISH or code not in CONTENT_LANGUAGES:
            known = ", ".join(c for c in CONTENT_LANGUAGES if c != ENGLISH)
            why = "English is content/topics itself" if code == ENGLISH else f"the bot knows only {known}"
            warnings.append(Problem(f"{code}/", "-", f"folder ignored: {why}"))
            continue
        localized = _read_language(folder, english, problems)
        _check_twins(localized, problems)
        english.translations[code] = _bank(english, code, localized)
        reports[code] = _report(english, code, localized, where, warnings)
    return reports


def _read_language(folder: Path, english: Bank, problems: list[Problem]) -> _Localized:
    localized = _Localized()
    files = sorted(folder.glob("*.yaml"))
    if not files:
        problems.append(Problem(f"{folder.name}/", "-", "no overlay files (*.yaml)"))
    for path in files:
        _read_overlay(path, folder.name, english, localized, problems)
    return localized


def _read_overlay(path: Path, code: str, english: Bank, localized: _Localized, problems: list[Problem]) -> None:
    name = f"{code}/{path.name}"
    data = read_yaml(path, problems, name)
    if not isinstance(data, dict):
        if data is not None or not problems or problems[-1].file != name:
            problems.append(Problem(name, "-", "expected a mapping with topic, facts, questions and mains"))
        return
    for key in sorted(set(map(str, data)) - {"topic", *TEXT_FIELDS}):
        problems.append(Problem(name, "-", f"unknown section {key!r} (topic, facts, questions, mains)"))
    raw_topic = data.get("topic")
    topic_id = raw_topic.get("id") if isinstance(raw_topic, dict) else None
    if not isinstance(topic_id, str) or topic_id not in english.topics:
        problems.append(Problem(name, str(topic_id or "-"), "topic.id must name a topic of the English bank"))
        return
    if topic_id in localized.files:
        problems.append(Problem(name, topic_id, f"topic already translated in {localized.files[topic_id]}"))
        return
    assert isinstance(raw_topic, dict)
    localized.files[topic_id] = name
    fields = {k: v for k, v in raw_topic.items() if k != "id"}
    _add(localized.topics, _localized(english.topics[topic_id], fields, "topic", code, name, problems))
    _read_section(data, "facts", english.facts, localized.facts, topic_id, code, name, localized.files, problems)
    _read_section(
        data, "questions", english.questions, localized.questions, topic_id, code, name, localized.files, problems
    )
    _read_section(data, "mains", english.mains, localized.mains, topic_id, code, name, localized.files, problems)


def _read_section(
    data: dict[object, object],
    section: str,
    english: Mapping[str, Entry],
    out: dict[str, Entry],
    topic_id: str,
    code: str,
    name: str,
    files: dict[str, str],
    problems: list[Problem],
) -> None:
    entries = data.get(section)
    if entries is None:
        return
    if not isinstance(entries, dict):
        problems.append(Problem(name, "-", f"{section}: expected a mapping from English ids to their text"))
        return
    for raw_id, fields in entries.items():
        item_id = str(raw_id)
        item = english.get(item_id)
        if item is None:
            problems.append(Problem(name, item_id, f"not among the English bank's {section} (nothing to translate)"))
        elif item.topic != topic_id:
            problems.append(Problem(name, item_id, f"belongs to topic {item.topic!r} in English, not {topic_id!r}"))
        elif item_id in files:
            problems.append(Problem(name, item_id, f"already translated in {files[item_id]}"))
        else:
            files[item_id] = name
            _add(out, _localized(item, fields, section, code, name, problems))


def _add(out: dict[str, Item], item: Item | None) -> None:
    if item is not None:
        out[item.id] = item


def _localized(
    english: Item, fields: object, section: str, code: str, name: str, problems: list[Problem]
) -> Item | None:
    """The English item with the overlay's text, validated as the English one is; None (and a
    problem) when the overlay does not match the English item or breaks a rule."""
    if not isinstance(fields, dict):
        problems.append(Problem(name, english.id, "expected a mapping of text fields"))
        return None
    errors = _mismatches(english, fields, TEXT_FIELDS[section])
    if errors:
        problems.append(Problem(name, english.id, "; ".join(errors)))
        return None
    data = english.model_dump()
    data.update(fields)
    if isinstance(english, Topic):
        more = fields.get("aliases") or []
        # Anything but a list goes to the model as it is, to be refused there.
        data["aliases"] = _merged(english.aliases, more) if isinstance(more, list) else more
    if isinstance(english, Question) and english.statements and english.ask is None:
        data["ask"] = SPLIT_POLL_QUESTIONS[code]
    try:
        return type(english).model_validate(data)
    except ValidationError as exc:
        problems.append(Problem(name, english.id, explain(exc)))
        return None


def _mismatches(
    english: Topic | Fact | Question | MainsPrompt, fields: dict[object, object], allowed: tuple[str, ...]
) -> list[str]:
    """What keeps the overlay's fields from being a translation of ``english``."""
    errors = [
        f"{key}: not translatable (shapes, answers, sources and dates come from the English item)"
        for key in map(str, fields)
        if key not in allowed
    ]
    for key in allowed:
        ours = getattr(english, key)
        theirs = fields.get(key)
        if key in fields and not ours and key not in _OPTIONAL:
            errors.append(f"{key}: the English item has none")
        elif ours and theirs is None and key not in _OPTIONAL:
            errors.append(f"{key}: missing (the English item has it)")
        elif key in _PARALLEL and isinstance(theirs, list) and len(theirs) != len(ours):
            errors.append(f"{key}: {len(theirs)} given, the English item has {len(ours)}")
        elif key not in fields:
            continue
        elif sorted(_markup(theirs)) != sorted(_markup(ours)):
            errors.append(f"{key}: HTML tags or {{placeholders}} differ from the English text")
        elif key == "options" and isinstance(theirs, list):
            errors += [
                f"option {i}: figures {sorted(_figures([h]))} differ from the English option's {sorted(_figures([e]))}"
                for i, (e, h) in enumerate(zip(ours, theirs, strict=True), 1)
                if _figures([e]) != _figures([h])
            ]
    return errors


def _texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _markup(value: object) -> list[str]:
    return [m for text in _texts(value) for m in _MARKUP.findall(text)]


def _figures(value: object) -> Counter[int]:
    """The figures a text names, as numbers (so "१९५१" and "1951", "1,000" and "1000" agree)."""
    return Counter(int(re.sub(r"[,.]", "", m)) for text in _texts(value) for m in _FIGURE.findall(text))


def _merged(english: Iterable[str], more: Iterable[object]) -> list[str]:
    names = list(english)
    folded = {n.casefold() for n in names}
    for name in more:
        if isinstance(name, str) and name.strip() and name.casefold() not in folded:
            names.append(name)
            folded.add(name.casefold())
    return names


def _check_twins(localized: _Localized, problems: list[Problem]) -> None:
    """Two translated questions (or facts) with one text: most likely a text pasted under the wrong id."""

    def key(text: str) -> str:
        return " ".join(text.casefold().split())

    groups: list[dict[str, str]] = [
        {i: key(q.question + " " + " ".join(q.statements)) for i, q in localized.questions.items()},
        {i: key(f.text) for i, f in localized.facts.items()},
    ]
    for texts in groups:
        counts = Counter(texts.values())
        for item_id, text in texts.items():
            if counts[text] > 1:
                problems.append(Problem(localized.files[item_id], item_id, "another item has the same text"))


def _bank(english: Bank, code: str, localized: _Localized) -> Bank:
    """The English bank with every localized item in place of its English one."""
    return Bank(
        topics={i: localized.topics.get(i, t) for i, t in english.topics.items()},
        facts={i: localized.facts.get(i, f) for i, f in english.facts.items()},
        questions={i: localized.questions.get(i, q) for i, q in english.questions.items()},
        mains={i: localized.mains.get(i, m) for i, m in english.mains.items()},
        sources=english.sources,
        language=code,
        translations=english.translations,
    )


def _report(
    english: Bank, code: str, localized: _Localized, where: Mapping[str, str], warnings: list[Problem]
) -> LanguageReport:
    ids = [*english.topics, *english.facts, *english.questions, *english.mains]
    missing = [i for i in ids if i not in localized.files]
    by_file: dict[str, list[str]] = {}
    for item_id in missing:
        by_file.setdefault(where.get(item_id, "-"), []).append(item_id)
    for file, item_ids in by_file.items():
        warnings.append(
            Problem(f"{code}/{file}", "-", f"no {code} text for {', '.join(item_ids)}: the English is used")
        )
    return LanguageReport(
        topics=len(localized.topics),
        facts=len(localized.facts),
        questions=len(localized.questions),
        mains=len(localized.mains),
        missing=missing,
    )
