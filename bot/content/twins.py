"""An item as another language's bank has it: the same id, answer and option order, its own text."""

from __future__ import annotations

from typing import TypeVar

from bot.content.loader import Bank
from bot.content.models import Fact, MainsPrompt, Question, Topic

Item = TypeVar("Item", Fact, Question, Topic, MainsPrompt)


def twin(bank: Bank, item: Item) -> Item:
    """``item`` (chosen from any language's bank, by id) as ``bank`` reads it; the item itself
    when ``bank`` lacks it (a /reload dropped it since)."""
    found: Fact | Question | Topic | MainsPrompt | None
    if isinstance(item, Fact):
        found = bank.facts.get(item.id)
    elif isinstance(item, Question):
        found = bank.question(item.id)
    elif isinstance(item, Topic):
        found = bank.topic(item.id)
    else:
        found = bank.mains.get(item.id)
    return found if isinstance(found, type(item)) else item
