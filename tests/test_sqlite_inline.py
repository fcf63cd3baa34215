"""The embedded tier's SQLite connection (``core.storage.sqlite_inline``): statements run in
the event loop's thread, what commits runs on the connection's disk thread, and transactions
keep their meaning (the whole test suite runs on it as well)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from core.storage.database import open_database
from core.storage.sqlite_inline import InlineConnection


async def test_statements_run_here_and_commits_on_the_disk_thread(tmp_path: Path) -> None:
    async with open_database(f"sqlite://{tmp_path}/inline.sqlite3"):
        client = connections.get("default")
        await client.execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)")
        raw = client._connection  # type: ignore[attr-defined]
        assert isinstance(raw, InlineConnection)
        raw._conn.create_function("whoami", 0, lambda: threading.current_thread().name)
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
