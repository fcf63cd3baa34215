"""HTTP load benchmark. Run: ``python -m bench.load`` (``--seconds`` per scenario,
``--postgres URL`` to also run PostgreSQL with two workers). Prints a table and writes
``bench/results/load.json`` and ``.md``.

Each scenario first runs ``--warmup`` seconds (3) that are not counted: the clients
connect, each database connection prepares its statements, and the tables grow past the
size they had when the server started, as a compound's have in use. On PostgreSQL the
statistics are then brought up to date (``analyze``) and the scenario is measured.

Each configuration starts, on loopback, a ceiling server (``bench/ceiling.py``: a bare JSON
endpoint and a one-row insert on the same database) and the real server
(``redbutler serve --demo``, rate limit off), with the same uvicorn settings, and drives
each scenario from a separate process (``bench/loadgen.py``) with 64 concurrent clients.

The demo compound has one volunteer who picks up medicine, so most of its bookings find
nobody free and go to the staff's queue. ``booking-offered`` makes the same bookings on a
second database, the demo compound with ``STAFFED`` more such volunteers (free 08:00-20:00
every day), where a booking is offered to someone before it returns; the row says how many
were.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from bench.machine import cpu_times, process_cpu, steal_share

RESULTS = Path(__file__).parent / "results"
# Volunteers added to the demo compound for ``booking-offered``.
STAFFED = 200


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def serving(command: list[str], env: dict[str, str], probe: str) -> Iterator[int]:
    """The server running until the block ends. Its output goes to a file; when the block
    fails, the error says how the server ended and what it printed last."""
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(command, env={**os.environ, **env}, stdout=log, stderr=log)
        try:
            _wait(probe)
            yield proc.pid
        except Exception as exc:
            ended = proc.poll()
            log.seek(0)
            tail = "".join(log.readlines()[-30:])
            state = "still running" if ended is None else f"exited with {ended}"
            raise RuntimeError(f"{exc}\nthe server ({state}) printed last:\n{tail}") from exc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def load(
    base: str, scenario: str, seconds: float, concurrency: int, server: int, database: bool
) -> dict[str, Any]:
    """One scenario against the server at ``base`` (process ``server``); ``database``: a
    database server runs beside it (PostgreSQL), whose CPU time is counted too."""
    before = cpu_times()
    used_before = process_cpu(server)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.loadgen",
            base,
            scenario,
            "--seconds",
            str(seconds),
            "--concurrency",
            str(concurrency),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed on {scenario}:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["cpu_steal"] = steal_share(before, cpu_times())
    used = process_cpu(server)
    for part in ("server", "database"):
        spent = used.get(part, 0.0) - used_before.get(part, 0.0)
        counts = used and (part == "server" or database) and result["requests"]
        # CPU time per answered request: where a booking's cost goes, between the web
        # workers and the database (on SQLite the database is inside the server).
        result[f"{part}_cpu_ms"] = round(1000 * spent / result["requests"], 2) if counts else None
    return result


def staffed(*args: str) -> str:
    """Run ``bench.staffed`` in a process of its own (tortoise keeps each model's SQL once
    a process: one process cannot open SQLite, then PostgreSQL)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.staffed", *args], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.staffed {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def configuration(
    name: str,
    url: str,
    ceiling_url: str,
    staffed_url: str,
    workers: int,
    seconds: float,
    concurrency: int,
    warmup: float,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cport, rport = _port(), _port()
    uvicorn = [
        sys.executable,
        "-m",
        "uvicorn",
        "--log-level",
        "warning",
        "--host",
        "127.0.0.1",
        "--workers",
        str(workers),
    ]
    database = not url.startswith("sqlite")

    def measured(base: str, scenario: str, server: int, db: str) -> dict[str, Any]:
        """The scenario run ``warmup`` seconds, not counted, then measured ``seconds``; on
        PostgreSQL with the statistics brought up to date in between (``analyze``)."""
        if warmup > 0:
            load(base, scenario, warmup, concurrency, server, database)
        if database:
            analyze(db)
        return {"config": name, **load(base, scenario, seconds, concurrency, server, database)}

    with serving(
        [*uvicorn, "--factory", "bench.ceiling:app", "--port", str(cport)],
        {"REDBUTLER_DATABASE_URL": ceiling_url},
        f"http://127.0.0.1:{cport}/bare",
    ) as server:
        base = f"http://127.0.0.1:{cport}"
        for scenario in ("bare", "insert", "trips"):
            out.append(measured(base, scenario, server, ceiling_url))
    serve = [sys.executable, "-m", "core.cli", "serve", "--port", str(rport)]
    serve += ["--log-level", "warning", "--workers", str(workers)]
    base = f"http://127.0.0.1:{rport}"
    with serving(
        [*serve, "--demo", "--database-url", url],
        {"REDBUTLER_RATE_LIMIT": "0"},
        f"{base}/health",
    ) as server:
        for scenario in ("booking", "read-requests", "read-offers"):
            out.append(measured(base, scenario, server, url))
    staffed("seed", staffed_url, str(STAFFED))
    with serving(
        [*serve, "--database-url", staffed_url],
        {"REDBUTLER_RATE_LIMIT": "0"},
        f"{base}/health",
    ) as server:
        row = measured(base, "booking-offered", server, staffed_url)
    filed, offered = json.loads(staffed("count", staffed_url))
    out.append({**row, "offered": f"{offered} of {filed}"})
    return out


def analyze(url: str) -> None:
    """Bring PostgreSQL's statistics up to date, as its autovacuum daemon does after so
    many rows written (it is on by default; the CI machine's server runs without it).

    Run after each warm-up. The pages read what the bookings wrote, and with statistics
    of a nearly empty table the planner read a resident's 1,300 requests to sort them
    rather than the first 20 in index order (pages 1,100/s analysed at 1,390/s). And a
    booking's history row checks its foreign key to ``service_request`` with a plan each
    connection keeps: made while the statistics said the table was nearly empty, it was a
    scan of the whole table, about one a booking, and bookings slowed as it grew (from
    810/s to 646/s over 16 s on a fresh demo, back to 850-875/s once analysed)."""
    asyncio.run(_pg(url, "ANALYZE"))


async def _pg(admin_url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def database_url(admin: str, name: str) -> str:
    """The admin URL naming database ``name`` instead (its host, port and query kept)."""
    return urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))


def transport(url: str) -> str:
    """How a PostgreSQL URL reaches its server: a Unix socket when its host is a directory
    (in the URL's host or its ``host`` query parameter), else TCP."""
    parts = urlsplit(url)
    host = dict(parse_qsl(parts.query)).get("host") or parts.hostname or ""
    return "Unix socket" if host.startswith("/") else "TCP"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument(
        "--warmup",
        type=float,
        default=3,
        help="seconds each scenario runs, not counted, before it is measured",
    )
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--postgres",
        action="append",
        default=[],
        help="an admin URL, e.g. postgres://postgres@127.0.0.1:5432/test (TCP) or "
        "postgres://postgres@/test?host=/var/run/postgresql (the server's Unix socket); "
        "give it twice to run both side by side",
    )
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += configuration(
            "SQLite, 1 worker",
            f"sqlite://{tmp}/redbutler.sqlite3",
            f"sqlite://{tmp}/ceiling.sqlite3",
            f"sqlite://{tmp}/staffed.sqlite3",
            1,
            args.seconds,
            args.concurrency,
            args.warmup,
        )
    for admin in args.postgres:
        name = f"rb_load_{os.getpid()}"
        staffed = f"{name}_staffed"
        for db in (name, staffed):
            asyncio.run(_pg(admin, f'CREATE DATABASE "{db}"'))
        try:
            rows += configuration(
                f"PostgreSQL ({transport(admin)}), 2 workers",
                database_url(admin, name),
                database_url(admin, name),
                database_url(admin, staffed),
                2,
                args.seconds,
                args.concurrency,
                args.warmup,
            )
        finally:
            for db in (name, staffed):
                asyncio.run(_pg(admin, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "concurrency": args.concurrency,
        "seconds_per_scenario": args.seconds,
        "warmup_seconds": args.warmup,
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        f"# Load benchmark ({report['when']}, {report['machine']}, {args.concurrency} clients, "
        f"{args.seconds:g} s a scenario after {args.warmup:g} s of warm-up)",
        "",
        "| configuration | scenario | requests/s | p50 ms | p99 ms | errors (dropped connections) "
        "| CPU ms a request: server (database) | CPU steal |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['config']} | {r['scenario']}"
        + (f" (offered: {r['offered']})" if "offered" in r else "")
        + f" | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} "
        f"| {r['errors']} ({r['dropped_connections']}) "
        f"| {r['server_cpu_ms']} ({'-' if r['database_cpu_ms'] is None else r['database_cpu_ms']}) "
        f"| {r['cpu_steal']} |"
        for r in rows
    ]
    (RESULTS / "load.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
