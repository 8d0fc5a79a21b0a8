"""Queries for learning: spaced-repetition cards, mistakes, mock tests, export and forget."""

from __future__ import annotations

from bot.storage.sql_base import SqlBase


class LearningQueries(SqlBase):
    pass
