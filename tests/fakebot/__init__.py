"""The Bot API emulator under its old name: it lives in :mod:`bot.emulator` now (it serves the
console too); tests keep importing ``from tests.fakebot import FakeBotAPI, Call``."""

from bot import emulator
from bot.emulator import *  # noqa: F403 - the same names, listed once in bot.emulator

__all__ = emulator.__all__
