"""Inputs and records of school-safety posts (护学岗), security patrols and traffic duty."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

Name = Annotated[str, Meta(min_length=1, max_length=80)]
Kind = Literal["school-post", "patrol", "traffic"]
Weekday = Annotated[int, Meta(ge=0, le=6)]


class Input(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class PatrolSettings(Input, frozen=True, kw_only=True):
    """Per compound: how many volunteers a patrol needs at least (never fewer than two)."""

    patrol_team_minimum: Annotated[int, Meta(ge=2, le=20)] = 2
    # Minutes before a shift starts, and after it ends, in which checkpoints may be logged.
    checkpoint_grace_minutes: Annotated[int, Meta(ge=0, le=120)] = 15


class ShiftDetails(Input, frozen=True, kw_only=True):
    """What a shift's request carries (filed by the line when staff generate shifts)."""

    plan_id: int
    name: Name
    volunteers: Annotated[int, Meta(ge=1, le=100)]


class SchoolIn(Input, frozen=True, kw_only=True):
    name: Name
    gates: Annotated[list[Name], Meta(min_length=1, max_length=10)]


class GateRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str


class SchoolRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    community_id: int
    name: str
    gates: list[GateRecord]


class RouteIn(Input, frozen=True, kw_only=True):
    name: Name
    checkpoints: Annotated[list[Name], Meta(min_length=2, max_length=30)]  # in walking order


class RouteRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    community_id: int
    name: str
    checkpoints: list[str]


class PlanIn(Input, frozen=True, kw_only=True):
    """A recurring shift: a school-gate post (``gate_id``), a patrol (``route_id``, a team
    of at least two) or traffic duty. Shifts recur on ``weekdays`` from ``starts_on`` to
    ``ends_on``, without ``skip_dates`` (holidays) and with ``extra_dates`` (make-up days)."""

    kind: Kind
    name: Name
    gate_id: int | None = None
    route_id: int | None = None
    weekdays: Annotated[list[Weekday], Meta(min_length=1, max_length=7)]
    start: time
    end: time
    volunteers: Annotated[int, Meta(ge=1, le=100)]
    starts_on: date
    ends_on: date | None = None
    skip_dates: Annotated[list[date], Meta(max_length=200)] = []
    extra_dates: Annotated[list[date], Meta(max_length=100)] = []
    building: Annotated[str, Meta(max_length=16)] | None = None


class PlanRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    community_id: int
    kind: str
    name: str
    gate_id: int | None
    route_id: int | None
    weekdays: list[int]
    start: time
    end: time
    volunteers: int
    starts_on: date
    ends_on: date | None
    skip_dates: list[date]
    extra_dates: list[date]
    signed_up: list[int]  # volunteer ids


class ShiftsIn(Input, frozen=True, kw_only=True):
    start: date
    end: date


class ShiftRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    plan_id: int
    day: date
    start: datetime
    end: datetime
    request_id: int | None


class CheckpointIn(Input, frozen=True, kw_only=True):
    checkpoint: Annotated[int, Meta(ge=0, le=29)]  # index in the route's order


class CheckpointRecord(msgspec.Struct, frozen=True, kw_only=True):
    shift_id: int
    account_id: int
    checkpoint: int
    name: str
    at: datetime


class IncidentIn(Input, frozen=True, kw_only=True):
    community_id: int
    what: Annotated[str, Meta(min_length=3, max_length=1000)]
    where: Annotated[str, Meta(min_length=1, max_length=200)]
    happened_at: datetime | None = None  # default: now
    shift_id: int | None = None
    photo_ref: Annotated[str, Meta(max_length=300)] | None = None  # a link or file reference


class IncidentRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    community_id: int
    shift_id: int | None
    reporter_account_id: int
    reporter_name: str
    what: str
    where: str
    happened_at: datetime
    photo_ref: str | None
    reported_at: datetime
