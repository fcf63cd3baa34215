"""Load generator, run in its own process: ``concurrency`` clients call one scenario for
``seconds`` on loopback and print one JSON line: requests/s, p50/p99 latency, errors."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from datetime import date, timedelta
from typing import Any


def body_for(scenario: str, n: int, day0: date) -> tuple[str, str, dict[str, Any] | None, str]:
    """(method, path, json body, bearer token) of the n-th call of a scenario."""
    if scenario == "bare":
        return "GET", "/bare", None, ""
    if scenario in ("insert", "trips"):
        return "POST", f"/{scenario}", {}, ""
    if scenario in ("booking", "booking-offered"):  # the second on a staffed compound
        day = day0 + timedelta(days=n % 28)
        minute = 8 * 60 + 5 * ((n // 28) % 132)
        start = f"{day.isoformat()}T{minute // 60:02d}:{minute % 60:02d}:00"
        return (
            "POST",
            "/requests",
            {
                "community_id": 1,
                "line": "errands",
                "service": "medicine",
                "resident_id": 1 + n % 3,
                "window": {"start": start},
                "details": {"pharmacy": "Community clinic", "items": [{"name": "insulin"}]},
            },
            "rb_demo_staff_wang",
        )
    if scenario == "read-requests":
        return "GET", "/requests?limit=20", None, "rb_demo_resident_zhang"
    if scenario == "read-offers":
        return "GET", "/offers?limit=20", None, "rb_demo_volunteer_chen"
    raise ValueError(scenario)


async def run(base: str, scenario: str, concurrency: int, seconds: float) -> dict[str, Any]:
    """Each client keeps one HTTP/1.1 connection open and sends its calls one after the
    other (a minimal client on asyncio streams: a general-purpose one spends more time
    than the servers it measures)."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = 0
    dropped = 0  # connections the server reset (also counted in errors)
    counter = iter(range(10**9))
    day0 = date.today() + timedelta(days=2)
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors, dropped
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while time.perf_counter() < deadline:
                try:
                    await call(reader, writer)
                except (ConnectionError, asyncio.IncompleteReadError):
                    # The server dropped the connection: an error, counted; connect again.
                    errors += 1
                    dropped += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, int(port))
        finally:
            writer.close()

    async def call(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One call and its answer on the client's connection."""
        nonlocal errors
        method, path, body, token = body_for(scenario, next(counter), day0)
        payload = json.dumps(body).encode() if body is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
        if token:
            head.append(f"Authorization: Bearer {token}")
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        t0 = time.perf_counter()
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        await writer.drain()
        status_line = await reader.readline()
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        await reader.readexactly(length)
        latencies.append((time.perf_counter() - t0) * 1000)
        status = int(status_line.split()[1]) if status_line else 599
        errors += 0 if status < 400 else 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "scenario": scenario,
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)], 1)
        if latencies
        else None,
        "errors": errors,
        "dropped_connections": dropped,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("scenario")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    random.seed(1)
    print(json.dumps(asyncio.run(run(args.base, args.scenario, args.concurrency, args.seconds))))


if __name__ == "__main__":
    main()
