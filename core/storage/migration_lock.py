"""One process migrates a database at a time.

Each server, ``redbutler migrate``, ``create-admin`` and ``demo`` migrate before they open
the database. Two of them at once on a database that has migrations pending (two hosts
deploying the same release, an admin bootstrapped while the first server starts) both
applied the first pending step, and the slower failed half-way: on SQLite 'table
"account" already exists', on PostgreSQL a duplicate key in its catalogue. Behind this
lock the second waits, then finds nothing pending. Loading the demo takes it too
(``core.demo.load_demo_once``): the second finds the demo there.

PostgreSQL: a session advisory lock, held on a connection of its own for the whole run
(released when that connection closes, also when the process dies). SQLite: an exclusive
``flock`` on a file beside the database (``<file>.migrate-lock``; the kernel drops it with
the process). An in-memory SQLite database is one process's own and needs none.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tortoise.backends.base.config_generator import expand_db_url

from core.storage.config import is_sqlite, sqlite_path

# The advisory lock's key: any constant no other application on the server uses
# (b"redbutle" as a signed 64-bit integer).
ADVISORY_KEY = int.from_bytes(b"redbutle", "big", signed=True)


@asynccontextmanager
async def migration_lock(url: str) -> AsyncIterator[None]:
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is None:
            yield
            return
        fd = os.open(f"{path}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # and with it the lock
        return
    import asyncpg  # the [postgres] extra

    conn = await asyncpg.connect(**connect_args(url))
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", ADVISORY_KEY)
        yield
    finally:
        await conn.close()  # and with it the lock


def connect_args(url: str) -> dict[str, Any]:
    """asyncpg's connection arguments from the database URL, as tortoise reads it (its
    pool settings, such as ``maxsize``, are not for asyncpg)."""
    credentials = expand_db_url(url)["credentials"]
    names = ("host", "port", "user", "password", "database", "ssl")
    return {name: credentials[name] for name in names if credentials.get(name) is not None}
