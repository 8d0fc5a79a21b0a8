"""The translations of the keyed English table, as gettext catalogs (``bot/render/locales/<lang>.po``).

The English table in :mod:`bot.render.texts` stays the source of truth: code names a key, never an English sentence.
Translators get one ``.po`` entry per key, which Poedit, Weblate and every gettext tool open: ``msgctxt`` is the key,
``msgid`` the English text, ``msgstr`` the translation. When the English changes, ``python -m bot strings update``
carries the catalog along (new keys empty, changed English marked fuzzy with the old English kept as ``#| msgid``,
removed keys obsolete), and ``python -m bot strings check`` lists what a translator still has to do.

At run time only finished entries count: an empty or fuzzy ``msgstr``, or one whose ``msgid`` is no longer the
English, falls back to English, so a stale translation never says something the English has stopped saying.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from bot.languages import ENGLISH, LANGUAGES

#: Where the catalogs live; shipped as package data (pyproject.toml, ``[tool.setuptools.package-data]``).
LOCALES_DIR = Path(__file__).with_name("locales")

#: Every language that has a catalog. English is the keyed table itself.
TRANSLATED = tuple(code for code in LANGUAGES if code != ENGLISH)

#: Keys whose text is plain, not Telegram HTML: command menus (escaped before /help shows them) and the terminal
#: console. Their ``<name>``-style argument hints are words to translate, not tags.
PLAIN_TEXT_PREFIXES = ("cmd.", "console.")

_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
#: A /command: a slash at the start of a word (so "am/pm", "Asia/Kolkata" and "</b>" are not commands).
_COMMAND = re.compile(r"(?<![\w</])/[a-z_]+\b")
_CODE = re.compile(r"<code>(.*?)</code>", re.DOTALL)
_RUN_UPDATE = "run `python -m bot strings update`"

_HEADER = """\
# Hindi (हिंदी) translation of studybot's interface.
# One entry per key of bot/render/texts.py: msgctxt is the key, msgid the English, msgstr the Hindi.
# Refresh after English changes with `python -m bot strings update`; `python -m bot strings check` lists the rest.
#
# Keep every {placeholder}, HTML tag, emoji, /command and <code> text exactly as in the English.
# Terms follow content/hi/GLOSSARY.md (formal आप, कीजिए; anusvara spellings; no nukta). Interface terms:
# quiz क्विज · mock test मॉक टेस्ट · spaced review पुनरावृत्ति · streak लगातार अभ्यास · leaderboard वरीयता सूची
# daily push दैनिक संदेश · topic विषय · study page अध्ययन पृष्ठ · fact तथ्य · source स्रोत · explanation व्याख्या
# subscribe सदस्यता लेना · admin एडमिन · group समूह · chat चैट · Prelims प्रारंभिक परीक्षा · Mains मुख्य परीक्षा
# GS-II सामान्य अध्ययन प्रश्नपत्र-II · model answer आदर्श उत्तर · key points मुख्य बिंदु · time zone समय क्षेत्र
#"""


def catalog_path(lang: str) -> Path:
    """The catalog file of ``lang``."""
    return LOCALES_DIR / f"{lang}.po"


def read_catalog(path: Path, lang: str = "hi") -> Catalog:
    """The catalog at ``path``; a file that is not valid gettext raises :class:`babel.messages.pofile.PoFileError`."""
    with path.open("rb") as file:
        return read_po(file, locale=lang, abort_invalid=True)


def write_catalog(catalog: Catalog, path: Path) -> None:
    """Write ``catalog`` to ``path`` in the order of the English table, with the previous English of fuzzy entries."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        write_po(file, catalog, width=0, include_previous=True, include_lineno=False)


def _entries(catalog: Catalog) -> dict[str, Message]:
    return {message.context: message for message in catalog if message.id and message.context}


def table(catalog: Catalog, english: Mapping[str, str]) -> dict[str, str]:
    """The finished translations of ``catalog``, by key: translated, not fuzzy, and of the current English."""
    return {
        key: str(message.string)
        for key, message in _entries(catalog).items()
        if message.string and not message.fuzzy and english.get(key) == message.id
    }


def load_table(lang: str, english: Mapping[str, str]) -> dict[str, str]:
    """The finished translations of ``lang`` from its shipped catalog (an empty table if it has none)."""
    path = catalog_path(lang)
    return table(read_catalog(path, lang), english) if path.exists() else {}


@dataclass
class UpdateReport:
    """What ``strings update`` changed in one catalog, by key."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    revived: list[str] = field(default_factory=list)

    @property
    def touched(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.revived)

    def summary(self) -> str:
        return (
            f"{len(self.added)} new (untranslated), {len(self.changed)} changed in English (marked fuzzy), "
            f"{len(self.removed)} removed (obsolete), {len(self.revived)} back from obsolete"
        )


def new_catalog(lang: str, now: dt.datetime | str | None = None) -> Catalog:
    """An empty catalog for ``lang`` with studybot's header."""
    return Catalog(
        locale=lang,
        header_comment=_HEADER,
        project="studybot",
        language_team=f"studybot {lang}",
        creation_date=now,
        revision_date=now,
        fuzzy=False,
    )


def update(catalog: Catalog, english: Mapping[str, str], now: dt.datetime) -> tuple[Catalog, UpdateReport]:
    """``catalog`` brought up to ``english``, in its order, and what changed.

    A key new in English gets an empty msgstr; a key whose English changed keeps its translation as a fuzzy
    suggestion, with the English it translated as ``#| msgid``; a key gone from English becomes obsolete (``#~``),
    and comes back with its translation if the key does (fuzzy if the English differs). Translators' comments stay
    with their key."""
    report = UpdateReport()
    old = _entries(catalog)
    fresh = new_catalog(str(catalog.locale or "hi"), catalog.creation_date)
    # What translators' tools keep in the header stays as they left it.
    fresh.revision_date = catalog.revision_date
    fresh.version = catalog.version
    fresh.msgid_bugs_address = catalog.msgid_bugs_address
    fresh.last_translator = catalog.last_translator
    fresh.language_team = catalog.language_team
    shelved = {message.context: message for message in catalog.obsolete.values() if message.context}
    for key, text in english.items():
        before = old.get(key)
        if before is None and key in shelved:
            before = shelved[key]
            report.revived.append(key)
        if before is None:
            report.added.append(key)
            fresh.add(text, "", context=key)
        elif before.id == text:
            fresh.add(
                text,
                before.string,
                flags=before.flags,
                user_comments=before.user_comments,
                previous_id=before.previous_id,
                context=key,
            )
        else:
            if key not in report.revived:
                report.changed.append(key)
            fresh.add(
                text,
                before.string,
                flags=before.flags | {"fuzzy"} if before.string else before.flags,
                user_comments=before.user_comments,
                previous_id=before.id,
                context=key,
            )
    for key, message in old.items():
        if key not in english:
            report.removed.append(key)
            fresh.obsolete[(str(message.id), key)] = message
    for obsolete_key, message in catalog.obsolete.items():
        if message.context not in english and message.context not in old:
            fresh.obsolete[obsolete_key] = message
    if report.touched:
        fresh.revision_date = now
    return fresh, report


def placeholders(text: str) -> Counter[str]:
    """The ``{names}`` that :func:`bot.render.texts.t` fills in ``text``, with how often each occurs."""
    return Counter(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def tags(text: str) -> Counter[str]:
    """The HTML tags in ``text``, with how often each occurs."""
    return Counter(_TAG.findall(text))


def commands(text: str) -> Counter[str]:
    """The /commands named in ``text``, with how often each occurs."""
    return Counter(_COMMAND.findall(text))


def mismatches(key: str, english: str, translation: str) -> list[str]:
    """Why ``translation`` cannot stand in for ``english``: other placeholders, tags, commands or code."""
    found = []
    try:
        translation.format_map(dict.fromkeys(placeholders(english), ""))
    except (ValueError, KeyError, IndexError) as exc:
        return [f"not a template that formats with the English placeholders ({exc!r})"]
    if placeholders(english) != placeholders(translation):
        found.append(f"placeholders {sorted(placeholders(english))} became {sorted(placeholders(translation))}")
    if not key.startswith(PLAIN_TEXT_PREFIXES) and tags(english) != tags(translation):
        found.append(f"HTML tags {sorted(tags(english).elements())} became {sorted(tags(translation).elements())}")
    if commands(english) != commands(translation):
        found.append(f"commands {sorted(commands(english))} became {sorted(commands(translation))}")
    if sorted(_CODE.findall(english)) != sorted(_CODE.findall(translation)):
        found.append("the text inside <code> changed")
    return found


def problems(catalog: Catalog, english: Mapping[str, str]) -> list[str]:
    """Everything that keeps ``catalog`` from translating ``english`` completely, one line per key."""
    entries = _entries(catalog)
    found = []
    for key, text in english.items():
        message = entries.get(key)
        if message is None:
            found.append(f"{key}: missing ({_RUN_UPDATE})")
        elif message.id != text:
            found.append(f"{key}: the English changed since the catalog was updated ({_RUN_UPDATE})")
        elif not message.string:
            found.append(f"{key}: untranslated")
        elif message.fuzzy:
            found.append(f"{key}: fuzzy (check the translation against the new English, then remove the fuzzy flag)")
        else:
            found += [f"{key}: {why}" for why in mismatches(key, text, str(message.string))]
    found += [f"{key}: no such key in English ({_RUN_UPDATE})" for key in entries if key not in english]
    return found
