"""Typo-tolerant topic lookup for ``/topic <query>``, ``/fact <topic>`` and ``/quiz <topic>``.

Each topic is known by its title, id and aliases (in a localized bank, the English aliases and
the language's own, so a Hindi reader can search in Devanagari or in English). A query is split
into words; every word scores its best match among a name's words (a one-letter slip such as
"imo" for "iom" still counts), and a name whose words the query covers completely wins over a
longer one that merely contains it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bot.content.models import Topic

_STOPWORDS = frozenset(
    {"the", "and", "of", "in", "its", "for", "on", "a", "an", "to", "s"}
    # Hindi postpositions and conjunctions, as common in Hindi names as "of" and "and" in English ones.
    | {"का", "की", "के", "में", "से", "को", "पर", "और", "तथा", "एवं"}
)
#: A word: Latin letters and digits, or a run of Devanagari (its vowel signs and virama included,
#: which are not word characters to ``\w``), stopping at the danda.
_WORD = re.compile(r"[a-z0-9]+|[\u0900-\u0963\u0966-\u097f]+")
#: A best score below this is "no topic like that".
MATCH_THRESHOLD = 70.0
#: Below the match threshold, topics scoring at least this are still offered as "did you mean";
#: under it a query shares nothing but chance letters with a topic (nonsense scores 30-50).
SUGGEST_THRESHOLD = 55.0
#: Matches this close to the best are offered as a choice.
TIE_MARGIN = 4.0


def _words(text: str) -> list[str]:
    words = _WORD.findall(unicodedata.normalize("NFC", text.casefold()))
    return [w for w in words if w not in _STOPWORDS] or words


def _word_score(query_word: str, name_word: str) -> float:
    if query_word == name_word:
        return 100.0
    if min(len(query_word), len(name_word)) >= 3 and OSA.distance(query_word, name_word) <= 1:
        return 85.0
    if len(query_word) >= 4 and name_word.startswith(query_word):
        return 90.0
    return fuzz.ratio(query_word, name_word)


def _name_score(query: list[str], name: list[str]) -> float:
    if not query or not name:
        return 0.0
    per_word = [max(_word_score(q, n) for n in name) for q in query]
    covered = sum(1 for n in name if any(_word_score(q, n) >= 85 for q in query)) / len(name)
    return 0.85 * (sum(per_word) / len(per_word)) + 15.0 * covered


@dataclass(frozen=True)
class TopicMatch:
    topic: Topic
    score: float


@dataclass(frozen=True)
class SearchResult:
    """``best`` is set when one topic clearly matches; otherwise ``choices`` are the closest ones,
    ``ambiguous`` telling apart "several match" from "none matches". ``choices`` is empty when
    nothing is even close (:attr:`nothing_close`): better all topics than arbitrary ones."""

    best: Topic | None
    choices: list[Topic]
    ambiguous: bool = False

    @property
    def nothing_close(self) -> bool:
        return self.best is None and not self.choices


class TopicIndex:
    """Ranks topics for a free-text query."""

    def __init__(self, topics: list[Topic]) -> None:
        self._names = [
            (topic, [_words(name) for name in (topic.title, topic.id.replace("-", " "), *topic.aliases)])
            for topic in topics
        ]

    def rank(self, query: str) -> list[TopicMatch]:
        words = _words(query)
        ranked = [TopicMatch(topic, max(_name_score(words, name) for name in names)) for topic, names in self._names]
        return sorted(ranked, key=lambda m: -m.score)

    def search(self, query: str, limit: int = 5) -> SearchResult:
        ranked = self.rank(query)
        if not ranked or ranked[0].score < MATCH_THRESHOLD:
            return SearchResult(None, [m.topic for m in ranked[:3] if m.score >= SUGGEST_THRESHOLD])
        close = [m.topic for m in ranked if m.score >= ranked[0].score - TIE_MARGIN]
        if len(close) == 1:
            return SearchResult(close[0], close)
        return SearchResult(None, close[:limit], ambiguous=True)
