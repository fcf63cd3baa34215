"""The embedded tier's SQLite connection, run in the event loop's own thread.

Tortoise's SQLite client talks to the database through aiosqlite, which hands every
statement to a worker thread and wakes the event loop when it is done. The client has one
connection and holds its lock for a whole transaction, so every statement of a booking
(about a dozen) paid that round trip while every other request waited for the lock; and
under load each wake-up also waited behind other requests' work. Measured on the demo under
64 clients, the server's main thread sat idle in ``epoll`` most of the time while bookings
queued on the lock.

Here the same client runs each statement directly on its ``sqlite3`` connection: a
statement that takes tens of microseconds no longer costs a thread hop, and a transaction
runs from ``BEGIN`` to its ``COMMIT`` without yielding to other requests. Only what waits
on the disk still goes to a thread (one per connection, so statements stay in order): a
``COMMIT``, and a write outside a transaction (which commits itself). The journal is
synced at each commit (``synchronous=FULL``, SQLite's default: an acknowledged booking
survives a power cut, not only a killed process), and the event loop serves other
requests' HTTP meanwhile. Statements stay short on this tier (the heaviest, a booking's
shortlist, takes about a millisecond); a busy database file (another process writing)
blocks for at most the busy timeout.

Reads made outside a transaction go to a second, read-only connection, so they never wait
for another request's commit (see :class:`InlineSqliteClient`). A read that asks about
the writer's own state (``last_insert_rowid()``, ``changes()``) must run in a transaction
or through the client's insert; nothing here asks so.

Everything else is tortoise's SQLite client unchanged (dialect, executor, schema editor,
migrations); the connection is an object with the coroutine methods of
``aiosqlite.Connection`` that the client calls. PostgreSQL is unaffected.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from tortoise.backends.sqlite.client import SqliteClient
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.log import db_client_logger

T = TypeVar("T")
# Statements that never commit by themselves (first six letters, upper case).
_READS = {"SELECT", "PRAGMA", "EXPLAI", "BEGIN", "SAVEPO", "RELEAS", "ROLLBA"}


class InlineCursor:
    """An ``aiosqlite.Cursor`` look-alike over a ``sqlite3.Cursor``."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def description(self) -> Any:
        return self._cursor.description

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size) if size is not None else self._cursor.fetchmany()

    async def close(self) -> None:
        self._cursor.close()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()


class InlineConnection:
    """The coroutine methods of ``aiosqlite.Connection`` that tortoise's SQLite client
    uses, each run at once on the ``sqlite3`` connection."""

    def __init__(self, conn: sqlite3.Connection, reader: sqlite3.Connection | None = None) -> None:
        self._conn = conn
        self.reader = reader  # read-only, for reads outside transactions (see the client)
        self._disk = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-sync")

    async def _run(self, sql: str, call: Callable[[], T]) -> T:
        """Run a statement here, or on the disk thread when it commits (a write outside a
        transaction). Only where it runs depends on that guess, never what it does."""
        if self._conn.in_transaction or sql.lstrip()[:6].upper() in _READS:
            return call()
        return await self._on_disk_thread(call)

    async def _on_disk_thread(self, call: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._disk, call)

    @property
    def total_changes(self) -> int:
        return self._conn.total_changes

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        # Tortoise's transactions take the write lock at once: a transaction may read
        # before its first write (a booking matches, then writes), and in WAL mode a
        # deferred one whose snapshot another process's commit overtook in between would
        # fail at that write (SQLITE_BUSY_SNAPSHOT, without waiting). Run here, as BEGIN.
        run = "BEGIN IMMEDIATE" if sql == "BEGIN" else sql
        return InlineCursor(await self._run(sql, lambda: self._conn.execute(run, parameters or ())))

    async def execute_fetchall(
        self, sql: str, parameters: Sequence[Any] | None = None
    ) -> list[Any]:
        return await self._run(sql, lambda: self._conn.execute(sql, parameters or ()).fetchall())

    async def execute_insert(self, sql: str, parameters: Sequence[Any] | None = None) -> Any:
        """The new row's id as aiosqlite gives it: a one-column row."""

        def insert() -> Any:
            self._conn.execute(sql, parameters or ())
            return self._conn.execute("SELECT last_insert_rowid()").fetchone()

        return await self._run(sql, insert)

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        return InlineCursor(await self._run(sql, lambda: self._conn.executemany(sql, parameters)))

    async def executescript(self, script: str) -> InlineCursor:
        return InlineCursor(await self._on_disk_thread(lambda: self._conn.executescript(script)))

    async def commit(self) -> None:
        if self._conn.in_transaction:  # tortoise also commits before each BEGIN
            await self._on_disk_thread(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
        await self._on_disk_thread(self._conn.close)
        self._disk.shutdown(wait=False)

    async def create_function(
        self, name: str, num_params: int, func: Callable[..., Any], deterministic: bool = False
    ) -> None:
        for conn in (self._conn, self.reader):
            if conn is not None:
                conn.create_function(name, num_params, func, deterministic=deterministic)


class InlineSqliteClient(SqliteClient):
    """Tortoise's SQLite client on an :class:`InlineConnection`, and a second connection,
    read-only, for the reads made outside any transaction.

    Tortoise serialises everything on its one connection with a lock: a read outside a
    transaction must not see another request's transaction half done, so it waited for
    that transaction to end, and the transaction ends only when its commit is on the disk.
    Every request's first read (its caller's token) and a booking's checks queued behind
    each commit's disk sync. In WAL mode a reader on another connection sees exactly what
    was committed before it began, and never waits for the writer; so such reads go
    there, at once, without the lock. What an answer said was done (committed) is what
    the next read sees: the commit returns before the answer is sent. A database in
    memory has no second connection (it would be another database); there every read
    stays on the one connection."""

    async def create_connection(self, with_db: bool) -> None:
        if self._connection:
            return
        writer = self._open()  # first: it makes the file and puts it in WAL mode
        in_memory = ":memory:" in self.filename or "mode=memory" in self.filename
        reader = None if in_memory else self._open(read_only=True)
        self._connection = InlineConnection(writer, reader)  # type: ignore[assignment]
        await self._post_connect()

    def _open(self, *, read_only: bool = False) -> sqlite3.Connection:
        conn = sqlite3.connect(self.filename, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        for pragma, value in self.pragmas.items():
            if not read_only or pragma == "busy_timeout":  # the rest is the writer's
                conn.execute(f"PRAGMA {pragma}={value}").close()
        if read_only:
            conn.execute("PRAGMA query_only=ON").close()
        return conn

    def _read_here(self, query: str) -> sqlite3.Connection | None:
        """The reader, for a query it can answer: a SELECT (nothing that might write)."""
        reader: sqlite3.Connection | None = getattr(self._connection, "reader", None)
        if reader is not None and query.lstrip()[:6].upper() == "SELECT":
            return reader
        return None

    async def execute_query(
        self, query: str, values: list[Any] | None = None
    ) -> tuple[int, Sequence[dict[str, Any]]]:
        reader = self._read_here(query)
        if reader is None:
            answer: tuple[int, Sequence[dict[str, Any]]] = await super().execute_query(
                query, values
            )
            return answer
        rows = _read(reader, query, values)
        return len(rows), rows

    async def execute_query_dict(
        self, query: str, values: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        reader = self._read_here(query)
        if reader is None:
            found: list[dict[str, Any]] = await super().execute_query_dict(query, values)
            return found
        return list(map(dict, _read(reader, query, values)))


def _read(conn: sqlite3.Connection, query: str, values: list[Any] | None) -> list[Any]:
    """A read on the reader, its errors as tortoise's SQLite client raises them."""
    db_client_logger.debug("%s: %s", query, values)
    try:
        return conn.execute(query.replace("\x00", "'||CHAR(0)||'"), values or ()).fetchall()
    except sqlite3.OperationalError as exc:
        raise OperationalError(exc) from exc
    except sqlite3.IntegrityError as exc:
        raise IntegrityError(exc) from exc


client_class = InlineSqliteClient
