"""Batch matching: assign every open seat of a period at once.

The problem: each seat needs one volunteer holding its skills and free for its whole
window; a volunteer may take many seats, but never two that overlap in time and never more
minutes in a week than their weekly cap. Maximise first the number of filled seats, then
the total score. It is not an assignment problem (a volunteer takes several seats, subject
to interval conflicts and a knapsack-like cap), so min-cost flow and
``linear_sum_assignment`` are exact only without the conflicts.

The engine (:func:`core.matching.exact.assign`) runs two methods and keeps the better:

1. this module's combinatorial algorithm, fast at any size (a district's week in about a
   second per compound):

   * **construction**: shortest seats first (when hours are scarce, as they are, short
     seats fill more of them), then seats with fewer eligible volunteers, higher priority,
     earlier; each to its best-scored feasible volunteer, the score lowered by the share of
     cap that volunteer has taken in this run (spreads hours);
   * **augmenting paths**: for each seat still open, a chain of moves that frees a
     volunteer for it (give it to *v*, move *v*'s one clashing seat to another volunteer,
     and so on, ``depth`` moves deep), as in bipartite matching;
   * **exchanges**: give an open seat to a volunteer in place of a longer job of theirs,
     when the longer job moves elsewhere or the freed minutes take another open seat;

2. the integer programme solved by HiGHS (:mod:`core.matching.exact`) within a time limit,
   which proves the maximum fill of one compound's week in 0.3-3 s here.

The combinatorial part alone reaches about 98% of the proven optimum on the benchmark's
compounds; with HiGHS in its time limit the engine reaches it (see ``bench/README.md``).
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
    exchange: bool = True,
) -> Result:
    """Assign seats to volunteers (see the module documentation)."""
    pairs = pairs if pairs is not None else eligible_pairs(seats, volunteers)
    state = _State(seats, volunteers)
    four_weeks = [max(v.cap * 4, 1) for v in volunteers]

    order = sorted(
        range(len(seats)),
        key=lambda si: (
            seats[si].minutes,
            len(pairs[si]),
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
    if exchange:
        augmented += _exchange(state, pairs, order, depth)
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


def _exchange(state: _State, pairs: list[list[int]], order: list[int], depth: int) -> int:
    """Trade one longer job of a volunteer for the open seat plus one more: give the open
    seat ``si`` to volunteer ``v`` in place of a longer job ``t`` of theirs, then either move
    ``t`` to someone else or fill the minutes it freed with another open seat of ``v``'s.
    Undone unless it fills one more seat. Returns how many seats it gained."""
    seats = state.seats
    eligible_for: list[list[int]] = [[] for _ in state.volunteers]
    for si in order:  # shortest first
        for vi in pairs[si]:
            eligible_for[vi].append(si)
    gained = 0
    for si in order:
        if si in state.holder:
            continue
        placed = False
        for vi in pairs[si]:
            clash = state.clashing(vi, si)
            if len(clash) > 1:
                continue
            longer = [t for t in state.jobs[vi] if seats[t].minutes > seats[si].minutes]
            for t in sorted(longer, key=lambda t: -seats[t].minutes):
                if (clash and clash[0] != t) or not state.cap_room(vi, si, freed=[t]):
                    continue
                state.take(t)
                state.give(si, vi)
                if _augment(state, pairs, t, depth, {t, si}, set()):
                    placed = True
                else:
                    for u in eligible_for[vi]:
                        if (
                            u != t
                            and u not in state.holder
                            and not state.clashing(vi, u)
                            and (state.cap_room(vi, u))
                        ):
                            state.give(u, vi)
                            placed = True
                            break
                if placed:
                    break
                state.take(si)
                state.give(t, vi)
            if placed:
                gained += 1
                break
    return gained


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
