"""Who may be offered a request at all. Every rule returns a reason a person can read."""

from __future__ import annotations

import msgspec

from core.domain.time import Interval, covers


class Need(msgspec.Struct, frozen=True, kw_only=True):
    """What one seat of a request needs."""

    window: Interval
    skills: frozenset[str]
    building: str | None = None


class Candidate(msgspec.Struct, frozen=True, kw_only=True):
    """A volunteer as matching sees them, loaded for one request's window.

    ``free`` is weekly availability minus time off; ``busy`` is accepted work plus offers
    still waiting for an answer (a volunteer is not offered two overlapping jobs at once).
    ``week_minutes`` counts accepted work in the week of the request's start.
    """

    volunteer_id: int
    account_id: int
    name: str
    skills: frozenset[str]
    free: tuple[Interval, ...]
    busy: tuple[Interval, ...]
    week_minutes: int
    weekly_cap_minutes: int
    building: str | None = None


def ineligibility(need: Need, candidate: Candidate) -> list[str]:
    """Why ``candidate`` cannot take ``need``; an empty list means eligible."""
    reasons: list[str] = []
    missing = need.skills - candidate.skills
    if missing:
        reasons.append(f"lacks skills {', '.join(sorted(missing))}")
    if not covers(candidate.free, need.window):
        reasons.append("not free for the whole window")
    if any(b.overlaps(need.window) for b in candidate.busy):
        reasons.append("already committed at that time")
    if candidate.week_minutes + need.window.minutes > candidate.weekly_cap_minutes:
        reasons.append(
            f"weekly cap of {candidate.weekly_cap_minutes // 60}h would be exceeded "
            f"({candidate.week_minutes} min already accepted)"
        )
    return reasons
