"""Proven maximum fill for a batch, with HiGHS (``scipy.optimize.milp``).

The integer programme: ``x[s, v]`` is 1 when seat ``s`` goes to volunteer ``v`` (eligible
pairs only); each seat at most once; for each volunteer, at most one seat among any set of
seats whose windows all overlap (the maximal cliques of the interval graph, found by a
sweep) and no more minutes per week than their cap. Maximise the number of filled seats.

Measured on this project's 2-core machines (``bench/``): one compound's week (about
2,000 seats, 200 volunteers) is proven optimal in 0.3-3 s. Adding the score to the
objective (lexicographically) made some of the same instances take 15 s, so the score is
improved afterwards by moves that keep the fill (:func:`polish`). The caller gives a time
budget for the whole call and keeps the combinatorial solution when HiGHS does not beat it
in what is left of it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence

from core.matching.batch import Result, Score, Seat, Volunteer, _State, eligible_pairs

# Below this much time left, HiGHS is not started (it could not improve on anything).
MIN_HIGHS_SECONDS = 0.1


def model(
    seats: Sequence[Seat], volunteers: Sequence[Volunteer], pairs: list[list[int]]
) -> tuple[list[tuple[int, int]], list[int], list[int], list[float], list[float]]:
    """Columns (seat, volunteer) and the constraint matrix as COO triplets with upper bounds."""
    cols = [(si, vi) for si, vs in enumerate(pairs) for vi in vs]
    rows: list[int] = []
    idx: list[int] = []
    vals: list[float] = []
    ub: list[float] = [1.0] * len(seats)
    for j, (si, _) in enumerate(cols):
        rows.append(si)
        idx.append(j)
        vals.append(1.0)
    r = len(seats)
    by_volunteer: dict[int, list[int]] = defaultdict(list)
    for j, (_, vi) in enumerate(cols):
        by_volunteer[vi].append(j)
    for vi, js in by_volunteer.items():
        # Ends sort before starts at the same minute: windows are half-open.
        events = sorted(
            [(seats[cols[j][0]].start, 1, j) for j in js]
            + [(seats[cols[j][0]].end, 0, j) for j in js]
        )
        active: set[int] = set()
        opened = False
        for _, kind, j in events:
            if kind == 1:
                active.add(j)
                opened = True
                continue
            if opened and len(active) > 1:  # a maximal clique ends here
                for k in active:
                    rows.append(r)
                    idx.append(k)
                    vals.append(1.0)
                ub.append(1.0)
                r += 1
            opened = False
            active.discard(j)
        weeks: dict[int, list[int]] = defaultdict(list)
        for j in js:
            weeks[seats[cols[j][0]].week].append(j)
        for week, wjs in weeks.items():
            room = volunteers[vi].cap - volunteers[vi].used.get(week, 0)
            if sum(seats[cols[j][0]].minutes for j in wjs) <= room:
                continue  # the cap cannot bind
            for j in wjs:
                rows.append(r)
                idx.append(j)
                vals.append(float(seats[cols[j][0]].minutes))
            ub.append(float(room))
            r += 1
    return cols, rows, idx, vals, ub


def solve_exact(
    seats: Sequence[Seat],
    volunteers: Sequence[Volunteer],
    score: Score,
    *,
    pairs: list[list[int]] | None = None,
    time_limit: float = 10.0,
    started: float | None = None,
) -> tuple[Result, bool]:
    """The most seats HiGHS can fill within ``time_limit`` seconds of ``started`` (a
    ``time.monotonic()`` reading; now if not given; building the model counts), polished
    for score, and whether that fill is proven optimal."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    began = started if started is not None else time.monotonic()
    pairs = pairs if pairs is not None else eligible_pairs(seats, volunteers)
    cols, rows, idx, vals, ub = model(seats, volunteers, pairs)
    if not cols:
        return Result(assignment={}, eligible_pairs=0, augmented=0), True
    matrix = coo_matrix((vals, (rows, idx)), shape=(len(ub), len(cols))).tocsr()
    res = milp(
        -np.ones(len(cols)),
        constraints=LinearConstraint(matrix, -np.inf, np.array(ub)),
        integrality=np.ones(len(cols)),
        bounds=Bounds(0, 1),
        options={
            "time_limit": max(time_limit - (time.monotonic() - began), MIN_HIGHS_SECONDS),
            "mip_rel_gap": 0.0,
        },
    )
    if res.x is None:
        return Result(assignment={}, eligible_pairs=len(cols), augmented=0), False
    assignment = {cols[j][0]: cols[j][1] for j in np.flatnonzero(res.x > 0.5)}
    result = Result(assignment=assignment, eligible_pairs=len(cols), augmented=0)
    return polish(seats, volunteers, score, pairs, result), bool(res.status == 0)


def polish(
    seats: Sequence[Seat],
    volunteers: Sequence[Volunteer],
    score: Score,
    pairs: list[list[int]],
    result: Result,
) -> Result:
    """Move seats to better-scored volunteers where that breaks nothing; the fill stays."""
    state = _State(seats, volunteers)
    for si, vi in result.assignment.items():
        state.give(si, vi)
    for si in sorted(result.assignment):
        current = state.holder[si]
        best = score(si, current)
        choice = current
        state.take(si)
        for vi in pairs[si]:
            if vi == current or score(si, vi) <= best:
                continue
            if not state.clashing(vi, si) and state.cap_room(vi, si):
                best, choice = score(si, vi), vi
        state.give(si, choice)
    return Result(assignment=dict(state.holder), eligible_pairs=result.eligible_pairs, augmented=0)


def total_score(result: Result, score: Score) -> float:
    return sum(score(si, vi) for si, vi in result.assignment.items())


def assign(
    seats: Sequence[Seat],
    volunteers: Sequence[Volunteer],
    score: Score,
    *,
    pairs: list[list[int]] | None = None,
    time_limit: float = 10.0,
) -> tuple[Result, str, bool]:
    """The engine: the combinatorial solution, then HiGHS with what is left of
    ``time_limit`` seconds (a budget for the whole call, so a batch run's length is known in
    advance); the one filling more seats wins (on a tie, the higher total score). Returns
    the result, which method produced it, and whether its fill is proven the maximum. The
    combinatorial pass always runs to the end (it is what a zero budget gets)."""
    from core.matching.batch import solve

    began = time.monotonic()
    pairs = pairs if pairs is not None else eligible_pairs(seats, volunteers)
    quick = solve(seats, volunteers, score, pairs=[list(p) for p in pairs])
    left = time_limit - (time.monotonic() - began)
    if left < MIN_HIGHS_SECONDS:
        return quick, "combinatorial", False
    exact, proven = solve_exact(
        seats, volunteers, score, pairs=pairs, time_limit=left, started=time.monotonic()
    )
    if exact.filled > quick.filled or (
        exact.filled == quick.filled and total_score(exact, score) > total_score(quick, score)
    ):
        return exact, "highs", proven
    return quick, "combinatorial", proven and exact.filled == quick.filled
