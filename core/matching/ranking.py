"""How eligible volunteers are ordered. The score and its breakdown are stored on each offer.

Score = ``weights.fairness`` × (1 - share of the weekly cap already accepted)
      + ``weights.closeness`` × (1 if the volunteer lives in the request's building else 0).

So the least-loaded volunteer comes first (work is spread), and among equals a neighbour
in the same building. Ties go to fewer accepted minutes this week, then the lowest
volunteer id (the longest-standing), so the order is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import msgspec

from core.matching.eligibility import Candidate, Need, ineligibility


class Weights(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    fairness: float = 3.0
    closeness: float = 2.0


class Ranked(msgspec.Struct, frozen=True, kw_only=True):
    candidate: Candidate
    score: float
    breakdown: dict[str, float]


class Matcher(Protocol):
    def rank(self, need: Need, candidates: Iterable[Candidate]) -> list[Ranked]:
        """Eligible candidates, best first."""
        ...


class ScoringMatcher:
    def __init__(self, weights: Weights | None = None) -> None:
        self.weights = weights or Weights()

    def score(self, need: Need, candidate: Candidate) -> Ranked:
        cap = max(candidate.weekly_cap_minutes, 1)
        load = min(candidate.week_minutes / cap, 1.0)
        breakdown = {
            "fairness": round(self.weights.fairness * (1.0 - load), 4),
            "closeness": self.weights.closeness
            if need.building is not None and candidate.building == need.building
            else 0.0,
        }
        return Ranked(
            candidate=candidate, score=round(sum(breakdown.values()), 4), breakdown=breakdown
        )

    def rank(self, need: Need, candidates: Iterable[Candidate]) -> list[Ranked]:
        ranked = [self.score(need, c) for c in candidates if not ineligibility(need, c)]
        ranked.sort(key=lambda r: (-r.score, r.candidate.week_minutes, r.candidate.volunteer_id))
        return ranked
