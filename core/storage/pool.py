"""A connection pool taken first come, first served: asyncpg's behind a gate (used by
:mod:`core.storage.postgres`; nothing here needs asyncpg).

When every connection is out, asyncpg's pool queues the callers on an ``asyncio.Queue``,
which is not fair: a connection given back wakes the
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
