"""The PostgreSQL connections' class (asyncpg), given to tortoise's pool.

asyncpg resets a connection each time the pool takes it back: one more round trip, after
every statement tortoise runs outside a transaction (it takes a pooled connection per
statement). The reset undoes session state: ``LISTEN``, advisory locks, open cursors,
``SET`` without ``LOCAL``. redbutler leaves none of these on a connection (its only setting,
the shortlist's planner limits, is ``SET LOCAL``: it ends with the transaction), so the
reset query is skipped. An open transaction is still rolled back on release, as asyncpg
always does.
"""

from __future__ import annotations

import asyncpg


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    def get_reset_query(self) -> str:
        return ""
