"""How eligible volunteers are ordered. The score and its breakdown are stored on each offer,
so staff and volunteers can see why a person was proposed.

Each part is scaled to 0..1 (the rating part to -1..1) and multiplied by the compound's
weight for it (:class:`core.domain.policy.Weights`):

* ``fairness``: 1 - share of four weeks' cap already worked (this week and the three
  before), so work is spread and nobody burns out;
* ``closeness``: 1 in the request's building, 0.5 in its grid cell;
* ``skill``: mean self-declared level (1-5) of the seat's skills, divided by 5;
* ``reliability``: acceptance and completion record with old misses fading (computed when
  candidates are loaded, see ``core.storage.people``);
* ``rating``: (mean stars this resident gave this volunteer - 3) / 2, 0 if never rated;
* ``preference``: 1 if the volunteer prefers this service line.

Plugins add their own parts through the ``adjust_score`` hook and veto candidates through
``veto_candidate``; both appear in the breakdown or the reasons. Ties go to fewer accepted
minutes this week, then the lowest volunteer id, so the order is deterministic.

The instant path evaluates the same formula in SQL to shortlist candidates
(``core.storage.shortlist``): a change to ``_parts`` must be made there too, and
``tests/test_shortlist.py`` fails until both agree.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from typing import Protocol

import msgspec

from core.domain.policy import Weights
from core.matching.eligibility import Candidate, Need, ineligibility


class Ranked(msgspec.Struct, frozen=True, kw_only=True):
    candidate: Candidate
    score: float
    breakdown: dict[str, float]


class MatchHooks(Protocol):
    """What plugins contribute to matching (the plugin host implements it)."""

    @property
    def vets(self) -> bool:
        """Whether any plugin implements ``veto_candidate`` (the calls are skipped if not)."""
        ...

    @property
    def adjusts(self) -> bool:
        """Whether any plugin implements ``adjust_score``."""
        ...

    def vetoes(self, need: Need, candidate: Candidate) -> list[str]: ...

    def adjustments(self, need: Need, candidate: Candidate) -> dict[str, float]: ...


class Matcher(Protocol):
    def rank(
        self,
        need: Need,
        candidates: Iterable[Candidate],
        weights: Weights | None = None,
        hooks: MatchHooks | None = None,
        limit: int | None = None,
    ) -> list[Ranked]:
        """Eligible candidates, best first (the best ``limit`` of them if given)."""
        ...


PARTS = ("fairness", "closeness", "skill", "reliability", "rating", "preference")


def _parts(need: Need, candidate: Candidate, weights: Weights) -> tuple[float, ...]:
    cap = max(candidate.weekly_cap_minutes * 4, 1)
    recent = min(candidate.recent_minutes / cap, 1.0)
    same_place = candidate.community_id == need.community_id
    if same_place and need.building is not None and candidate.building == need.building:
        near = 1.0
    elif same_place and need.grid and candidate.grid == need.grid:
        near = 0.5
    else:
        near = 0.0
    if need.skills:
        levels = candidate.levels
        skill = sum(levels.get(s, 3) for s in need.skills) / (5 * len(need.skills))
    else:
        skill = 0.0
    stars = candidate.resident_stars
    rating = (stars - 3) / 2 if stars is not None else 0.0
    prefers = 1.0 if need.line and need.line in candidate.preferred_lines else 0.0
    return (
        round(weights.fairness * (1.0 - recent), 4),
        round(weights.closeness * near, 4),
        round(weights.skill * skill, 4),
        round(weights.reliability * candidate.reliability, 4),
        round(weights.rating * rating, 4),
        round(weights.preference * prefers, 4),
    )


def score_parts(need: Need, candidate: Candidate, weights: Weights) -> dict[str, float]:
    return dict(zip(PARTS, _parts(need, candidate, weights), strict=True))


class ScoringMatcher:
    def __init__(self, weights: Weights | None = None) -> None:
        self.weights = weights or Weights()

    def score(
        self,
        need: Need,
        candidate: Candidate,
        weights: Weights | None = None,
        hooks: MatchHooks | None = None,
    ) -> Ranked:
        breakdown = score_parts(need, candidate, weights or self.weights)
        if hooks is not None and hooks.adjusts:
            for key, value in hooks.adjustments(need, candidate).items():
                breakdown[key] = round(breakdown.get(key, 0.0) + value, 4)
        return Ranked(
            candidate=candidate, score=round(sum(breakdown.values()), 4), breakdown=breakdown
        )

    def rank(
        self,
        need: Need,
        candidates: Iterable[Candidate],
        weights: Weights | None = None,
        hooks: MatchHooks | None = None,
        limit: int | None = None,
    ) -> list[Ranked]:
        """Eligible candidates, best first (the best ``limit`` of them if given). Ties go
        to fewer accepted minutes this week, then the lower volunteer id."""
        weights = weights or self.weights
        vetoes = hooks.vetoes if hooks is not None and hooks.vets else None
        adjustments = hooks.adjustments if hooks is not None and hooks.adjusts else None
        keyed: list[tuple[float, int, int, Candidate]] = []
        for c in candidates:
            if ineligibility(need, c) or (vetoes is not None and vetoes(need, c)):
                continue
            parts = _parts(need, c, weights)
            extra = sum(adjustments(need, c).values()) if adjustments is not None else 0.0
            keyed.append((-round(sum(parts) + extra, 4), c.week_minutes, c.volunteer_id, c))
        best = heapq.nsmallest(limit, keyed) if limit is not None else sorted(keyed)
        return [self.score(need, c, weights, hooks) for *_, c in best]
