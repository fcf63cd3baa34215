"""The instant-matching benchmark still runs against the code it measures (it wraps a
private step of the booking service to time it), in a small run."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import ExitStack, closing
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.support import POSTGRES_URL, postgres_database


def test_instant_benchmark_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.instant", "--volunteers", "300", "--bookings", "5"],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["bookings"] == 5
    assert report["offered"] > 0
    assert report["matching_p50_ms"] > 0


def test_the_load_benchmarks_staffed_compound_seeds(tmp_path: Path) -> None:
    """``bench.staffed`` (the load benchmark's booking-offered scenario) still builds its
    compound on the current models, and counts what was booked there."""
    url = f"sqlite://{tmp_path}/staffed.sqlite3"
    root = Path(__file__).parent.parent

    def staffed(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "bench.staffed", *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    staffed("seed", url, "5")
    assert json.loads(staffed("count", url)) == [0, 0]


def test_the_load_benchmarks_ceilings_answer(tmp_path: Path) -> None:
    """``bench.ceiling`` (the load benchmark's bare, insert and round-trip floor endpoints)
    starts on the database under test and each endpoint does what its row says: the
    insert writes one row, the floor's six round trips write one more, in their
    transaction."""
    with ExitStack() as stack:
        if POSTGRES_URL:
            url = stack.enter_context(postgres_database())
        else:
            url = f"sqlite://{tmp_path}/ceiling.sqlite3"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        log = stack.enter_context((tmp_path / "ceiling.log").open("w+"))
        command = [sys.executable, "-m", "uvicorn", "--factory", "bench.ceiling:app"]
        server = subprocess.Popen(
            [*command, "--port", str(port), "--log-level", "warning"],
            cwd=Path(__file__).parent.parent,
            env={**os.environ, "REDBUTLER_DATABASE_URL": url},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        stack.callback(server.wait, 20)
        stack.callback(server.terminate)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                assert httpx.get(f"{base}/bare").json() == {"ok": True}
                break
            except httpx.TransportError:
                assert server.poll() is None, (tmp_path / "ceiling.log").read_text()
                assert time.monotonic() < deadline, "the ceiling server did not come up"
                time.sleep(0.3)
        for path in ("/insert", "/trips"):
            answer = httpx.post(f"{base}{path}")
            assert answer.status_code == 201, answer.text
        rows = _rows(url)
    assert rows == 2


def _rows(url: str) -> int:
    if POSTGRES_URL:
        return asyncio.run(_pg_rows(url))
    with closing(sqlite3.connect(urlsplit(url).path)) as db:
        return int(db.execute("SELECT COUNT(*) FROM bench_row").fetchone()[0])


async def _pg_rows(url: str) -> int:
    import asyncpg  # the [postgres] extra

    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT COUNT(*) FROM bench_row"))
    finally:
        await conn.close()
