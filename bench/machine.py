"""What the machine was doing during a benchmark, to read its figures by."""

from __future__ import annotations

import os
from pathlib import Path


def cpu_times() -> list[int]:
    """The machine's CPU time counters (user, nice, system, idle, iowait, irq, softirq,
    steal), in clock ticks, or [] where /proc/stat does not exist."""
    try:
        with open("/proc/stat") as f:
            return [int(x) for x in f.readline().split()[1:9]]
    except OSError:
        return []


def steal_share(before: list[int], after: list[int]) -> float | None:
    """Share of the machine's CPU time the hypervisor took for other guests in between
    (a figure measured while it is high is the neighbours' as much as ours)."""
    if not before or not after:
        return None
    spent = [b - a for a, b in zip(before, after, strict=True)]
    return round(spent[7] / max(sum(spent), 1), 3)


def process_cpu(root: int) -> dict[str, float]:
    """CPU seconds used so far by the process ``root`` with its descendants (the server and
    its workers: ``"server"``) and by every PostgreSQL process on the machine
    (``"database"``), from /proc; {} where /proc does not exist. Only processes alive now
    count: take it before and after a run and subtract."""
    try:
        ticks = os.sysconf("SC_CLK_TCK")
        parent: dict[int, int] = {}
        used: dict[int, float] = {}
        name: dict[int, str] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # gone in between
            pid = int(entry.name)
            head, _, rest = stat.rpartition(")")
            fields = rest.split()
            name[pid] = head.partition("(")[2]
            parent[pid] = int(fields[1])
            used[pid] = (int(fields[11]) + int(fields[12])) / ticks
    except OSError:
        return {}
    server = 0.0
    for pid, seconds in used.items():
        walk = pid
        while walk > 1 and walk != root:
            walk = parent.get(walk, 0)
        if walk == root:
            server += seconds
    database = sum(s for pid, s in used.items() if name[pid] == "postgres")
    return {"server": server, "database": database}
