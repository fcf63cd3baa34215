"""Per-account rate limit: past the limit a minute, 429 with Retry-After; per account;
shared by workers through Redis."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from pathlib import Path

import pytest

from api.ratelimit import MemoryCounter, RateLimitMiddleware, RedisCounter
from tests.support import running_api


async def test_calls_past_the_limit_are_refused_per_account(
    tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_api(tmp_path, template) as api:
        # The app's limit: replace the middleware's with a small one for the test.
        limiter = next(m for m in api.app.middleware if isinstance(m, RateLimitMiddleware))
        monkeypatch.setattr(limiter, "limit", 5)
        monkeypatch.setattr(limiter, "clock", lambda: 1_000_040.0)
        for _ in range(5):
            await api.get("/me", "staff")
        refused = await api.client.get("/me", headers=api.h("staff"))
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "40"
        assert refused.json()["type"] == "/problems/rate-limited"
        await api.get("/me", "resident")  # another account has its own count
        assert (await api.client.get("/health")).status_code == 200  # not counted
        monkeypatch.setattr(limiter, "clock", lambda: 1_000_080.0)  # the next minute
        await api.get("/me", "staff")


async def test_memory_and_redis_counters_agree() -> None:
    memory = MemoryCounter()
    assert [await memory.hit("1", 7) for _ in range(3)] == [1, 2, 3]
    assert await memory.hit("1", 8) == 1
    url = os.environ.get("REDBUTLER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    pytest.importorskip("redis")  # the [redis] extra
    shared, other = RedisCounter(url), RedisCounter(url)
    try:
        try:
            await shared.client.ping()
        except Exception:  # pragma: no cover - no Redis here
            pytest.skip("no Redis to test the shared counter against")
        key = uuid.uuid4().hex
        # Two workers' counters on one Redis see one count.
        hits = [await shared.hit(key, 7), await other.hit(key, 7), await shared.hit(key, 7)]
        assert hits == [1, 2, 3]
        assert await other.hit(key, 8) == 1
    finally:
        await shared.close()
        await other.close()


def _refused_url() -> str:
    """A Redis URL on a loopback port nothing listens on: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


async def test_calls_are_served_and_limited_while_redis_cannot_be_reached(
    tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("redis")  # the [redis] extra
    async with running_api(tmp_path, template) as api:
        limiter = next(m for m in api.app.middleware if isinstance(m, RateLimitMiddleware))
        unreachable = RedisCounter(_refused_url())
        monkeypatch.setattr(limiter, "counter", unreachable)
        monkeypatch.setattr(limiter, "limit", 3)
        monkeypatch.setattr(limiter, "clock", lambda: 1_000_040.0)
        try:
            for _ in range(3):  # served (it was a 500 for every call), counted here
                await api.get("/me", "staff")
            refused = await api.client.get("/me", headers=api.h("staff"))
            assert refused.status_code == 429  # and the limit still holds in this worker
            await api.get("/me", "resident")
        finally:
            await unreachable.close()


async def test_a_silent_redis_is_not_asked_again_until_the_retry() -> None:
    """A Redis that takes the connection and never answers: the call is counted here after
    the timeout, and Redis is not asked again (no new connection) before ``retry``."""
    pytest.importorskip("redis")
    connections = 0

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.read()  # never answers; returns when the client hangs up
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    now = [0.0]
    counter = RedisCounter(
        f"redis://127.0.0.1:{port}/0", timeout=0.2, retry=5.0, clock=lambda: now[0]
    )
    try:
        assert await counter.hit("k", 1) == 1
        tried = connections
        assert tried >= 1
        now[0] = 4.9
        assert [await counter.hit("k", 1) for _ in range(3)] == [2, 3, 4]
        assert connections == tried  # within the retry: not asked
        now[0] = 5.0
        assert await counter.hit("k", 1) == 5  # asked again (still silent): counted here
        assert connections > tried
    finally:
        await counter.close()
        server.close()
        await server.wait_closed()


async def test_the_shared_count_resumes_when_redis_answers_again() -> None:
    pytest.importorskip("redis")
    import redis.asyncio as redis

    url = os.environ.get("REDBUTLER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    now = [0.0]
    counter, other = RedisCounter(url, clock=lambda: now[0]), RedisCounter(url)
    live = counter.client
    try:
        try:
            await live.ping()
        except Exception:  # pragma: no cover - no Redis here
            pytest.skip("no Redis to test the shared counter against")
        key = uuid.uuid4().hex
        counter.client = redis.from_url(_refused_url())
        assert [await counter.hit(key, 7) for _ in range(2)] == [1, 2]  # counted here
        await counter.client.aclose()
        counter.client = live  # Redis is back...
        assert await counter.hit(key, 7) == 3  # ...but not asked before the retry
        now[0] = counter.retry
        assert await counter.hit(key, 7) == 1  # Redis's count: the key is new there
        assert await other.hit(key, 7) == 2  # shared with the other worker again
    finally:
        await counter.close()
        await other.close()
