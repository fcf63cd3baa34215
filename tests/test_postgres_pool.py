"""PostgreSQL's connection pool is taken first come, first served (``core.storage.pool``).

asyncpg queues callers on an ``asyncio.Queue`` when every connection is out: a connection
given back wakes the longest waiter, but whoever asks before that waiter runs takes the
connection, and the waiter queues again at the back. Under load new calls kept overtaking
older ones (a volunteer's offers: 10 ms at p10, 130-145 ms at p99 at 64 clients; 56-63 ms
at p99 behind the gate, at the same rate). The gate's order is checked here without a
database; on PostgreSQL, the app's pool is the gated one and lets callers in in the order
they came while its connections do real work."""

from __future__ import annotations

import asyncio
import random

import pytest
from tortoise import connections

from core.storage.pool import FairPool, FirstComeGate
from tests.support import POSTGRES_URL, Api


async def test_a_place_given_back_goes_to_the_longest_waiter() -> None:
    gate = FirstComeGate(1)
    await gate.enter()  # the one place is taken
    order: list[str] = []

    async def wait(name: str) -> None:
        await gate.enter()
        order.append(name)
        await asyncio.sleep(0)
        gate.leave()

    first = asyncio.create_task(wait("first"))
    await asyncio.sleep(0)  # it waits
    gate.leave()  # its turn; it has not run yet
    # A newcomer asking now, before the waiter runs, must not take the place.
    await gate.enter()
    order.append("newcomer")
    gate.leave()
    await first
    assert order == ["first", "newcomer"]
    await asyncio.wait_for(gate.enter(), 1)  # and the place is free again


async def test_a_cancelled_waiter_passes_its_place_on() -> None:
    gate = FirstComeGate(1)
    await gate.enter()
    got: list[str] = []

    async def wait(name: str) -> None:
        await gate.enter()
        got.append(name)

    doomed = asyncio.create_task(wait("doomed"))
    second = asyncio.create_task(wait("second"))
    await asyncio.sleep(0)
    gate.leave()  # the place is handed to "doomed"...
    doomed.cancel()  # ...which is cancelled before it runs: "second" must get it
    await asyncio.gather(doomed, return_exceptions=True)
    await asyncio.wait_for(second, 1)
    assert got == ["second"]

    # A waiter cancelled while still waiting just leaves the queue.
    third = asyncio.create_task(wait("third"))
    await asyncio.sleep(0)
    third.cancel()
    await asyncio.gather(third, return_exceptions=True)
    gate.leave()  # "second" gives its place back: free, nobody waiting
    await asyncio.wait_for(gate.enter(), 1)


@pytest.mark.skipif(POSTGRES_URL is None, reason="needs REDBUTLER_TEST_POSTGRES_URL")
async def test_the_postgresql_pool_lets_callers_in_the_order_they_came(api: Api) -> None:
    pool = connections.get("default")._pool
    assert isinstance(pool, FairPool)  # the app's pool, as configured
    size = 3
    import asyncpg

    fair = FairPool(await asyncpg.create_pool(POSTGRES_URL, min_size=size, max_size=size), size)
    asked: list[int] = []
    granted: list[int] = []
    out = 0
    most = 0
    rng = random.Random(4)

    async def call(n: int) -> None:
        nonlocal out, most
        asked.append(n)
        conn = await fair.acquire()
        granted.append(n)
        out += 1
        most = max(most, out)
        try:
            await conn.fetchval("SELECT pg_sleep($1)", rng.choice([0, 0.001, 0.003]))
        finally:
            out -= 1
            await fair.release(conn)

    async def client(first: int) -> None:
        for n in range(first, first + 4):  # calls one after the other, as a client makes
            await call(n)

    try:
        await asyncio.gather(*(client(100 * c) for c in range(24)))
    finally:
        await fair.close()
    assert len(granted) == 96 and most == size
    assert granted == asked
