"""Helpers shared by the core tests and the plugins' tests."""

from __future__ import annotations

import asyncio
import atexit
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import msgspec
from litestar import Litestar

from api.app import create_app
from core.demo import DEMO_TOKENS
from core.plugins.manager import PluginHost, build_plugin_host
from core.settings import Settings
from core.storage.database import migrate

# Saturday 2026-11-21 09:00 in Shanghai: a fixed "now" so tests never depend on the date.
START = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


# Set to a PostgreSQL URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run the whole
# suite on PostgreSQL: a template database is migrated once and copied for every test.
POSTGRES_URL = os.environ.get("REDBUTLER_TEST_POSTGRES_URL")

_template: dict[str, Path] = {}
_copies = itertools.count()


def template_database(root: Path) -> Path:
    """A database built once per test session by running the real migrations: a SQLite
    file, or on PostgreSQL a template database (the path then only names it)."""
    if "path" not in _template:
        if POSTGRES_URL:
            name = f"rb_template_{os.getpid()}"
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
            asyncio.run(migrate(_pg_url(name), build_plugin_host().storage_apps))
            _template["path"] = Path(name)
            # Dropped when the test process ends (it was left behind on the server before).
            atexit.register(
                lambda: asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            )
        else:
            path = root / "template.sqlite3"
            asyncio.run(migrate(f"sqlite://{path}", build_plugin_host().storage_apps))
            _template["path"] = path
    return _template["path"]


def _pg_url(database: str) -> str:
    assert POSTGRES_URL
    parts = urlsplit(POSTGRES_URL)
    return urlunsplit(parts._replace(path=f"/{database}"))


async def _pg_admin(sql: str) -> None:
    import asyncpg  # the [postgres] extra

    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def postgres_database() -> Iterator[str]:
    """An empty PostgreSQL database for a test that starts its own server process."""
    name = f"rb_server_{os.getpid()}_{next(_copies)}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield _pg_url(name)
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@asynccontextmanager
async def empty_database(tmp: Path) -> AsyncIterator[str]:
    """A database with no tables at all (for migration tests)."""
    if not POSTGRES_URL:
        yield f"sqlite://{tmp / 'empty.sqlite3'}"
        return
    name = f"rb_empty_{os.getpid()}_{next(_copies)}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def fresh_database(tmp: Path, template: Path) -> AsyncIterator[str]:
    """A database of its own for one test, copied from the migrated template."""
    if not POSTGRES_URL:
        db = tmp / "test.sqlite3"
        shutil.copy(template, db)
        yield f"sqlite://{db}"
        return
    name = f"rb_test_{os.getpid()}_{next(_copies)}"
    await _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _pg_url(name)
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Api:
    """An HTTP client bound to the app, with one bearer token per demo role."""

    client: httpx.AsyncClient
    app: Litestar
    clock: Clock
    tokens: dict[str, str] = field(default_factory=lambda: dict(DEMO_TOKENS))

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens.get(who, who)}"}

    async def call(
        self, method: str, url: str, who: str | None = None, *, expect: int | None = 200, **kw: Any
    ) -> Any:
        headers = self.h(who) if who else {}
        response = await self.client.request(method, url, headers=headers, **kw)
        if expect is not None:
            assert response.status_code == expect, (response.status_code, response.text)
        return response.json() if response.content else None

    async def get(self, url: str, who: str, **kw: Any) -> Any:
        return await self.call("GET", url, who, **kw)

    async def post(self, url: str, who: str, json: Any = None, **kw: Any) -> Any:
        kw.setdefault("expect", 201)
        return await self.call("POST", url, who, json=json if json is not None else {}, **kw)

    async def put(self, url: str, who: str, json: Any, **kw: Any) -> Any:
        return await self.call("PUT", url, who, json=json, **kw)

    async def patch(self, url: str, who: str, json: Any, **kw: Any) -> Any:
        return await self.call("PATCH", url, who, json=json, **kw)


@asynccontextmanager
async def running_api(
    tmp: Path,
    template: Path,
    *,
    demo: bool = True,
    host: PluginHost | None = None,
    clock: Callable[[], datetime] | None = None,
    sweep_interval: float = 0,
    rate_limit: int | None = None,
) -> AsyncIterator[Api]:
    """The app on a fresh copy of ``template``, called in-process. ``rate_limit``: calls a
    minute per account (0: none), when not the default's."""
    the_clock = clock if isinstance(clock, Clock) else Clock()
    async with fresh_database(tmp, template) as url:
        settings = Settings(database_url=url, sweep_interval=sweep_interval, load_demo=demo)
        if rate_limit is not None:
            settings = msgspec.structs.replace(settings, rate_limit=rate_limit)
        app = create_app(settings, host=host, clock=the_clock)
        async with serving_lifespan(app):
            # Litestar and httpx spell the ASGI callable differently; it is the same protocol.
            transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield Api(client=client, app=app, clock=the_clock)


@asynccontextmanager
async def serving_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Run the app's lifespan in a task of its own, as a server does (pytest-asyncio may
    tear a fixture down in another task than the one that set it up)."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def lifespan() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(lifespan())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # start-up failed: raise its error
    try:
        yield
    finally:
        stop.set()
        await task


def local(day_offset: int, hhmm: str) -> str:
    """A Shanghai wall time ``day_offset`` days after START's local date, as ISO text."""
    day = (START + timedelta(hours=8)).date() + timedelta(days=day_offset)
    return f"{day.isoformat()}T{hhmm}:00+08:00"


def groceries(
    resident_id: int | None = 1,
    day: int = 1,
    start: str = "15:00",
    end: str = "17:00",
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "community_id": 1,
        "line": "errands",
        "service": "groceries",
        "window": {"start": local(day, start), "end": local(day, end)},
        "details": {
            "items": [{"name": "bok choy", "quantity": 2, "unit": "jin"}],
            "budget_yuan": 40,
        },
    }
    if resident_id is not None:
        body["resident_id"] = resident_id
    body.update(extra)
    return body
