"""Shared fixtures of the reliability suite, and its hypothesis profiles (tests/reliability/profiles.py).

Profiles (``STUDYBOT_RELIABILITY`` selects one; default ``ci``):

- ``ci``: a fixed seed (``derandomize``), no example database, sized so that the generated-updates
  test delivers 10,000 updates on every run, the same ones each time;
- ``nightly``: a fresh random seed each run and twenty times as many updates; a failure prints the
  ``@reproduce_failure`` blob that replays it;
- ``smoke``: thirty examples, for working on the suite itself.

Every test here runs with the root logger at DEBUG; at its end, no record (message or traceback)
may contain the bot token or the webhook secret, whether the bot redacted it or never logged it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from _pytest.logging import LogCaptureHandler

from tests.reliability import profiles
from tests.reliability.botkit import TOKEN, WEBHOOK_SECRET, LeakScanner

profiles.register()


@pytest.fixture(autouse=True)
def logs_never_show_secrets() -> Iterator[LeakScanner]:
    """Every log record of the test at DEBUG is scanned; the test fails if one shows the token or
    the webhook secret."""
    root = logging.getLogger()
    scanner = LeakScanner((TOKEN, WEBHOOK_SECRET))
    level = root.level
    # pytest keeps every captured record in memory to show on failure: at DEBUG over thousands of
    # updates that is gigabytes. It keeps warnings and above; the scanner sees everything.
    captured = {h: h.level for h in root.handlers if isinstance(h, LogCaptureHandler)}
    for handler in captured:
        handler.setLevel(logging.WARNING)
    root.addHandler(scanner)
    root.setLevel(logging.DEBUG)
    try:
        yield scanner
    finally:
        root.removeHandler(scanner)
        root.setLevel(level)
        for handler, old in captured.items():
            handler.setLevel(old)
    assert not scanner.leaks, f"{len(scanner.leaks)} log record(s) show a secret, the first: {scanner.leaks[0]}"
