"""Output structs: what use cases return and the API sends. Times are in the community's zone."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec

from core.domain.enums import EventKind, OfferStatus, RequestStatus, Role
from core.domain.time import WeeklyWindow


class Record(msgspec.Struct, frozen=True, kw_only=True):
    pass


class CommunityRecord(Record, frozen=True):
    id: int
    slug: str
    name: str
    timezone: str
    buildings: list[str]
    grids: dict[str, str] = {}  # building -> grid cell, for buildings that have one


class MembershipRecord(Record, frozen=True):
    community_id: int
    role: Role


class AccountRecord(Record, frozen=True):
    id: int
    name: str
    # E.164; to anyone but the account itself masked (+86 138****0001), except in the
    # answer to the call that added the member with it.
    phone: str | None
    is_admin: bool
    memberships: list[MembershipRecord]


class IssuedToken(Record, frozen=True):
    account_id: int
    token: str  # shown once; only its hash is stored
    label: str


class ResidentRecord(Record, frozen=True):
    id: int
    account_id: int
    community_id: int
    name: str
    building: str | None
    unit: str
    room: str
    elderly: bool
    lives_alone: bool
    no_smartphone: bool


class TimeOffRecord(Record, frozen=True):
    id: int
    start: datetime
    end: datetime
    reason: str


class ExtraTimeRecord(Record, frozen=True):
    id: int
    start: datetime
    end: datetime
    note: str


class VolunteerRecord(Record, frozen=True):
    id: int
    account_id: int
    community_id: int
    name: str
    party_member: bool
    active: bool
    skills: list[str]
    weekly_cap_hours: float
    home_building: str | None
    availability: list[WeeklyWindow]
    time_off: list[TimeOffRecord]
    skill_levels: dict[str, int] = {}
    credentials: list[str] = []  # granted by staff (PUT /volunteers/{id}/credentials)
    preferred_lines: list[str] = []
    extra_time: list[ExtraTimeRecord] = []
    calendar_feed: bool = False  # whether an iCal feed address has been issued


class CalendarFeed(Record, frozen=True):
    volunteer_id: int
    path: str  # secret: anyone with it can read the feed; issue a new one to revoke


class MemberAdded(Record, frozen=True):
    account: AccountRecord
    resident: ResidentRecord | None = None
    volunteer: VolunteerRecord | None = None
    token: IssuedToken | None = None
    # Other accounts of this compound on the same phone number: a household's shared
    # landline, or the same person registered twice (then add roles with account_id).
    same_phone: list[int] = []


class SkillRecord(Record, frozen=True):
    key: str
    title: str
    description: str


class ServiceTypeRecord(Record, frozen=True):
    key: str
    title: str
    description: str
    required_skills: list[str]
    team_size: int
    default_duration_minutes: int
    details_schema: dict[str, Any]


class ServiceLineRecord(Record, frozen=True):
    key: str
    title: str
    description: str
    services: list[ServiceTypeRecord]
    settings_schema: dict[str, Any]
    max_duration_minutes: int


class CommunityLineRecord(Record, frozen=True):
    community_id: int
    line: str
    title: str
    enabled: bool
    settings: dict[str, Any]


class Window(Record, frozen=True):
    start: datetime
    end: datetime


class Place(Record, frozen=True):
    building: str | None
    unit: str = ""
    room: str = ""


class HistoryRecord(Record, frozen=True):
    at: datetime
    event: EventKind
    from_status: RequestStatus | None
    to_status: RequestStatus | None
    actor_account_id: int | None
    actor_name: str | None
    volunteer_account_id: int | None
    offer_id: int | None
    note: str


class AssignmentRecord(Record, frozen=True):
    offer_id: int
    volunteer_id: int
    volunteer_account_id: int
    volunteer_name: str
    party_member: bool  # shown to residents: "show your identity" (亮身份)
    status: OfferStatus


class RequestRecord(Record, frozen=True):
    id: int
    community_id: int
    line: str
    service: str
    details: dict[str, Any]
    window: Window
    place: Place
    resident_id: int | None  # None: the compound's own work (a class session, a shift)
    resident_name: str | None
    filed_by_account_id: int
    status: RequestStatus
    seats: int
    filled: int
    priority: int
    required_skills: list[str]
    notes: str
    created_at: datetime
    seat_skills: list[list[str]] = []
    required_credentials: list[str] = []
    urgent: bool = False
    declines: int = 0
    assignments: list[AssignmentRecord] = []
    history: list[HistoryRecord] = []


class OfferedJob(Record, frozen=True):
    """The request as the offered volunteer sees it. The door (unit, room), the resident's
    name and phone are revealed only once the volunteer has accepted."""

    request_id: int
    community_id: int
    line: str
    service: str
    details: dict[str, Any]
    window: Window
    building: str | None
    priority: int
    notes: str
    unit: str | None = None
    room: str | None = None
    resident_name: str | None = None
    resident_phone: str | None = None


class OfferRecord(Record, frozen=True):
    id: int
    status: OfferStatus
    volunteer_id: int
    volunteer_account_id: int
    volunteer_name: str
    score: float
    score_breakdown: dict[str, float]
    offered_at: datetime
    expires_at: datetime
    responded_at: datetime | None
    decline_reason: str
    completed_at: datetime | None
    minutes: int | None
    job: OfferedJob
    seat: int = 0
    broadcast: bool = False
    batch_run_id: int | None = None


class AllianceRecord(Record, frozen=True):
    id: int
    name: str
    members: dict[int, str]  # community id -> "active" or "invited"


class HoursEntryRecord(Record, frozen=True):
    id: int
    volunteer_id: int
    community_id: int
    offer_id: int | None
    line: str
    worked_on: date
    minutes: int
    kind: str  # job | correction
    status: str  # pending | approved | rejected
    note: str
    created_at: datetime
    decided_at: datetime | None


class RatingRecord(Record, frozen=True):
    id: int
    offer_id: int
    request_id: int
    volunteer_id: int
    stars: int
    comment: str
    created_at: datetime


class Satisfaction(Record, frozen=True):
    key: str  # the service line, or the volunteer's id
    name: str
    ratings: int
    mean_stars: float
    share_satisfied: float  # rated 4 or 5


class MonthlyHours(Record, frozen=True):
    month: str  # YYYY-MM
    volunteer_id: int
    volunteer_name: str
    line: str
    hours: float


class CommunityStats(Record, frozen=True):
    community_id: int
    start: date
    end: date
    satisfaction_by_line: list[Satisfaction]
    satisfaction_by_volunteer: list[Satisfaction]
    hours: list[MonthlyHours]


class NotificationRecord(Record, frozen=True):
    id: int
    kind: str
    title: str
    body: str
    request_id: int | None
    offer_id: int | None
    due_at: datetime
    read: bool


class BatchAssignment(Record, frozen=True):
    request_id: int
    seat: int
    volunteer_id: int
    offer_id: int
    score: float


class BatchRunRecord(Record, frozen=True):
    id: int
    community_id: int
    period_start: datetime
    period_end: datetime
    solver: str  # which method's assignment was kept: highs, combinatorial (none: no seats)
    seats_open: int
    seats_filled: int
    fill_rate: float
    offers_made: int
    duration_ms: float
    created_at: datetime
    inputs: dict[str, Any]
    assignments: list[BatchAssignment]


class RevealRecord(Record, frozen=True):
    account_id: int
    request_id: int
    offer_id: int
    via: str  # accept | offer
    at: datetime
