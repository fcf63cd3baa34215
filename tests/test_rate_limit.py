"""Per-account rate limit: past the limit a minute, 429 with Retry-After; per account;
shared by workers through Redis."""

from __future__ import annotations

import os
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
