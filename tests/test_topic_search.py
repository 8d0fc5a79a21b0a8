"""/topic matching: case-insensitive, typo-tolerant, on titles and aliases, against the real bank."""

from __future__ import annotations

import pytest

from bot.config import DEFAULT_CONTENT_DIR
from bot.content.loader import load_bank
from bot.content.search import TopicIndex
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


def test_nonsense_finds_no_topic_but_offers_the_closest(index: TopicIndex) -> None:
    result = index.search("quantum chromodynamics")
    assert result.best is None and not result.ambiguous
    assert 1 <= len(result.choices) <= 3
