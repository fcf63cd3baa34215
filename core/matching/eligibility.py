"""Who may be offered a seat at all. Every rule returns a reason a person can read."""

from __future__ import annotations

from typing import Any

import msgspec

from core.domain.time import Interval, covers


class Need(msgspec.Struct, frozen=True, kw_only=True):
    """What one seat of a request needs, and what scoring may look at."""

    window: Interval
    skills: frozenset[str]
    community_id: int = 0
    building: str | None = None
    grid: str = ""
    line: str = ""
    service: str = ""
    details: dict[str, Any] = {}
    request_id: int | None = None
    resident_id: int | None = None
    seat: int = 0
    urgent: bool = False
    priority: int = 0
    credentials: frozenset[str] = frozenset()  # staff-granted ones every volunteer needs


class Candidate(msgspec.Struct, frozen=True, kw_only=True):
    """A volunteer as matching sees them, loaded for one window.

    ``free`` is weekly availability plus one-off extra time minus time off; ``busy`` is
    accepted work plus offers still waiting for an answer (a volunteer is not offered two
    overlapping jobs at once). ``week_minutes`` counts accepted work in the week of the
    request's start, ``recent_minutes`` that week and the three before it.
    """

    volunteer_id: int
    account_id: int
    name: str
    skills: frozenset[str]
    free: tuple[Interval, ...]
    busy: tuple[Interval, ...]
    week_minutes: int
    weekly_cap_minutes: int
    community_id: int = 0
    building: str | None = None
    grid: str = ""
    levels: dict[str, int] = {}
    recent_minutes: int = 0
    reliability: float = 0.5
    # Mean stars this request's resident gave this volunteer before, or None.
    resident_stars: float | None = None
    preferred_lines: frozenset[str] = frozenset()
    party_member: bool = False
    credentials: frozenset[str] = frozenset()


def ineligibility(need: Need, candidate: Candidate) -> list[str]:
    """Why ``candidate`` cannot take ``need`` (plugin vetoes aside); empty means eligible."""
    reasons: list[str] = []
    missing = need.skills - candidate.skills
    if missing:
        reasons.append(f"lacks skills {', '.join(sorted(missing))}")
    lacking = need.credentials - candidate.credentials
    if lacking:
        reasons.append(f"not vetted: lacks {', '.join(sorted(lacking))} (granted by staff)")
    if not covers(candidate.free, need.window):
        reasons.append("not free for the whole window")
    if any(b.overlaps(need.window) for b in candidate.busy):
        reasons.append("already committed at that time")
    if candidate.week_minutes + need.window.minutes > candidate.weekly_cap_minutes:
        reasons.append(
            f"weekly cap of {candidate.weekly_cap_minutes / 60:g}h would be exceeded "
            f"({candidate.week_minutes} min already accepted)"
        )
    return reasons
