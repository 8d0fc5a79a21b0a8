"""Numbers in commands and buttons: ASCII digits only, never a crash on '²' or '٣'."""

from __future__ import annotations

import pytest

from bot.config import parse_hhmm
from bot.services.chat_settings import parse_days
from bot.services.parsing import parse_int


@pytest.mark.parametrize("text", ["²", "٣", "1²", "١٢", "", " ", "-1", "+1", "1.5", "1e3", "0x10", "9" * 10])
def test_parse_int_refuses_anything_but_ascii_digits(text: str) -> None:
    assert parse_int(text) is None


def test_parse_int_reads_ascii_digits_within_bounds() -> None:
    assert parse_int(" 42 ") == 42
    assert parse_int("0") == 0
    assert parse_int("5", low=1, high=4) is None


@pytest.mark.parametrize("text", ["²", "٣", "³"])
def test_pause_days_with_unicode_digits_are_refused(text: str) -> None:
    assert parse_days(text) is None


@pytest.mark.parametrize("text", ["٠٧:٣٠", "07:٣٠", "²:00"])
def test_times_with_unicode_digits_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_hhmm(text)
