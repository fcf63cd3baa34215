"""The batch engine on its own: valid assignments, better than greedy, equal to the proven
optimum where HiGHS proves it."""

from __future__ import annotations

import itertools
from collections import defaultdict

from bench.district import generate
from bench.matching import _instance
from core.matching.batch import Result, Seat, Volunteer, greedy, solve
from core.matching.exact import assign, solve_exact


def valid(seats: list[Seat], vols: list[Volunteer], result: Result) -> None:
    jobs: dict[int, list[int]] = defaultdict(list)
    for si, vi in result.assignment.items():
        s, v = seats[si], vols[vi]
        assert s.skills <= v.skills
        assert v.covers(s.start, s.end) and not v.clashes(s.start, s.end)
        jobs[vi].append(si)
    for vi, mine in jobs.items():
        spans = sorted((seats[s].start, seats[s].end) for s in mine)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
        assert sum(seats[s].minutes for s in mine) + vols[vi].used.get(0, 0) <= vols[vi].cap


def test_augmenting_path_beats_first_come() -> None:
    # A (09-10) can be done by X or Y; B (09-10) only by X. First come gives A to X (better
    # score) and strands B; the engine moves A to Y.
    seats = [
        Seat(key="A", start=540, end=600, skills=frozenset({"s"}), week=0),
        Seat(key="B", start=540, end=600, skills=frozenset({"s"}), week=0),
    ]
    vols = [
        Volunteer(key="X", skills=frozenset({"s"}), free=[(480, 720)], busy=[], cap=600),
        Volunteer(key="Y", skills=frozenset({"s"}), free=[(480, 720)], busy=[], cap=600),
    ]
    vols[1].free = [(540, 600)]
    pairs = [[0, 1], [0]]
    score = lambda si, vi: 5.0 if vi == 0 else 1.0  # noqa: E731
    assert greedy(seats, vols, score, pairs=pairs).filled == 1
    result = solve(seats, vols, score, pairs=pairs)
    assert result.assignment == {0: 1, 1: 0}


def test_weekly_cap_and_busy_time_are_respected() -> None:
    seats = [
        Seat(key=i, start=600 + 60 * i, end=660 + 60 * i, skills=frozenset(), week=0)
        for i in range(4)
    ]
    vols = [
        Volunteer(
            key="X", skills=frozenset(), free=[(0, 2000)], busy=[(720, 780)], cap=120, used={0: 0}
        )
    ]
    result = solve(seats, vols, lambda si, vi: 1.0)
    valid(seats, vols, result)
    assert result.filled == 2 and 2 not in result.assignment  # 12:00-13:00 is busy


def test_engine_on_a_compound_week_matches_the_proven_optimum() -> None:
    district = generate(1, 400, 80, seed=5)
    seats, vols, score = _instance(district, 0)
    quick = solve(seats, vols, score)
    exact, proven = solve_exact(seats, vols, score, time_limit=60)
    best, method, best_proven = assign(seats, vols, score, time_limit=60)
    base = greedy(seats, vols, score)
    for r in (quick, exact, best, base):
        valid(seats, vols, r)
    assert proven and best_proven
    assert best.filled == exact.filled >= quick.filled >= base.filled
    assert quick.filled >= 0.95 * exact.filled
    assert method in {"highs", "combinatorial"}
