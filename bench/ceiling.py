"""The load benchmark's ceilings, served with the same uvicorn settings as redbutler:
``GET /bare`` answers a constant JSON body (the web stack's ceiling), ``POST /insert``
writes one row through the same ORM and database (the storage ceiling), and ``POST /trips``
makes a booking's round trips to the database with nothing in them (the floor under a
booking: what its statements cost before any of them does any work)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

from litestar import Litestar, get, post
from tortoise import connections, fields
from tortoise.context import TortoiseContext
from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from core.storage.config import connection_config
from core.storage.database import transaction

URL = os.environ.get("REDBUTLER_DATABASE_URL", "sqlite://data/bench-ceiling.sqlite3")


class BenchRow(Model):
    id = fields.IntField(primary_key=True)
    note = fields.CharField(max_length=50)

    class Meta:
        table = "bench_row"


@contextlib.asynccontextmanager
async def database(app: Litestar) -> AsyncIterator[None]:
    ctx = TortoiseContext()
    with ctx:
        await ctx.init(
            config={
                "connections": {"default": connection_config(URL)},
                "apps": {"bench": {"models": ["bench.ceiling"], "default_connection": "default"}},
            },
            _enable_global_fallback=True,
        )
        conn = connections.get("default")
        sqlite = conn.capabilities.dialect == "sqlite"
        key = "INTEGER PRIMARY KEY" if sqlite else "SERIAL PRIMARY KEY"
        # Two workers starting at once on PostgreSQL: IF NOT EXISTS takes no lock, and the
        # slower one fails on the catalogue's unique index (the table is there). Unhandled,
        # that worker's failed start made uvicorn stop the whole server in mid-benchmark.
        with contextlib.suppress(IntegrityError):
            await conn.execute_script(
                f"CREATE TABLE IF NOT EXISTS bench_row (id {key}, note VARCHAR(50))"
            )
        try:
            yield
        finally:
            await ctx.close_connections()


@get("/bare", sync_to_thread=False)
def bare() -> dict[str, bool]:
    return {"ok": True}


@post("/insert")
async def insert() -> dict[str, bool]:
    conn = connections.get("default")
    mark = "?" if conn.capabilities.dialect == "sqlite" else "$1"
    await conn.execute_query(f"INSERT INTO bench_row (note) VALUES ({mark})", ["row"])
    return {"ok": True}


@post("/trips")
async def trips() -> dict[str, bool]:
    """A booking's round trips, each as small as it can be: two reads before its
    transaction (the caller's token, then the compound, line and resident), then in a
    transaction begun as a booking's is (``as_written``: on PostgreSQL the planner limits
    go with BEGIN) a read (the shortlist) and the one-row insert (the request and its
    history, one statement), and COMMIT. Six round trips on PostgreSQL, as a booking that
    finds nobody free makes (seven when it is offered). Each read is one row by primary
    key; there is no authentication, body or answer to build."""
    conn = connections.get("default")
    mark = "?" if conn.capabilities.dialect == "sqlite" else "$1"
    probe = f"SELECT id FROM bench_row WHERE id = {mark}"
    await conn.execute_query(probe, [1])
    await conn.execute_query(probe, [2])
    async with transaction(as_written=True):
        inside = connections.get("default")  # the transaction's connection
        await inside.execute_query(probe, [3])
        await inside.execute_query(f"INSERT INTO bench_row (note) VALUES ({mark})", ["row"])
    return {"ok": True}


def app() -> Litestar:
    return Litestar(route_handlers=[bare, insert, trips], lifespan=[database])
