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
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    def __init__(self, base: str) -> None:
        self.base = base

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


@pytest.fixture
def server(tmp_path: Path) -> Any:
    port = _free_port()
    env = {**os.environ, "REDBUTLER_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "core.cli",
            "serve",
            "--demo",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    client = Client(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if client.call("GET", "/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:  # pragma: no cover
        proc.kill()
        raise AssertionError(proc.stdout.read() if proc.stdout else "server did not start")
    yield client
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:  # pragma: no cover
        proc.kill()
        proc.wait()
    if proc.stdout:
        proc.stdout.close()
    assert (tmp_path / "redbutler.sqlite3").exists()


def test_errand_flow_over_real_http(server: Client) -> None:
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
