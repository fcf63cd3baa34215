"""Start the real server process and drive the errand flow over HTTP, including two
volunteers accepting the last seat at the same moment from two threads."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support import POSTGRES_URL, postgres_database

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    def __init__(self, base: str, pid: int | None = None) -> None:
        self.base = base
        self.pid = pid  # the server process, when the test started it

    def call(
        self, method: str, path: str, token: str | None = None, body: Any = None
    ) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")


@contextmanager
def running_server(args: list[str], env: dict[str, str]) -> Iterator[Client]:
    """``redbutler serve`` in a real process until the block ends."""
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "core.cli",
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
            *args,
        ],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    client = Client(f"http://127.0.0.1:{port}", proc.pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if client.call("GET", "/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:  # pragma: no cover
        proc.kill()
        raise AssertionError(proc.stdout.read() if proc.stdout else "server did not start")
    try:
        yield client
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Client]:
    with running_server(["--demo"], {"REDBUTLER_DATA_DIR": str(tmp_path)}) as client:
        yield client
    assert (tmp_path / "redbutler.sqlite3").exists()


def test_errand_flow_over_real_http(server: Client) -> None:
    errand_flow(server)


@pytest.mark.skipif(POSTGRES_URL is None, reason="needs REDBUTLER_TEST_POSTGRES_URL")
def test_two_workers_on_postgresql(tmp_path: Path) -> None:
    with (
        postgres_database() as url,
        running_server(["--demo", "--workers", "2", "--database-url", url], {}) as client,
    ):
        workers = _children(client.pid)
        assert len(workers) == 2
        # The server answers once one worker is up; the other may still be starting (it
        # listens once it has): call until both have answered.
        answering: set[int] = set()
        deadline = time.monotonic() + 30
        with ThreadPoolExecutor(32) as pool:
            while answering != workers and time.monotonic() < deadline:
                answers = pool.map(lambda _: client.call("GET", "/health"), range(64))
                answering |= {body["worker"] for _, body in answers}
        assert answering == workers
        # Each worker listens on a socket of its own (SO_REUSEPORT), so the kernel spreads
        # new connections over them. On one shared socket the first worker awake took
        # them: 63 of the load benchmark's 64 kept-alive connections went to one worker.
        listening = _listening_sockets(int(client.base.rsplit(":", 1)[1]))
        assert sorted(tuple(sorted(pids)) for pids in listening.values()) == sorted(
            (pid,) for pid in workers
        ), listening
        errand_flow(client)


@pytest.mark.skipif(POSTGRES_URL is None, reason="needs REDBUTLER_TEST_POSTGRES_URL")
def test_workers_refuse_a_port_already_served() -> None:
    """Another server on the port, even one that also listens with SO_REUSEPORT (a second
    redbutler), stops the start: the workers would otherwise share its connections."""
    with postgres_database() as url, socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        command = ["serve", "--workers", "2", "--port", str(port), "--database-url", url]
        done = subprocess.run(
            [sys.executable, "-m", "core.cli", *command],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 3, done.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr


def test_several_workers_are_refused_on_sqlite(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "core.cli", "serve", "--workers", "2"],
        env={**os.environ, "REDBUTLER_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "one worker" in done.stderr


def _listening_sockets(port: int) -> dict[int, set[int]]:
    """The TCP sockets listening on ``port``: each one's inode and the processes holding it
    (read from /proc, as ``ss -tlnp`` does)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(int(fields[9]))
    holders: dict[int, set[int]] = {inode: set() for inode in inodes}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            links = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:
            continue
        for link in links:
            if link.startswith("socket:[") and int(link[8:-1]) in holders:
                holders[int(link[8:-1])].add(int(entry.name))
    return holders


def _children(pid: int | None) -> set[int]:
    """Worker processes the server started (children spawned by multiprocessing, read from
    /proc; its resource tracker is not a worker)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == pid and b"spawn_main" in command:
                found.add(int(entry.name))
    return found


def errand_flow(server: Client) -> None:
    staff, chen, liu = "rb_demo_staff_wang", "rb_demo_volunteer_chen", "rb_demo_volunteer_liu"
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date()
    status, req = server.call(
        "POST",
        "/requests",
        staff,
        {
            "community_id": 1,
            "line": "errands",
            "service": "groceries",
            "resident_id": 1,
            "window": {"start": f"{tomorrow}T15:00:00", "end": f"{tomorrow}T17:00:00"},
            "details": {
                "items": [{"name": "vegetables", "quantity": 3, "unit": "jin"}],
                "budget_yuan": 30,
            },
        },
    )
    assert status == 201, req
    assert req["status"] == "pending"
    status, vols = server.call("GET", "/communities/1/volunteers", staff)
    liu_id = next(v["id"] for v in vols if v["name"] == "Liu Yang")
    status, _ = server.call(
        "POST", f"/requests/{req['id']}/offers", staff, {"volunteer_id": liu_id}
    )
    assert status == 201
    chen_offer = server.call("GET", "/offers", chen)[1][0]
    liu_offer = server.call("GET", "/offers", liu)[1][0]
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(
                lambda args: server.call("POST", *args),
                [
                    (f"/offers/{chen_offer['id']}/accept", chen),
                    (f"/offers/{liu_offer['id']}/accept", liu),
                ],
            )
        )
    assert sorted(code for code, _ in results) == [200, 409], results
    status, final = server.call("GET", f"/requests/{req['id']}", staff)
    assert final["status"] == "assigned" and final["filled"] == 1
    assert len(final["assignments"]) == 1
    events = [h["event"] for h in final["history"]]
    assert events[:3] == ["created", "offered", "offered"] and "accepted" in events
    status, problem = server.call("POST", "/requests", staff, {"community_id": 1})
    assert status == 400 and problem["errors"]
