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

**The pool, first come first served.** When every connection is out, asyncpg's pool queues
the callers on an ``asyncio.Queue``, which is not fair: a connection given back wakes the
longest waiter, but a caller arriving before that waiter runs finds the connection free and
takes it, and the woken waiter goes to the back of the queue again. Under load (each call
takes a connection per statement, several times) new calls kept overtaking older ones: at
64 clients a volunteer's offers took 10 ms at p10 and 130-145 ms at p99, a booking
245 ms at p99. :class:`FairPool` lets callers at the pool only in the order they came, as
many at once as it has connections, so a caller that gets in always finds one free: the
same pages took 56-63 ms at p99, bookings 146 ms, at the same rate.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient

from core.storage.database import PLAN_AS_WRITTEN, planned_as_written


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


class FirstComeGate:
    """Up to ``size`` holders at once, let in strictly in the order they asked: a place
    given back goes to the longest waiter directly, never to whoever asks next."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def enter(self) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.leave()  # given the place as it was cancelled: pass it on
            else:
                self._waiting.remove(turn)
            raise

    def leave(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._free += 1


class FairPool:
    """asyncpg's pool behind a :class:`FirstComeGate` as wide as the pool: what tortoise
    calls on a pool (``acquire``, ``release``, closing) with the callers let in first come,
    first served; everything else is the pool's own."""

    def __init__(self, pool: Any, size: int) -> None:
        self._pool = pool
        self._gate = FirstComeGate(size)

    async def acquire(self) -> Any:
        await self._gate.enter()
        try:
            return await self._pool.acquire()
        except BaseException:
            self._gate.leave()
            raise

    async def release(self, connection: Any) -> None:
        try:
            await self._pool.release(connection)
        finally:
            self._gate.leave()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


class PostgresClient(AsyncpgDBClient):
    """Tortoise's asyncpg client with its pool behind a :class:`FairPool`."""

    async def create_pool(self, **kwargs: Any) -> Any:
        pool = await super().create_pool(**kwargs)
        return FairPool(pool, int(kwargs["max_size"]))


client_class = PostgresClient
