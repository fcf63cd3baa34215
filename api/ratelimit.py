"""Per-account rate limit: at most ``limit`` calls a minute per account (fixed windows).

Counted in the process by default; with ``REDBUTLER_REDIS_URL`` set, in Redis, so several
server workers share one count (an atomic INCR per call, the window's key expiring with it).
Unauthenticated calls (health, docs, calendar feeds) are not counted here.

The limit protects the service; it must not take it down. When Redis cannot be reached
(refused, timed out, failing), each worker counts its own calls in memory, as with one
worker, and asks Redis again a few seconds later: a booking is never refused, nor made to
wait more than a short timeout, because the shared count is unavailable.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import msgspec
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from api.errors import TITLES
from core.domain.access import Principal

WINDOW = 60  # seconds

log = logging.getLogger(__name__)


class Counter(Protocol):
    async def hit(self, key: str, window: int) -> int:
        """Count one call in the window and return the count so far."""
        ...

    async def close(self) -> None: ...


class MemoryCounter:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.window = -1

    async def hit(self, key: str, window: int) -> int:
        if window != self.window:  # a new minute: forget the last one
            self.counts.clear()
            self.window = window
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]

    async def close(self) -> None:
        self.counts.clear()


class RedisCounter:
    """One count for every worker, in Redis; this process's own count while Redis cannot be
    reached (``retry`` seconds before it is asked again, each call to it given ``timeout``
    seconds to connect and to answer)."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 0.5,
        retry: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import redis.asyncio as redis  # the [redis] extra
        from redis.exceptions import RedisError

        self._errors: tuple[type[BaseException], ...] = (TimeoutError, OSError, RedisError)
        self.client: Any = redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self.timeout = timeout
        self.retry = retry
        self.clock = clock
        self.local = MemoryCounter()
        self.down_until: float | None = None  # Redis failed; not asked again before this

    async def hit(self, key: str, window: int) -> int:
        if self.down_until is None or self.clock() >= self.down_until:
            try:
                count = await asyncio.wait_for(self._shared_hit(key, window), self.timeout)
            except self._errors as exc:
                if self.down_until is None:
                    log.warning(
                        "rate limit: Redis cannot be reached (%s); this worker counts its "
                        "own calls until it answers",
                        str(exc) or type(exc).__name__,
                    )
                self.down_until = self.clock() + self.retry
            else:
                if self.down_until is not None:
                    log.warning("rate limit: Redis answers again; the count is shared")
                    self.down_until = None
                return count
        return await self.local.hit(key, window)

    async def _shared_hit(self, key: str, window: int) -> int:
        name = f"redbutler:rate:{window}:{key}"
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, WINDOW * 2)
            count, _ = await pipe.execute()
        return int(count)

    async def close(self) -> None:
        await self.client.aclose()
        await self.local.close()


class RateLimitMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(
        self, limit: int, counter: Counter, clock: Callable[[], float] = time.time
    ) -> None:
        self.limit = limit
        self.counter = counter
        self.clock = clock

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        user = scope.get("user")
        if self.limit <= 0 or not isinstance(user, Principal):
            await next_app(scope, receive, send)
            return
        now = self.clock()
        window = int(now // WINDOW)
        count = await self.counter.hit(str(user.account_id), window)
        if count <= self.limit:
            await next_app(scope, receive, send)
            return
        retry = max(1, int((window + 1) * WINDOW - now))
        body = msgspec.json.encode(
            {
                "type": "/problems/rate-limited",
                "title": TITLES.get(429, "Too many requests"),
                "status": 429,
                "detail": f"at most {self.limit} calls a minute per account; retry in {retry}s",
                "instance": scope["path"],
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(retry).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})
