"""Which errors mean the store could not take a write or answer just now, on either store.

A full disk, a write lock another process held past the busy timeout, a file made read-only, a
PostgreSQL connection dropped or a server restarting: the user is told that nothing was saved
and to try again, and the bot keeps running. (A corrupt or unopenable database at start-up is
bot/app.py's StoreUnusable instead.)
"""

from __future__ import annotations

import sqlite3

import asyncpg

#: SQLite's result codes for a store that is full, locked, read-only or failing for the moment. Its other
#: OperationalErrors ("no such column", a syntax error) are bugs and must not be told apart as a passing fault.
SQLITE_FAULT_CODES = frozenset(
    {"SQLITE_FULL", "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN"}
)

#: Errors of a store that is full, locked, read-only or unreachable for the moment (SQLite's are
#: further narrowed by SQLITE_FAULT_CODES).
STORE_FAULTS: tuple[type[BaseException], ...] = (
    sqlite3.OperationalError,  # database or disk is full, database is locked, readonly database, disk I/O error
    asyncpg.PostgresConnectionError,  # class 08: the connection failed or was lost
    asyncpg.InterfaceError,  # the connection is closed (ConnectionDoesNotExistError)
    asyncpg.exceptions.OperatorInterventionError,  # class 57: terminated by an administrator, shutting down
    asyncpg.exceptions.InsufficientResourcesError,  # class 53: disk full, out of memory, too many connections
    asyncpg.InternalClientError,  # a connection cut mid-operation
    OSError,  # refused or reset, or the unix socket gone, while the server restarts
)


def is_store_fault(error: BaseException | None) -> bool:
    """True for an error of the store that a later try may not meet (see STORE_FAULTS)."""
    if isinstance(error, sqlite3.OperationalError):
        # Extended codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED …) start with their primary code.
        name = getattr(error, "sqlite_errorname", "")
        return any(name == code or name.startswith(code + "_") for code in SQLITE_FAULT_CODES)
    return isinstance(error, STORE_FAULTS)
