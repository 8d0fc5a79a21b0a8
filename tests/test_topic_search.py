"""/topic matching: case-insensitive, typo-tolerant, on titles and aliases, against the real bank."""

from __future__ import annotations

import pytest

from bot.config import DEFAULT_CONTENT_DIR
from bot.content.loader import load_bank
from bot.content.search import SUGGEST_THRESHOLD, TopicIndex, TopicMatch
from tests.content_cache import parsed_once


@pytest.fixture(scope="module")
def index() -> TopicIndex:
    return TopicIndex(list(parsed_once(load_bank, DEFAULT_CONTENT_DIR).topics.values()))


@pytest.mark.parametrize(
    ("query", "topic_id"),
    [
        ("colombo", "colombo-process"),
        ("CPTSU", "colombo-process"),
        ("Colombo Proces", "colombo-process"),
        ("iom nepal", "iom-nepal"),
        ("migration data india", "iom-india"),
        ("IMO", "iom-basics"),
        ("global compact", "gcm-un-network"),
        ("abu dhabi", "abu-dhabi-dialogue"),
        ("world migration report", "migration-data-reports"),
    ],
)
def test_query_finds_the_right_topic(index: TopicIndex, query: str, topic_id: str) -> None:
    result = index.search(query)
    assert result.best is not None, [t.id for t in result.choices]
    assert result.best.id == topic_id


@pytest.mark.parametrize("query", ["quantum chromodynamics", "nonexistent-topic", "xyz", "kafala"])
def test_nonsense_finds_no_topic_and_suggests_none(index: TopicIndex, query: str) -> None:
    result = index.search(query)
    assert result.best is None and not result.ambiguous
    assert result.nothing_close and result.choices == []


def test_only_topics_near_the_threshold_are_suggested(index: TopicIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    topics = [m.topic for m in index.rank("iom")]
    scores = [SUGGEST_THRESHOLD + 10, SUGGEST_THRESHOLD, SUGGEST_THRESHOLD - 1]
    ranked = [TopicMatch(topic, score) for topic, score in zip(topics, scores, strict=False)]
    monkeypatch.setattr(index, "rank", lambda query: ranked)
    result = index.search("whatever")
    assert result.best is None and not result.nothing_close
    assert result.choices == topics[:2]


@pytest.fixture(scope="module")
def hindi_index() -> TopicIndex:
    return TopicIndex(list(parsed_once(load_bank, DEFAULT_CONTENT_DIR).in_language("hi").topics.values()))


@pytest.mark.parametrize(
    ("query", "topic_id"),
    [
        ("कोलंबो", "colombo-process"),
        ("नेपाल", "iom-nepal"),
        ("अबू धाबी", "abu-dhabi-dialogue"),
        ("विश्व प्रवासन रिपोर्ट", "migration-data-reports"),
        ("IOM का इतिहास", "iom-basics"),
        ("colombo", "colombo-process"),  # the English names still find a Hindi reader's topic
        ("iom nepal", "iom-nepal"),
    ],
)
def test_a_hindi_reader_finds_topics_in_devanagari_and_in_english(
    hindi_index: TopicIndex, query: str, topic_id: str
) -> None:
    result = hindi_index.search(query)
    assert result.best is not None, [t.id for t in result.choices]
    assert result.best.id == topic_id


def test_hindi_nonsense_finds_no_topic(hindi_index: TopicIndex) -> None:
    assert hindi_index.search("क्वांटम भौतिकी").nothing_close
