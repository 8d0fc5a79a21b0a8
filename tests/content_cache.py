"""The content bank parsed once per test session.

Parsing and validating ``content/`` takes a noticeable fraction of a second, and every end-to-end
test starts the real bot, whose ``open_context`` (bot/app.py) loads the bank again. Tests take the
real bank through :func:`parsed_once`, and ``running_bot`` (tests/harness.py) lets the bot take it
from the same cache with :func:`bot_loads_bank_once`.

A result is remembered per loader and content folder for as long as the folder's YAML files are
the same (same names, sizes and modification times), so a test that writes a content folder of its
own gets that folder's bank. A loader that raises (an invalid bank) is not remembered. Sharing one
``Bank`` is safe: its models are frozen and nothing changes its dicts once loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast
from unittest import mock

import bot.app
from bot.content.loader import Bank, load_bank

T = TypeVar("T")

_parsed: dict[tuple[Any, ...], Any] = {}


def _files_signature(content_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """(relative path, size, mtime in ns) of every YAML file under ``content_dir``."""
    signature = []
    for path in sorted(content_dir.rglob("*.yaml")):
        stat = path.stat()
        signature.append((path.relative_to(content_dir).as_posix(), stat.st_size, stat.st_mtime_ns))
    return tuple(signature)


def parsed_once(loader: Callable[[Path], T], content_dir: Path) -> T:
    """``loader(content_dir)``, computed once for as long as the folder's YAML files are unchanged."""
    key = (loader, content_dir.resolve(), _files_signature(content_dir))
    if key not in _parsed:
        _parsed[key] = loader(content_dir)
    return cast(T, _parsed[key])


def load_bank_once(content_dir: Path) -> Bank:
    """``load_bank(content_dir)`` from the session cache."""
    return parsed_once(load_bank, content_dir)


@contextmanager
def bot_loads_bank_once() -> Iterator[None]:
    """While the block runs, the bot's ``open_context`` takes its bank from the session cache."""
    with mock.patch.object(bot.app, "load_bank", load_bank_once):
        yield
