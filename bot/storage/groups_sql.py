"""Queries for groups and channels: leaderboards, poll results, daily quiz summaries."""

from __future__ import annotations

from bot.storage.sql_base import SqlBase


class GroupQueries(SqlBase):
    pass
