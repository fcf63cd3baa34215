"""Batch and instant matching benchmark. Run: ``python -m bench.matching`` (``--quick`` for a
smaller run). Prints a table and writes ``bench/results/matching.json`` and ``.md``.

1. A district's week (15 compounds, 20,000 requests, about 3,000 volunteers): the engine
   (``core.matching.batch.solve``) against a first-come greedy baseline: time, seats
   filled, and the Gini coefficient of assigned hours across volunteers (0 = even).
2. Quality against the proven optimum: one compound's week (1,000 requests, 200
   volunteers) solved exactly for filled seats by HiGHS (``scipy.optimize.milp``; this
   benchmark only), and the engine's and greedy's filled seats as fractions of it.
3. Instant matching: server-side time from a booking call to its stored offer, with 5,000
   volunteers in the compound's pool (see ``bench/instant.py``).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.district import District, generate
from bench.machine import cpu_times, steal_share
from core.domain.policy import Weights
from core.domain.time import Interval
from core.matching import Candidate, Need, score_parts
from core.matching import batch as engine
from core.matching.exact import assign, solve_exact

RESULTS = Path(__file__).parent / "results"
EPOCH = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday


def _instance(
    d: District, compound: int | None
) -> tuple[list[engine.Seat], list[engine.Volunteer], Any]:
    """Engine input for one compound (or all), and the real score function."""
    reqs = [r for r in d.requests if compound is None or r.compound == compound]
    vols = [v for v in d.volunteers if compound is None or v.compound == compound]
    seats: list[engine.Seat] = []
    needs: list[Need] = []
    for r in reqs:
        window = Interval(EPOCH + timedelta(minutes=r.start), EPOCH + timedelta(minutes=r.end))
        for i, skills in enumerate(r.seat_skills):
            seats.append(
                engine.Seat(
                    key=(r.id, i),
                    start=r.start,
                    end=r.end,
                    skills=skills,
                    week=0,
                    priority=r.priority,
                )
            )
            needs.append(
                Need(
                    window=window,
                    skills=skills,
                    community_id=r.compound,
                    building=str(r.building),
                    grid=str(r.grid),
                    line=r.line,
                )
            )
    candidates = [
        Candidate(
            volunteer_id=v.id,
            account_id=v.id,
            name=str(v.id),
            skills=frozenset(v.skills),
            free=(),
            busy=(),
            week_minutes=0,
            weekly_cap_minutes=v.cap,
            community_id=v.compound,
            building=str(v.building),
            grid=str(v.grid),
            levels=v.skills,
            recent_minutes=v.recent_minutes,
            reliability=v.reliability,
            preferred_lines=frozenset({v.prefers}),
        )
        for v in vols
    ]
    volunteers = [
        engine.Volunteer(
            key=v.id, skills=frozenset(v.skills), free=list(v.free), busy=[], cap=v.cap
        )
        for v in vols
    ]
    weights = Weights()
    cache: dict[tuple[int, int], float] = {}

    def score(si: int, vi: int) -> float:
        key = (si, vi)
        if key not in cache:
            cache[key] = sum(score_parts(needs[si], candidates[vi], weights).values())
        return cache[key]

    return seats, volunteers, score


def gini(values: list[float]) -> float:
    xs = sorted(values)
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum((i + 1) * x for i, x in enumerate(xs))
    return round((2 * weighted) / (n * total) - (n + 1) / n, 4)


def _spread(seats: list[engine.Seat], n_vols: int, result: engine.Result) -> list[float]:
    minutes = [0.0] * n_vols
    for si, vi in result.assignment.items():
        minutes[vi] += seats[si].minutes
    return minutes


_DISTRICTS: dict[tuple[int, int], District] = {}


def _warm(compounds: int, requests: int) -> None:
    _DISTRICTS[(compounds, requests)] = generate(compounds, requests)


def _engine_pool(args: tuple[int, int, int, float]) -> dict[str, Any]:
    """Build one compound's instance and run the engine on it (in a worker process)."""
    compounds, requests, compound, time_limit = args
    key = (compounds, requests)
    if key not in _DISTRICTS:  # once per worker process, outside the timing
        _DISTRICTS[key] = generate(compounds, requests)
    d = _DISTRICTS[key]
    t0 = time.perf_counter()
    seats, vols, score = _instance(d, compound)
    result, method, proven = assign(seats, vols, score, time_limit=time_limit)
    seconds = time.perf_counter() - t0
    return {
        "compound": compound,
        "seats": len(seats),
        "filled": result.filled,
        "method": method,
        "proven": proven,
        "seconds": round(seconds, 2),
        "score": sum(score(s, v) for s, v in result.assignment.items()),
        "minutes": _spread(seats, len(vols), result),
    }


def district_week(compounds: int, requests: int, workers: int, time_limit: float) -> dict[str, Any]:
    d = generate(compounds, requests)
    out: dict[str, Any] = {
        "compounds": compounds,
        "households": sum(d.households),
        "requests": len(d.requests),
        "volunteers": len(d.volunteers),
        "workers": workers,
        "budget_seconds_per_compound": time_limit,
    }
    # The engine, compounds (separate pools) spread over the cores, timed end to end.
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_warm, initargs=(compounds, requests)
    ) as pool:
        list(pool.map(abs, range(workers)))  # start the workers (they build the district)
        t0 = time.perf_counter()
        pools = list(
            pool.map(_engine_pool, [(compounds, requests, c, time_limit) for c in range(compounds)])
        )
        wall = time.perf_counter() - t0
    seats_total = sum(p["seats"] for p in pools)
    out["seats"] = seats_total
    out["engine"] = {
        "seconds": round(wall, 2),
        "filled": sum(p["filled"] for p in pools),
        "fill_rate": round(sum(p["filled"] for p in pools) / seats_total, 4),
        "total_score": round(sum(p["score"] for p in pools), 1),
        "hours_gini": gini([m for p in pools for m in p["minutes"]]),
        "compounds_proven_optimal": sum(1 for p in pools if p["proven"]),
        "compounds_won_by_highs": sum(1 for p in pools if p["method"] == "highs"),
    }
    # The combinatorial part alone and the greedy baseline, one process.
    totals: dict[str, dict[str, float]] = {
        "combinatorial": defaultdict(float),
        "greedy": defaultdict(float),
    }
    hours: dict[str, list[float]] = {"combinatorial": [], "greedy": []}
    pairs_total = 0
    for c in range(compounds):
        seats, vols, score = _instance(d, c)
        t0 = time.perf_counter()
        pairs = engine.eligible_pairs(seats, vols)
        t1 = time.perf_counter()
        res = engine.solve(seats, vols, score, pairs=pairs)
        t2 = time.perf_counter()
        base = engine.greedy(seats, vols, score, pairs=pairs)
        t3 = time.perf_counter()
        pairs_total += res.eligible_pairs
        for name, r, secs in (("combinatorial", res, t2 - t0), ("greedy", base, t1 - t0 + t3 - t2)):
            totals[name]["seconds"] += secs
            totals[name]["filled"] += r.filled
            totals[name]["score"] += sum(score(s, v) for s, v in r.assignment.items())
            hours[name] += _spread(seats, len(vols), r)
    out["eligible_pairs"] = pairs_total
    for name in ("combinatorial", "greedy"):
        t = totals[name]
        out[name] = {
            "seconds": round(t["seconds"], 2),
            "filled": int(t["filled"]),
            "fill_rate": round(t["filled"] / seats_total, 4),
            "total_score": round(t["score"], 1),
            "hours_gini": gini(hours[name]),
        }
    return out


def exact_optimum(
    seats: list[engine.Seat], vols: list[engine.Volunteer], time_limit: float
) -> dict[str, Any]:
    """Maximum filled seats, proven by HiGHS (the model in ``core.matching.exact``)."""
    t0 = time.perf_counter()
    result, proven = solve_exact(seats, vols, lambda s, v: 0.0, time_limit=time_limit)
    return {
        "optimum": result.filled,
        "proven": proven,
        "seconds": round(time.perf_counter() - t0, 1),
        "variables": result.eligible_pairs,
    }


def quality(
    requests: int, volunteers: int, time_limit: float, seed: int, engine_seconds: float
) -> dict[str, Any]:
    d = generate(1, requests, volunteers, seed=seed)
    seats, vols, score = _instance(d, 0)
    t0 = time.perf_counter()
    res, method, _ = assign(seats, vols, score, time_limit=engine_seconds)
    t1 = time.perf_counter()
    quick = engine.solve(seats, vols, score)
    base = engine.greedy(seats, vols, score)
    exact = exact_optimum(seats, vols, time_limit)
    best = exact["optimum"] or 0
    return {
        "requests": len(d.requests),
        "seats": len(seats),
        "volunteers": len(vols),
        "engine_filled": res.filled,
        "engine_method": method,
        "engine_seconds": round(t1 - t0, 3),
        "combinatorial_filled": quick.filled,
        "greedy_filled": base.filled,
        "exact": exact,
        "engine_vs_optimum": round(res.filled / best, 4) if best else None,
        "combinatorial_vs_optimum": round(quick.filled / best, 4) if best else None,
        "greedy_vs_optimum": round(base.filled / best, 4) if best else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller district, for a smoke run")
    parser.add_argument("--exact-seconds", type=float, default=600)
    parser.add_argument("--skip-instant", action="store_true")
    parser.add_argument("--workers", type=int, default=2, help="processes for the district")
    parser.add_argument(
        "--budget-seconds",
        type=float,
        default=1.0,
        help="the engine's time budget per compound (district): combinatorial, then HiGHS",
    )
    args = parser.parse_args()
    compounds, requests = (3, 4000) if args.quick else (15, 20000)

    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "python": sys.version.split()[0],
    }
    print(f"district week: {compounds} compounds, {requests} requests ...", flush=True)

    before = cpu_times()
    report["district"] = district_week(compounds, requests, args.workers, args.budget_seconds)
    report["district"]["cpu_steal"] = steal_share(before, cpu_times())
    print(json.dumps(report["district"], indent=2), flush=True)
    print("quality against the proven optimum (one compound's week) ...", flush=True)
    report["quality"] = [
        quality(1000, 200, args.exact_seconds, seed, 10.0)
        for seed in ((11,) if args.quick else (11, 12, 13))
    ]
    print(json.dumps(report["quality"], indent=2), flush=True)
    if not args.skip_instant:
        print("instant matching with 5,000 volunteers in the pool ...", flush=True)
        # In a process of its own, as a server runs: not in this one, whose heap holds the
        # district's millions of objects for the garbage collector to walk.
        done = subprocess.run(
            [sys.executable, "-m", "bench.instant", "--bookings", "100" if args.quick else "300"],
            capture_output=True,
            text=True,
            check=True,
        )
        report["instant"] = json.loads(done.stdout)
        print(json.dumps(report["instant"], indent=2), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "matching.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "matching.md").write_text(render(report))
    print(f"written to {RESULTS / 'matching.json'} and matching.md")


def render(report: dict[str, Any]) -> str:
    d = report["district"]
    lines = [
        f"# Matching benchmark ({report['when']}, {report['machine']}, Python {report['python']})",
        "",
        f"District week: {d['compounds']} compounds, {d['households']} households, "
        f"{d['requests']} requests ({d['seats']} seats), {d['volunteers']} volunteers, "
        f"{d['eligible_pairs']} eligible seat-volunteer pairs. Engine: {d['workers']} "
        f"processes, a budget of {d['budget_seconds_per_compound']} s per compound "
        "(combinatorial, then HiGHS in what is left) "
        f"(proven optimal in {d['engine']['compounds_proven_optimal']} of {d['compounds']}). "
        f"CPU steal during the district runs: {d.get('cpu_steal')}.",
        "",
        "| | time (s) | seats filled | fill rate | total score | hours Gini |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("engine", "combinatorial", "greedy"):
        e = d[name]
        lines.append(
            f"| {name} | {e['seconds']} | {e['filled']} | {e['fill_rate']:.1%} | "
            f"{e['total_score']} | {e['hours_gini']} |"
        )
    lines += [
        "",
        "Against the proven optimum (one compound's week, HiGHS):",
        "",
        "| instance | seats | optimum (proven) | engine | engine/opt | combinatorial/opt "
        "| greedy/opt | HiGHS s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i, q in enumerate(report["quality"]):
        x = q["exact"]
        lines.append(
            f"| {i} | {q['seats']} | {x['optimum']} ({'yes' if x['proven'] else 'no'}) | "
            f"{q['engine_filled']} | {q['engine_vs_optimum']} | "
            f"{q['combinatorial_vs_optimum']} | {q['greedy_vs_optimum']} | {x['seconds']} |"
        )
    if "instant" in report:
        i = report["instant"]
        lines += [
            "",
            f"Instant matching, {i['volunteers']} volunteers in the pool, "
            f"{i['bookings']} bookings (half the offers accepted as it goes): whole booking "
            f"call p50 {i['p50_ms']} ms, p99 {i['p99_ms']} ms; the matching step in it p50 "
            f"{i['matching_p50_ms']} ms, p99 {i['matching_p99_ms']} ms (offer made in "
            f"{i['offered']} of {i['bookings']}; CPU steal during the run "
            f"{i['cpu_steal']}).",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
