"""Which store errors mean "try again in a moment" and which are bugs to be seen as bugs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage.faults import is_store_fault


def sqlite_error(sql: str, *setup: str, uri: str = ":memory:") -> sqlite3.OperationalError:
    conn = sqlite3.connect(uri, uri=uri.startswith("file:"))
    try:
        for statement in setup:
            conn.execute(statement)
        with pytest.raises(sqlite3.OperationalError) as caught:
            conn.execute(sql)
        return caught.value
    finally:
        conn.close()


def test_a_full_database_is_a_store_fault() -> None:
    error = sqlite_error(
        "INSERT INTO t VALUES (randomblob(100000))",
        "PRAGMA max_page_count = 2",
        "CREATE TABLE t (x BLOB)",
    )
    assert is_store_fault(error)


def test_a_read_only_database_is_a_store_fault(tmp_path: Path) -> None:
    path = tmp_path / "ro.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    assert is_store_fault(sqlite_error("INSERT INTO t VALUES (1)", uri=f"file:{path}?mode=ro"))


@pytest.mark.parametrize("sql", ["SELECT nothing FROM sqlite_master", "SELEC 1", "SELECT * FROM no_table"])
def test_a_mistake_in_the_sql_is_no_store_fault(sql: str) -> None:
    assert not is_store_fault(sqlite_error(sql))
