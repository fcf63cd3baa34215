"""The PostgreSQL client (asyncpg through tortoise): its connections, and its pool taken in
the order asked.

**Connections.** asyncpg resets a connection each time the pool takes it back: one more
round trip, after every statement tortoise runs outside a transaction (it takes a pooled
connection per statement). The reset undoes session state: ``LISTEN``, advisory locks, open
cursors, ``SET`` without ``LOCAL``. redbutler leaves none of these on a connection (its only
setting, the shortlist's planner limits, is ``SET LOCAL``: it ends with the transaction), so
the reset query is skipped. An open transaction is still rolled back on release, as asyncpg
always does.

A transaction begun with ``database.transaction(as_written=True)`` sends the planner
limits in the same message as its ``BEGIN`` (the simple query protocol takes several
statements at once): a round trip less than setting them after.

**The pool** is taken first come, first served (:mod:`core.storage.pool`).
"""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient

from core.storage.database import PLAN_AS_WRITTEN, planned_as_written
from core.storage.pool import FairPool


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    def get_reset_query(self) -> str:
        return ""

    async def execute(
        self,
        query: str,
        *args: Any,
        timeout: float | None = None,  # noqa: ASYNC109 (asyncpg's own signature)
    ) -> str:
        # asyncpg begins a transaction with exactly this (tortoise asks for no isolation).
        if query == "BEGIN;" and not args and planned_as_written():
            query = f"BEGIN; {PLAN_AS_WRITTEN};"
        result: str = await super().execute(query, *args, timeout=timeout)
        return result


class PostgresClient(AsyncpgDBClient):
    """Tortoise's asyncpg client with its pool behind a :class:`FairPool`."""

    async def create_pool(self, **kwargs: Any) -> Any:
        pool = await super().create_pool(**kwargs)
        return FairPool(pool, int(kwargs["max_size"]))


client_class = PostgresClient
