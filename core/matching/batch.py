"""Batch matching: assign every open seat of a period at once.

The problem: each seat needs one volunteer holding its skills and free for its whole
window; a volunteer may take many seats, but never two that overlap in time and never more
minutes in a week than their weekly cap. Maximise first the number of filled seats, then
the total score.

Why not a general solver: this is not an assignment problem (a volunteer takes several
seats, subject to interval conflicts and a knapsack-like weekly cap), so the exact model is
an integer programme. Measured on this project's 2-core machines (see ``bench/README.md``),
HiGHS (through ``scipy.optimize.milp``) needs 25-60 s to prove the optimum of one
compound's week (about 1,000 seats, 200 volunteers) and does not finish a district's week;
even the LP relaxation of 2,900 seats timed out at 30 s. Min-cost flow and
``linear_sum_assignment`` are exact only without the time conflicts. So the engine is a
combinatorial algorithm that is exact on the parts that matter most and measured against
the proven optimum on the small instance:

1. **Scarcity-first construction**: seats with the fewest eligible volunteers first (then
   higher priority, then earlier), each to its best-scored feasible volunteer, with the
   score lowered by the share of cap that volunteer has taken in this run (spreads hours).
2. **Augmenting paths**: for every seat still open, look for a chain of moves that frees a
   volunteer for it: give the seat to volunteer *v*, move the one seat of *v* that clashes
   to another volunteer, and so on, up to ``depth`` moves. Each success fills one more seat
   and unfills none, as in bipartite matching's augmenting paths.

The benchmark compares this with the proven optimum (HiGHS, benchmark only) and with a
greedy first-come baseline.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(slots=True)
class Seat:
    """One seat in integer minutes (any common epoch). ``week`` keys the weekly cap."""

    key: object
    start: int
    end: int
    skills: frozenset[str]
    week: int
    priority: int = 0

    @property
    def minutes(self) -> int:
        return self.end - self.start


@dataclass(slots=True)
class Volunteer:
    key: object
    skills: frozenset[str]
    free: list[tuple[int, int]]  # sorted, disjoint
    busy: list[tuple[int, int]]  # already committed (accepted work, pending offers)
    cap: int  # weekly cap in minutes
    used: dict[int, int] = field(default_factory=dict)  # week -> minutes already accepted
    free_starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.free.sort()
        self.free_starts = [a for a, _ in self.free]

    def covers(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.free_starts, start) - 1
        return i >= 0 and self.free[i][1] >= end

    def clashes(self, start: int, end: int) -> bool:
        return any(a < end and start < b for a, b in self.busy)


@dataclass(slots=True)
class Result:
    assignment: dict[int, int]  # seat index -> volunteer index
    eligible_pairs: int
    augmented: int

    @property
    def filled(self) -> int:
        return len(self.assignment)


Score = Callable[[int, int], float]  # (seat index, volunteer index) -> score


def eligible_pairs(seats: Sequence[Seat], volunteers: Sequence[Volunteer]) -> list[list[int]]:
    """For each seat, the volunteers who could take it if it were their only new job."""
    by_skill: dict[str, set[int]] = defaultdict(set)
    for vi, v in enumerate(volunteers):
        for skill in v.skills:
            by_skill[skill].add(vi)
    everyone = set(range(len(volunteers)))
    out: list[list[int]] = []
    for s in seats:
        pool: set[int] | None = None
        for skill in sorted(s.skills, key=lambda k: len(by_skill.get(k, ()))):
            holders = by_skill.get(skill, set())
            pool = holders if pool is None else pool & holders
        candidates = sorted(everyone if pool is None else pool)
        out.append(
            [
                vi
                for vi in candidates
                if volunteers[vi].covers(s.start, s.end)
                and not volunteers[vi].clashes(s.start, s.end)
                and volunteers[vi].used.get(s.week, 0) + s.minutes <= volunteers[vi].cap
            ]
        )
    return out


class _State:
    def __init__(self, seats: Sequence[Seat], volunteers: Sequence[Volunteer]) -> None:
        self.seats = seats
        self.volunteers = volunteers
        self.holder: dict[int, int] = {}
        self.jobs: list[list[int]] = [[] for _ in volunteers]
        self.load: list[dict[int, int]] = [dict(v.used) for v in volunteers]

    def clashing(self, vi: int, si: int) -> list[int]:
        s = self.seats[si]
        return [
            t for t in self.jobs[vi] if self.seats[t].start < s.end and s.start < self.seats[t].end
        ]

    def cap_room(self, vi: int, si: int, freed: Sequence[int] = ()) -> bool:
        s = self.seats[si]
        used = self.load[vi].get(s.week, 0) - sum(
            self.seats[t].minutes for t in freed if self.seats[t].week == s.week
        )
        return used + s.minutes <= self.volunteers[vi].cap

    def give(self, si: int, vi: int) -> None:
        self.holder[si] = vi
        self.jobs[vi].append(si)
        week = self.seats[si].week
        self.load[vi][week] = self.load[vi].get(week, 0) + self.seats[si].minutes

    def take(self, si: int) -> int:
        vi = self.holder.pop(si)
        self.jobs[vi].remove(si)
        week = self.seats[si].week
        self.load[vi][week] -= self.seats[si].minutes
        return vi


def solve(
    seats: Sequence[Seat],
    volunteers: Sequence[Volunteer],
    score: Score,
    *,
    depth: int = 4,
    pairs: list[list[int]] | None = None,
) -> Result:
    """Assign seats to volunteers (see the module documentation)."""
    pairs = pairs if pairs is not None else eligible_pairs(seats, volunteers)
    state = _State(seats, volunteers)
    four_weeks = [max(v.cap * 4, 1) for v in volunteers]

    order = sorted(
        range(len(seats)),
        key=lambda si: (
            len(pairs[si]) * seats[si].minutes,
            -seats[si].priority,
            seats[si].start,
            si,
        ),
    )
    for si in order:
        best: tuple[float, int] | None = None
        for vi in pairs[si]:
            if state.clashing(vi, si) or not state.cap_room(vi, si):
                continue
            taken = sum(state.load[vi].values()) - sum(volunteers[vi].used.values())
            value = score(si, vi) - 3.0 * taken / four_weeks[vi]
            if best is None or value > best[0]:
                best = (value, vi)
        if best is not None:
            state.give(si, best[1])

    augmented = 0
    failed: set[tuple[int, int]] = set()
    for si in order:
        if si not in state.holder and _augment(state, pairs, si, depth, {si}, failed):
            augmented += 1
            failed.clear()
    return Result(
        assignment=dict(state.holder),
        eligible_pairs=sum(len(p) for p in pairs),
        augmented=augmented,
    )


def _augment(
    state: _State,
    pairs: list[list[int]],
    si: int,
    depth: int,
    moving: set[int],
    failed: set[tuple[int, int]],
) -> bool:
    """Place seat ``si``, displacing at most one seat per step along the chain.

    ``failed`` remembers (seat, depth) searches that found nothing; the state only changes
    when a search succeeds, so the caller clears it then (as in Kuhn's matching algorithm).
    """
    if (si, depth) in failed:
        return False
    for vi in pairs[si]:  # a volunteer with room: done
        if not state.clashing(vi, si) and state.cap_room(vi, si):
            state.give(si, vi)
            return True
    if depth > 1:
        for vi in pairs[si]:
            clash = state.clashing(vi, si)
            if len(clash) > 1:
                continue
            if clash:
                displaced = clash[0]
            else:  # only the weekly cap is in the way: free one same-week job
                week = state.seats[si].week
                same_week = [t for t in state.jobs[vi] if state.seats[t].week == week]
                if not same_week:
                    continue
                displaced = -1
            for t in [displaced] if displaced >= 0 else same_week:
                if t in moving or not state.cap_room(vi, si, freed=[t]):
                    continue
                state.take(t)
                state.give(si, vi)
                moving.add(t)
                if _augment(state, pairs, t, depth - 1, moving, failed):
                    return True
                moving.discard(t)
                state.take(si)
                state.give(t, vi)
    failed.add((si, depth))
    return False


def greedy(
    seats: Sequence[Seat],
    volunteers: Sequence[Volunteer],
    score: Score,
    pairs: list[list[int]] | None = None,
) -> Result:
    """Baseline: first come, first served, each seat to its best-scored free volunteer
    (what a coordinator working down the list, or instant matching alone, would do)."""
    pairs = pairs if pairs is not None else eligible_pairs(seats, volunteers)
    state = _State(seats, volunteers)
    for si in sorted(range(len(seats)), key=lambda i: (seats[i].start, i)):
        ranked = sorted(pairs[si], key=lambda vi: -score(si, vi))
        for vi in ranked:
            if not state.clashing(vi, si) and state.cap_room(vi, si):
                state.give(si, vi)
                break
    return Result(
        assignment=dict(state.holder), eligible_pairs=sum(len(p) for p in pairs), augmented=0
    )
