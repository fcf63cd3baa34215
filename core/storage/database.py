"""Opening the database: migrate, then initialise tortoise for the whole process.

``open_database`` is used by the app's lifespan, the CLI and the tests alike. Tortoise 1.x
keeps its state per task; Litestar runs the lifespan in another task than the handlers, so
the context is made the process-wide fallback (what tortoise's own integrations do), and
closed in a ``finally``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from tortoise import connections
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as migrate_api
from tortoise.transactions import in_transaction

from core.storage.config import orm_config, sqlite_path
from core.storage.migration_lock import migration_lock

if TYPE_CHECKING:
    from core.plugins.line import StorageApp

log = logging.getLogger(__name__)


def ensure_sqlite_dir(url: str) -> None:
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


async def migrate(url: str, apps: Sequence[StorageApp] = ()) -> None:
    """Apply every pending migration (core first, then plugins' that depend on it), one
    process at a time (``core.storage.migration_lock``)."""
    ensure_sqlite_dir(url)
    async with migration_lock(url), TortoiseContext():
        await migrate_api(config=orm_config(url, apps, timeouts=False))


@asynccontextmanager
async def open_database(
    url: str, *, apps: Sequence[StorageApp] = (), run_migrations: bool = True
) -> AsyncIterator[None]:
    if run_migrations:
        await migrate(url, apps)
    else:
        ensure_sqlite_dir(url)
    ctx = TortoiseContext()
    with ctx:
        try:
            await ctx.init(config=orm_config(url, apps), _enable_global_fallback=True)
            yield
        finally:
            await ctx.close_connections()


async def ping() -> None:
    """One statement on the database, which fails when it cannot be reached (readiness)."""
    await connections.get("default").execute_query("SELECT 1")


# PostgreSQL's planner told to keep the joins in the order written (the shortlist's, see
# ``core.storage.shortlist._planned_as_written``): for the rest of a transaction.
PLAN_AS_WRITTEN = "SET LOCAL join_collapse_limit = 1; SET LOCAL from_collapse_limit = 1"
# True inside a transaction whose BEGIN carried PLAN_AS_WRITTEN (``transaction(as_written=
# True)``, outermost): the PostgreSQL connection sends them in BEGIN's own round trip.
_as_written: ContextVar[bool] = ContextVar("planned_as_written", default=False)


def planned_as_written() -> bool:
    """Whether the transaction this runs in was begun with ``PLAN_AS_WRITTEN``."""
    return _as_written.get()


@asynccontextmanager
async def transaction(*, as_written: bool = False) -> AsyncIterator[object]:
    """One use case's transaction; every query inside it runs on the same connection.

    Nested inside another it is a savepoint. The outermost one of a call that carries an
    Idempotency-Key writes the key first (``core.storage.idempotency``), so the key commits
    with the work it protects.

    ``as_written``: on PostgreSQL, every statement in it is planned with its joins in the
    order written (``PLAN_AS_WRITTEN``, sent with BEGIN: no round trip of its own). For a
    transaction whose statements are hand-written or by primary key, such as a booking's;
    nested in another transaction it changes nothing.
    """
    from core.storage import idempotency

    level = idempotency.depth.get()
    token = idempotency.depth.set(level + 1)
    planned = _as_written.set(_as_written.get() or (as_written and level == 0))
    pending = idempotency.claim.get()
    wrote = False
    try:
        async with in_transaction() as conn:
            if level == 0 and pending is not None and not pending.written:
                await idempotency.write_claim(pending)
                wrote = True
            yield conn
    except BaseException:
        if wrote and pending is not None:
            pending.written = False  # rolled back with the work
        raise
    finally:
        idempotency.depth.reset(token)
        _as_written.reset(planned)
