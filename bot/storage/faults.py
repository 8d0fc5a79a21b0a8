"""Which errors mean the store could not take a write or answer just now, on either store.

A full disk, a write lock another process held past the busy timeout, a file made read-only, a
PostgreSQL connection dropped or a server restarting: the user is told that nothing was saved
and to try again, and the bot keeps running. (A corrupt or unopenable database at start-up is
bot/app.py's StoreUnusable instead.)
"""

from __future__ import annotations

import sqlite3

import asyncpg

#: Errors of a store that is full, locked, read-only or unreachable for the moment.
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
    return isinstance(error, STORE_FAULTS)
