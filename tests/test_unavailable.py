"""When the database cannot serve (PostgreSQL down or restarting, a SQLite file locked by
another process), a call is answered 503 with Retry-After, not 500: nobody's input is wrong
and nothing is broken in the code. Nothing half-written stays, ``/ready`` says so to a load
balancer, and the server serves again by itself once the database is back."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from tortoise.exceptions import IntegrityError, OperationalError

from api.app import create_app
from api.errors import unavailable
from core.demo import DEMO_TOKENS
from core.settings import Settings
from tests.support import POSTGRES_URL, Clock, fresh_database, groceries, serving_lifespan


class PgState(Exception):
    """An error carrying a PostgreSQL error code, as asyncpg's do."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def test_what_counts_as_the_database_being_unavailable() -> None:
    for exc in (
        ConnectionRefusedError(111, "Connection refused"),
        ConnectionResetError(),
        PgState("57P03"),  # the database system is starting up / shutting down
        PgState("57P01"),  # terminating connection due to administrator command
        PgState("08006"),  # connection failure
        PgState("53300"),  # too many connections
        PgState("55P03"),  # a lock not granted within lock_timeout
        PgState("57014"),  # a statement cancelled at statement_timeout
        PgState("25P03"),  # a session closed idle in its transaction
        TimeoutError(),  # no answer within the client's command_timeout
        OperationalError("database is locked"),
    ):
        assert unavailable(exc) is not None, exc
    wrapped = OperationalError("query failed")
    wrapped.__cause__ = ConnectionResetError("reset by peer")
    assert unavailable(wrapped) is not None
    for exc in (
        ValueError("bad"),
        IntegrityError("UNIQUE constraint failed"),
        PgState("23505"),  # a unique violation is the caller's conflict, not an outage
        IndexError("list index out of range"),
    ):
        assert unavailable(exc) is None, exc


@contextlib.asynccontextmanager
async def app_at(url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=url, sweep_interval=0, load_demo=True), clock=Clock())
    async with serving_lifespan(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


STAFF = {"Authorization": f"Bearer {DEMO_TOKENS['staff']}"}


async def requests_now(client: httpx.AsyncClient) -> list[dict[str, object]]:
    listed: list[dict[str, object]] = (
        await client.get("/requests?community_id=1", headers=STAFF)
    ).json()
    return listed


async def nothing_written_and_served_again(
    client: httpx.AsyncClient, before: list[dict[str, object]]
) -> None:
    """The calls refused while the database could not serve wrote nothing (the compound's
    requests are as ``before``), and a booking goes through now."""
    assert await requests_now(client) == before
    made = await client.post("/requests", json=groceries(), headers=STAFF)
    assert made.status_code == 201, made.text


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "2"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/unavailable"


@pytest.mark.skipif(POSTGRES_URL is not None, reason="a SQLite file's lock")
async def test_a_locked_sqlite_file_is_a_503_and_nothing_is_written(
    tmp_path: Path, template: Path
) -> None:
    async with (
        fresh_database(tmp_path, template) as url,
        app_at(f"{url}?busy_timeout=100") as client,
    ):
        before = await requests_now(client)
        # Another process holds the write lock past the busy timeout (a backup, a
        # migration run by hand).
        other = sqlite3.connect(urlsplit(url).path)
        other.execute("BEGIN IMMEDIATE")
        try:
            assert_unavailable(await client.post("/requests", json=groceries(), headers=STAFF))
        finally:
            other.rollback()
            other.close()
        await nothing_written_and_served_again(client, before)


class Proxy:
    """A TCP proxy in front of PostgreSQL that can cut every connection and refuse new
    ones (the server down or restarting), then let them through again; or stall, passing
    nothing on either way while every connection stays open (a network that drops packets:
    no reset, no answer)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self.server: asyncio.Server | None = None
        self.open: set[asyncio.StreamWriter] = set()
        self.stalled = False

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.open):
            writer.transport.abort()
        self.open.clear()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.open |= {writer, up_writer}

        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    if self.stalled:
                        continue  # dropped on the floor
                    dst.write(data)
                    await dst.drain()
            except ConnectionError:
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))


def with_params(url: str, drop: tuple[str, ...] = (), **params: str) -> str:
    """``url`` with ``params`` added to its query (and those named in ``drop`` left out)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in drop]
    return urlunsplit(parts._replace(query=urlencode([*query, *params.items()])))


@contextlib.asynccontextmanager
async def behind_proxy(url: str, **params: str) -> AsyncIterator[tuple[Proxy, str]]:
    """A :class:`Proxy` in front of ``url``'s server, and the URL that goes through it with
    ``params`` (also when ``url`` names a Unix socket: its ``host`` parameter is dropped)."""
    parts = urlsplit(url)
    proxy = Proxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    await proxy.start()
    try:
        through = parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}")
        yield proxy, with_params(urlunsplit(through), drop=("host",), **params)
    finally:
        await proxy.cut()


@pytest.mark.skipif(POSTGRES_URL is None, reason="needs REDBUTLER_TEST_POSTGRES_URL")
async def test_a_postgresql_outage_is_a_503_and_the_server_recovers(
    tmp_path: Path, template: Path
) -> None:
    async with (
        fresh_database(tmp_path, template) as url,
        behind_proxy(url) as (proxy, served),
        app_at(served) as client,
    ):
        before = await requests_now(client)
        assert (await client.get("/ready")).status_code == 200

        await proxy.cut()  # the database goes away: pooled connections drop, new refused
        assert_unavailable(await client.get("/me", headers=STAFF))
        assert_unavailable(await client.post("/requests", json=groceries(), headers=STAFF))
        assert_unavailable(await client.get("/ready"))
        assert (await client.get("/health")).status_code == 200  # the process is alive

        await proxy.start()  # back on the same port
        assert (await client.get("/ready")).status_code == 200
        await nothing_written_and_served_again(client, before)


@pytest.mark.skipif(POSTGRES_URL is None, reason="needs REDBUTLER_TEST_POSTGRES_URL")
async def test_a_lock_held_elsewhere_is_a_503_in_bounded_time_not_a_hang(
    tmp_path: Path, template: Path
) -> None:
    """Someone holds the requests table (a DBA's ALTER TABLE, a stuck transaction): a
    booking waits for it at most ``lock_timeout`` (here 300 ms, set in the URL), then is a
    503 with Retry-After and writes nothing; once the lock goes, bookings go through."""
    import asyncpg

    async with (
        fresh_database(tmp_path, template) as url,
        app_at(with_params(url, lock_timeout="300ms")) as client,
    ):
        before = await requests_now(client)
        holder = await asyncpg.connect(url)
        try:
            locked = holder.transaction()
            await locked.start()
            await holder.execute("LOCK TABLE service_request IN ACCESS EXCLUSIVE MODE")
            started = asyncio.get_running_loop().time()
            answer = await asyncio.wait_for(
                client.post("/requests", json=groceries(), headers=STAFF), 15
            )
            waited = asyncio.get_running_loop().time() - started
            assert_unavailable(answer)
            assert waited < 10, waited  # the lock's limit, not the client's patience
            await locked.rollback()
        finally:
            await holder.close()
        await nothing_written_and_served_again(client, before)


@pytest.mark.skipif(POSTGRES_URL is None, reason="needs REDBUTLER_TEST_POSTGRES_URL")
async def test_the_servers_connections_carry_the_time_limits(
    tmp_path: Path, template: Path
) -> None:
    """Each pooled connection has the defaults (``POSTGRES_TIMEOUTS``) unless the URL
    overrides one; migrations run without them (a backfill may take long)."""
    from tortoise import connections

    from core.storage.config import POSTGRES_TIMEOUTS, connection_config

    async with (
        fresh_database(tmp_path, template) as url,
        app_at(with_params(url, statement_timeout="45s")),
    ):
        _, rows = await connections.get("default").execute_query(
            "SELECT current_setting('lock_timeout') AS lock, "
            "current_setting('statement_timeout') AS statement, "
            "current_setting('idle_in_transaction_session_timeout') AS idle"
        )
        assert dict(rows[0]) == {
            "lock": POSTGRES_TIMEOUTS["lock_timeout"],
            "statement": "45s",
            "idle": "1min",
        }
    migrating = connection_config(url, timeouts=False)["credentials"]
    assert not set(POSTGRES_TIMEOUTS) & set(migrating.get("server_settings", {}))


@pytest.mark.skipif(POSTGRES_URL is None, reason="needs REDBUTLER_TEST_POSTGRES_URL")
async def test_a_database_that_does_not_answer_is_a_503_in_bounded_time(
    tmp_path: Path, template: Path
) -> None:
    """The network drops every packet (no reset, no answer: what a failed-over server's
    old address does): calls wait at most the client's own limits (here 1 s, set in the
    URL), are 503s, and the server serves again once answers come back, without a restart
    (left alone, the kernel waits some 15 minutes before giving up on a connection)."""
    async with (
        fresh_database(tmp_path, template) as url,
        behind_proxy(url, command_timeout="1", connect_timeout="1") as (proxy, served),
        app_at(served) as client,
    ):
        before = await requests_now(client)
        proxy.stalled = True
        loop = asyncio.get_running_loop()
        for call in (
            client.post("/requests", json=groceries(), headers=STAFF),
            client.get("/me", headers=STAFF),
            client.get("/ready"),
        ):
            started = loop.time()
            assert_unavailable(await asyncio.wait_for(call, 30))
            assert loop.time() - started < 15
        proxy.stalled = False
        assert (await client.get("/ready")).status_code == 200
        await nothing_written_and_served_again(client, before)
