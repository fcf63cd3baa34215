"""Input structs: what callers may send. Unknown fields are refused (no mass assignment).

Datetimes without an offset are read as wall time in the community's zone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from core.domain.enums import Role
from core.domain.time import WeeklyWindow

Name = Annotated[str, Meta(min_length=1, max_length=100)]
Short = Annotated[str, Meta(max_length=16)]
Slug = Annotated[str, Meta(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
# Checked against the numbering plans and stored in E.164 (``core.domain.phone``).
Phone = Annotated[
    str,
    Meta(
        min_length=3,
        max_length=32,
        pattern=r"^\+?[0-9 ().-]+$",
        description="A phone number, stored and returned in E.164 (+8613800138000). Without "
        "+country code it is read as a Chinese number: a mobile (138 0013 8000) or a "
        "landline with its area code (0564 332 1001). A number no country allocates is a 422.",
    ),
]
Key = Annotated[str, Meta(min_length=1, max_length=64)]
Note = Annotated[str, Meta(max_length=300)]
CapHours = Annotated[float, Meta(ge=0, le=80)]
Level = Annotated[int, Meta(ge=1, le=5)]


class Input(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class CreateCommunity(Input, frozen=True):
    slug: Slug
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    timezone: Annotated[str, Meta(min_length=1, max_length=64)] = "Asia/Shanghai"
    buildings: Annotated[list[Short], Meta(max_length=500)] = []


class AddBuildings(Input, frozen=True):
    names: Annotated[list[Short], Meta(min_length=1, max_length=500)]
    grid: Annotated[str, Meta(max_length=32)] = ""  # the grid cell (网格) they belong to


class ResidentFields(Input, frozen=True):
    building: Short | None = None
    unit: Short = ""
    room: Short = ""
    elderly: bool = False
    lives_alone: bool = False
    no_smartphone: bool = False


class VolunteerFields(Input, frozen=True):
    skills: Annotated[list[Key], Meta(max_length=50)] = []
    weekly_cap_hours: CapHours = 8.0
    party_member: bool = False
    home_building: Short | None = None
    availability: Annotated[list[WeeklyWindow], Meta(max_length=100)] = []
    skill_levels: dict[Key, Level] = {}  # 1 learning .. 5 expert; unlisted skills are 3
    preferred_lines: Annotated[list[Key], Meta(max_length=20)] = []


class AddMember(Input, frozen=True):
    """Register a person in a community in one role. ``account_id`` adds a role to an
    existing account (e.g. a resident who also volunteers); otherwise a new account is made."""

    role: Role
    name: Name | None = None
    phone: Phone | None = None
    account_id: int | None = None
    resident: ResidentFields | None = None
    volunteer: VolunteerFields | None = None
    issue_token: bool = False


class UpdateVolunteer(Input, frozen=True):
    skills: Annotated[list[Key], Meta(max_length=50)] | UnsetType = UNSET
    weekly_cap_hours: CapHours | UnsetType = UNSET
    party_member: bool | UnsetType = UNSET
    home_building: Short | UnsetType | None = UNSET
    availability: Annotated[list[WeeklyWindow], Meta(max_length=100)] | UnsetType = UNSET
    active: bool | UnsetType = UNSET
    skill_levels: dict[Key, Level] | UnsetType = UNSET
    preferred_lines: Annotated[list[Key], Meta(max_length=20)] | UnsetType = UNSET


class AddTimeOff(Input, frozen=True):
    start: datetime
    end: datetime
    reason: Note = ""


Credential = Annotated[str, Meta(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]


class SetCredentials(Input, frozen=True):
    """Staff: the credentials this volunteer holds (replaces the list), e.g. vetted for work
    with children (``child-safeguarding``)."""

    credentials: Annotated[list[Credential], Meta(max_length=30)]


class AddExtraTime(Input, frozen=True):
    start: datetime
    end: datetime
    note: Note = ""


class ConfigureLine(Input, frozen=True):
    enabled: bool
    settings: dict[str, Any] | None = None


class WindowIn(Input, frozen=True):
    start: datetime
    end: datetime | None = None  # default: start + the service's usual duration


class PlaceIn(Input, frozen=True):
    building: Short | None = None
    unit: Short = ""
    room: Short = ""


class NewRequest(Input, frozen=True):
    community_id: int
    line: Key
    service: Key
    window: WindowIn
    details: dict[str, Any]
    resident_id: int | None = None  # staff filing for a resident; residents file for themselves
    place: PlaceIn | None = None  # default: the resident's home
    notes: Note = ""
    # Urgent requests are broadcast to several candidates at once (first to accept wins)
    # and rank first in queues.
    urgent: bool = False


class UpdateAccount(Input, frozen=True):
    """Correct a person's name or phone: fields sent are replaced, ``phone: null`` removes
    the number."""

    name: Name | UnsetType = UNSET
    phone: Phone | UnsetType | None = UNSET


class IssueToken(Input, frozen=True):
    label: Annotated[str, Meta(max_length=100)] = ""


class Decline(Input, frozen=True):
    reason: Note = ""


class Complete(Input, frozen=True):
    minutes: Annotated[int, Meta(ge=1, le=24 * 60)] | None = None
    note: Note = ""


class Cancel(Input, frozen=True):
    reason: Note = ""


class StaffOffer(Input, frozen=True):
    volunteer_id: int


class NoShow(Input, frozen=True):
    note: Note = ""


class Rate(Input, frozen=True):
    """A resident's rating of one volunteer's finished work on a request."""

    stars: Annotated[int, Meta(ge=1, le=5)]
    comment: Annotated[str, Meta(max_length=500)] = ""
    offer_id: int | None = None  # which volunteer; may be left out when there was one


class HoursCorrection(Input, frozen=True):
    """Staff: add or take back minutes in the ledger (a new entry; nothing is edited)."""

    volunteer_id: int
    minutes: Annotated[int, Meta(ge=-24 * 60, le=24 * 60)]
    worked_on: date
    line: Key
    note: Annotated[str, Meta(min_length=1, max_length=300)]


class DecideHours(Input, frozen=True):
    approve: bool
    note: Note = ""


class BatchRunIn(Input, frozen=True):
    """Assign every open seat starting in [start, end) (local times read in the compound's
    zone); default: from now for the compound's batch horizon."""

    start: datetime | None = None
    end: datetime | None = None


class NewAlliance(Input, frozen=True):
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    community_id: int  # the founding compound, whose staff create the alliance


class InviteCompound(Input, frozen=True):
    community_id: int
