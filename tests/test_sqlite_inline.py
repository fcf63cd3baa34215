"""The embedded tier's SQLite connection (``core.storage.sqlite_inline``): statements run in
the event loop's thread, what commits runs on the connection's disk thread, and transactions
keep their meaning (the whole test suite runs on it as well)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from tortoise import connections
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from core.storage.database import open_database
from core.storage.sqlite_inline import InlineConnection


async def test_statements_run_here_and_commits_on_the_disk_thread(tmp_path: Path) -> None:
    async with open_database(f"sqlite://{tmp_path}/inline.sqlite3"):
        client = connections.get("default")
        await client.execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)")
        raw = client._connection  # type: ignore[attr-defined]
        assert isinstance(raw, InlineConnection)
        await raw.create_function("whoami", 0, lambda: threading.current_thread().name)
        here = threading.current_thread().name

        # A read runs here; a write outside a transaction commits, on the disk thread.
        _, rows = await client.execute_query("SELECT whoami()")
        assert rows[0][0] == here
        await client.execute_query("INSERT INTO t (who) VALUES (whoami())")
        _, rows = await client.execute_query("SELECT who FROM t")
        assert rows[0][0].startswith("sqlite-sync")

        # Inside a transaction every statement runs here; it commits as one.
        async with in_transaction() as conn:
            await conn.execute_query("INSERT INTO t (who) VALUES (whoami())")
            await conn.execute_query("INSERT INTO t (who) VALUES (whoami())")
        _, rows = await client.execute_query("SELECT who FROM t ORDER BY id")
        assert [r[0] for r in rows[1:]] == [here, here]

        # A failure rolls the whole transaction back.
        async def half_way() -> None:
            async with in_transaction() as conn:
                await conn.execute_query("INSERT INTO t (who) VALUES ('half')")
                raise RuntimeError("fails half way")

        with pytest.raises(RuntimeError):
            await half_way()
        _, rows = await client.execute_query("SELECT count(*) FROM t WHERE who = 'half'")
        assert rows[0][0] == 0
        assert not raw.in_transaction


async def test_reads_outside_transactions_see_what_was_committed_and_never_wait(
    tmp_path: Path,
) -> None:
    """They go to the read-only connection: a transaction still open (its commit waiting
    for the disk, say) neither holds them up nor shows them its writes; once it has
    committed, the next read sees them. In a transaction, reads see its own writes."""
    async with open_database(f"sqlite://{tmp_path}/reader.sqlite3"):
        client = connections.get("default")
        await client.execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        await client.execute_query("INSERT INTO t (v) VALUES ('committed')")
        inside = asyncio.Event()
        finish = asyncio.Event()

        async def open_transaction() -> None:
            async with in_transaction() as conn:
                await conn.execute_query("INSERT INTO t (v) VALUES ('pending')")
                _, mine = await conn.execute_query("SELECT v FROM t ORDER BY id")
                assert [r[0] for r in mine] == ["committed", "pending"]
                inside.set()
                await finish.wait()

        writer = asyncio.create_task(open_transaction())
        await inside.wait()
        # The transaction holds tortoise's connection lock; a read used to wait for it.
        _, rows = await asyncio.wait_for(client.execute_query("SELECT v FROM t"), 1)
        assert [r[0] for r in rows] == ["committed"]
        assert await client.execute_query_dict("SELECT count(*) AS n FROM t") == [{"n": 1}]
        finish.set()
        await writer
        _, rows = await client.execute_query("SELECT v FROM t ORDER BY id")
        assert [r[0] for r in rows] == ["committed", "pending"]

        # The reader refuses to write, and its errors are tortoise's, as the writer's are.
        reader = client._connection.reader  # type: ignore[attr-defined]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.execute("DELETE FROM t")
        with pytest.raises(OperationalError):
            await client.execute_query("SELECT nothing FROM t")


async def test_a_database_in_memory_reads_on_its_one_connection() -> None:
    async with open_database("sqlite://:memory:"):
        client = connections.get("default")
        await client.execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        assert client._connection.reader is None  # type: ignore[attr-defined]
        await client.execute_query("INSERT INTO t (id) VALUES (7)")
        assert (await client.execute_query("SELECT id FROM t"))[1][0][0] == 7


async def test_a_transaction_holds_the_write_lock_from_its_start(tmp_path: Path) -> None:
    """A transaction may read before it writes (a booking matches, then writes). Begun
    deferred, another process's commit in between would make its first write fail at once
    (SQLITE_BUSY_SNAPSHOT); so it takes the write lock at BEGIN, and the other process
    waits for it instead."""
    path = tmp_path / "lock.sqlite3"
    async with open_database(f"sqlite://{path}"):
        client = connections.get("default")
        await client.execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        other = sqlite3.connect(path, isolation_level=None, timeout=0)  # another process
        try:
            async with in_transaction() as conn:
                _, rows = await conn.execute_query("SELECT count(*) FROM t")  # reads first
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("INSERT INTO t (v) VALUES ('other')")
                await conn.execute_query("INSERT INTO t (v) VALUES ('mine')")
            other.execute("INSERT INTO t (v) VALUES ('other, after')")
        finally:
            other.close()
        _, rows = await client.execute_query("SELECT v FROM t ORDER BY id")
        assert [r[0] for r in rows] == ["mine", "other, after"]
