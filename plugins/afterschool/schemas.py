"""Inputs, records and settings of the after-school class (四点半课堂), as msgspec structs."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from core.domain.commands import Phone

Name = Annotated[str, Meta(min_length=1, max_length=80)]
Text = Annotated[str, Meta(max_length=500)]
SkillKey = Annotated[str, Meta(min_length=1, max_length=64)]


class Input(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class AfterschoolSettings(Input, frozen=True, kw_only=True):
    """Per-compound settings (``PUT /communities/{id}/service-lines/afterschool``)."""

    children_per_tutor: Annotated[int, Meta(ge=1, le=40)] = 8
    # Tutors must hold this staff-granted credential (vetted for work with children).
    vetting_credential: Annotated[str, Meta(min_length=2, max_length=64)] = "child-safeguarding"


class SessionDetails(Input, frozen=True, kw_only=True):
    """What a session's tutor request carries (filed by the line, not by residents)."""

    class_id: int
    class_name: Name
    children: Annotated[int, Meta(ge=0, le=1000)]
    subjects: Annotated[list[SkillKey], Meta(max_length=10)] = []


class Holiday(Input, frozen=True, kw_only=True):
    start: date
    end: date  # inclusive
    name: Annotated[str, Meta(max_length=80)] = ""


class CalendarIn(Input, frozen=True, kw_only=True):
    """The school calendar staff keep: the term, holidays, and make-up school days
    (调休: a weekend day that is a school day)."""

    term_start: date
    term_end: date
    holidays: Annotated[list[Holiday], Meta(max_length=100)] = []
    makeup_days: Annotated[list[date], Meta(max_length=50)] = []


class CalendarRecord(CalendarIn, frozen=True, kw_only=True):
    community_id: int


Weekday = Annotated[int, Meta(ge=0, le=6)]


class ClassIn(Input, frozen=True, kw_only=True):
    """A class: the four-thirty class on school days by default; a holiday class runs on
    the days listed in ``weekdays`` from ``starts_on`` to ``ends_on`` whatever the term."""

    name: Name
    kind: Literal["four-thirty", "holiday", "seven-colour"] = "four-thirty"
    weekdays: Annotated[list[Weekday], Meta(min_length=1, max_length=7)] = msgspec.field(
        default_factory=lambda: [0, 1, 2, 3, 4]
    )
    start: time = time(16, 30)
    end: time = time(18, 30)
    seat_limit: Annotated[int, Meta(ge=1, le=1000)]
    starts_on: date | None = None  # default: the term's start
    ends_on: date | None = None  # default: the term's end
    subjects: Annotated[list[SkillKey], Meta(max_length=10)] = []
    building: Annotated[str, Meta(max_length=16)] | None = None  # where it is held
    notes: Text = ""


class ClassRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    community_id: int
    name: str
    kind: str
    weekdays: list[int]
    start: time
    end: time
    seat_limit: int
    enrolled: int
    waitlisted: int
    starts_on: date | None
    ends_on: date | None
    subjects: list[str]
    building: str | None
    notes: str


class SessionsIn(Input, frozen=True, kw_only=True):
    """Generate sessions (and their tutor requests) for school days in [start, end]."""

    start: date
    end: date


class SessionRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    class_id: int
    day: date
    start: datetime
    end: datetime
    request_id: int | None
    tutors_needed: int
    children: int


class Collector(Input, frozen=True, kw_only=True):
    """An adult allowed to collect the child."""

    name: Name
    relation: Annotated[str, Meta(max_length=40)] = ""
    phone: Phone | None = None


class ChildIn(Input, frozen=True, kw_only=True):
    community_id: int
    name: Name
    age: Annotated[int, Meta(ge=2, le=18)] | None = None
    grade: Annotated[str, Meta(max_length=20)] = ""
    school: Annotated[str, Meta(max_length=80)] = ""
    notes: Text = ""  # allergies, medication, who to call
    collectors: Annotated[list[Collector], Meta(min_length=1, max_length=10)]


class ChildRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    community_id: int
    guardian_account_id: int
    name: str
    age: int | None
    grade: str
    school: str
    notes: str
    collectors: list[Collector]


class EnrolIn(Input, frozen=True, kw_only=True):
    child_id: int


class EnrolmentRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    class_id: int
    child_id: int
    child_name: str
    status: Literal["enrolled", "waitlisted", "withdrawn"]
    waitlist_position: int | None  # 1 = next to be promoted
    created_at: datetime


class CheckInIn(Input, frozen=True, kw_only=True):
    child_id: int


class CheckOutIn(Input, frozen=True, kw_only=True):
    child_id: int
    collected_by: Name  # must be one of the child's collectors


class AttendanceRecord(msgspec.Struct, frozen=True, kw_only=True):
    session_id: int
    day: date
    class_name: str
    child_id: int
    child_name: str
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    collected_by: str | None
