"""Per-compound matching and offer policy, set by staff (``PUT /communities/{id}/settings``).

Every field has a default, so a compound that never set anything gets sensible behaviour,
and a stored document missing newer fields still decodes.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

Weight = Annotated[float, Meta(ge=0, le=100)]


class Weights(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How much each part of the score counts. Every part is scaled to 0..1 (rating -1..1)
    before it is weighted, so a weight says how many points a perfect part is worth."""

    fairness: Weight = 3.0  # fewer recent hours (this and the last 3 weeks) first
    closeness: Weight = 2.0  # same building 1, same grid cell 0.5
    skill: Weight = 1.0  # mean self-declared level of the seat's skills, 1..5
    reliability: Weight = 2.0  # acceptance and completion record; old misses fade
    rating: Weight = 1.0  # what this resident thought of this volunteer before
    preference: Weight = 1.0  # the volunteer prefers this service line


class CommunitySettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    weights: Weights = Weights()
    # How matching runs: ``instant`` offers a request before its creating call returns;
    # ``batch`` waits for staff (or the scheduled run) to assign a whole period at once.
    matching: Literal["instant", "batch"] = "instant"
    # Minutes a volunteer has to answer an offer (never past the job's start); None takes
    # the server's default (REDBUTLER_OFFER_TTL_MINUTES, 120 unless set).
    offer_ttl_minutes: Annotated[int, Meta(ge=5, le=7 * 24 * 60)] | None = None
    # Urgent requests are offered to this many candidates per seat at once; first to accept
    # wins. 1 turns broadcast off.
    broadcast_top_n: Annotated[int, Meta(ge=1, le=20)] = 3
    # After this many declines the request stops being re-offered and goes to the staff's
    # unfilled queue (escalation: small matters stay in the compound, staff step in).
    escalate_after_declines: Annotated[int, Meta(ge=1, le=100)] = 3
    # Hours of finished jobs wait for staff approval before they count.
    hours_need_approval: bool = False
    # A reminder goes to the volunteer this many minutes before each accepted job.
    reminder_minutes_before: Annotated[int, Meta(ge=0, le=7 * 24 * 60)] = 120
    # A scheduled batch run every day at this local time ("HH:MM"), or none.
    batch_daily_at: Annotated[str, Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] | None = None
    # Seconds a batch run's matching may take: the combinatorial solution first, then
    # HiGHS looks for a better (proven) fill in what is left (0: combinatorial only).
    batch_time_limit_seconds: Annotated[float, Meta(ge=0, le=300)] = 10.0
    # How many days ahead a scheduled batch run assigns.
    batch_horizon_days: Annotated[int, Meta(ge=1, le=14)] = 7


def decode_settings(raw: object) -> CommunitySettings:
    """The stored document as settings; fields it lacks take their defaults."""
    return msgspec.convert(raw or {}, CommunitySettings)
