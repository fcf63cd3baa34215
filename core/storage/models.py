"""Tortoise models of the core. Plugins keep their own tables in their own apps.

Foreign keys that history depends on are RESTRICT: a community, account or request with
bookings cannot be deleted out from under its records. Invariants that must hold under
concurrency are unique constraints (see ``VolunteerSlot``, ``Offer``), with capacity taken
by conditional updates in ``core.storage.repo``.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.fields import OnDelete
from tortoise.models import Model

RESTRICT = OnDelete.RESTRICT
CASCADE = OnDelete.CASCADE


class Community(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    timezone = fields.CharField(max_length=64, default="Asia/Shanghai")
    # Matching and offer policy (``core.domain.policy.CommunitySettings``), set by staff.
    settings: Any = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "community"


# Compounds whose staff have linked them so volunteers of one can serve the others (the
# domain brief's alliance of property companies). A compound is in the pool once its staff
# have accepted (``status`` active); an invitation alone shares nothing.
class Alliance(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    created_by_id: int
    created_by: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name=False, on_delete=RESTRICT
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "alliance"


class AllianceMember(Model):
    id = fields.IntField(primary_key=True)
    alliance_id: int
    community_id: int
    alliance: fields.ForeignKeyRelation[Alliance] = fields.ForeignKeyField(
        "core.Alliance", related_name="members", on_delete=CASCADE
    )
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="alliances", on_delete=RESTRICT
    )
    status = fields.CharField(max_length=16)  # invited | active
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "alliance_member"
        unique_together = (("alliance", "community"),)
        indexes = (("community_id", "status"),)  # a compound's alliances (every booking)


class Building(Model):
    id = fields.IntField(primary_key=True)
    community_id: int
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="buildings", on_delete=RESTRICT
    )
    name = fields.CharField(max_length=32)
    # The grid cell (网格) the building belongs to; closeness counts a shared grid.
    grid = fields.CharField(max_length=32, default="")

    class Meta:
        table = "building"
        unique_together = (("community", "name"),)


class Account(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    phone = fields.CharField(max_length=32, null=True)  # E.164 (core.domain.phone)
    is_admin = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "account"
        indexes = (("phone",),)  # who is calling the duty phone


# A bearer token. Only its SHA-256 is stored; the secret is shown once at creation.
class ApiToken(Model):
    id = fields.IntField(primary_key=True)
    account_id: int
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="tokens", on_delete=CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    label = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"


# One role of one account in one community.
class Membership(Model):
    id = fields.IntField(primary_key=True)
    account_id: int
    community_id: int
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="memberships", on_delete=RESTRICT
    )
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="memberships", on_delete=RESTRICT
    )
    role = fields.CharField(max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "membership"
        indexes = (("community_id", "role"),)  # a compound's members
        unique_together = (("account", "community", "role"),)


# A household member who can be served; ``membership`` has role resident.
class Resident(Model):
    id = fields.IntField(primary_key=True)
    membership_id: int
    building_id: int
    membership: fields.OneToOneRelation[Membership] = fields.OneToOneField(
        "core.Membership", related_name="resident", on_delete=RESTRICT
    )
    building: fields.ForeignKeyNullableRelation[Building] = fields.ForeignKeyField(
        "core.Building", related_name="residents", on_delete=RESTRICT, null=True
    )
    unit = fields.CharField(max_length=16, default="")
    room = fields.CharField(max_length=16, default="")
    elderly = fields.BooleanField(default=False)
    lives_alone = fields.BooleanField(default=False)
    no_smartphone = fields.BooleanField(default=False)

    class Meta:
        table = "resident"


# A volunteer's profile in one community; ``membership`` has role volunteer.
class Volunteer(Model):
    id = fields.IntField(primary_key=True)
    membership_id: int
    home_building_id: int
    membership: fields.OneToOneRelation[Membership] = fields.OneToOneField(
        "core.Membership", related_name="volunteer", on_delete=RESTRICT
    )
    party_member = fields.BooleanField(default=False)
    weekly_cap_minutes = fields.IntField(default=8 * 60)
    home_building: fields.ForeignKeyNullableRelation[Building] = fields.ForeignKeyField(
        "core.Building", related_name="volunteers", on_delete=RESTRICT, null=True
    )
    active = fields.BooleanField(default=True)
    # Credentials staff have granted (vetted for work with children, a driving licence
    # checked): unlike skills, a volunteer cannot give these to themselves.
    credentials: Any = fields.JSONField(default=list)
    # Service line keys the volunteer prefers; an empty list means no preference.
    preferred_lines: Any = fields.JSONField(default=list)
    # Reliability record as exponentially fading sums (see core.storage.people.count_answer):
    # offers answered, accepted, completed, missed (no-show).
    rel_answered = fields.FloatField(default=0)
    rel_accepted = fields.FloatField(default=0)
    rel_completed = fields.FloatField(default=0)
    rel_missed = fields.FloatField(default=0)
    # SHA-256 of the secret in the volunteer's iCal feed address, or NULL for no feed.
    calendar_token_hash = fields.CharField(max_length=64, null=True, unique=True)

    class Meta:
        table = "volunteer"


class VolunteerSkill(Model):
    id = fields.IntField(primary_key=True)
    volunteer_id: int
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "core.Volunteer", related_name="skills", on_delete=CASCADE
    )
    skill = fields.CharField(max_length=64)
    level = fields.SmallIntField(default=3)  # 1 (learning) .. 5 (expert)

    class Meta:
        table = "volunteer_skill"
        unique_together = (("volunteer", "skill"),)
        indexes = (("skill", "volunteer_id"),)  # who holds a skill (instant matching)


# Weekly recurring free time in the community's local wall time.
class AvailabilityWindow(Model):
    id = fields.IntField(primary_key=True)
    volunteer_id: int
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "core.Volunteer", related_name="availability", on_delete=CASCADE
    )
    weekday = fields.SmallIntField()
    # Minutes after local midnight; end 1440 is midnight at the end of the day.
    start_minute = fields.SmallIntField()
    end_minute = fields.SmallIntField()

    class Meta:
        table = "availability_window"
        # Who is free at a wall time (instant matching); one volunteer's windows.
        indexes = (
            ("weekday", "start_minute", "end_minute", "volunteer_id"),
            ("volunteer_id", "weekday"),
        )


class TimeOff(Model):
    id = fields.IntField(primary_key=True)
    volunteer_id: int
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "core.Volunteer", related_name="time_off", on_delete=CASCADE
    )
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    reason = fields.CharField(max_length=200, default="")

    class Meta:
        table = "time_off"
        indexes = (("volunteer_id", "starts_at"),)


# One-off free time beyond the weekly pattern (a free Saturday morning).
class ExtraTime(Model):
    id = fields.IntField(primary_key=True)
    volunteer_id: int
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "core.Volunteer", related_name="extra_time", on_delete=CASCADE
    )
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    note = fields.CharField(max_length=200, default="")

    class Meta:
        table = "extra_time"
        indexes = (("volunteer_id", "starts_at"), ("starts_at", "ends_at"))


# Whether a service line is enabled in a community, and its settings there.
class CommunityServiceLine(Model):
    id = fields.IntField(primary_key=True)
    community_id: int
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="service_lines", on_delete=RESTRICT
    )
    line = fields.CharField(max_length=64)
    enabled = fields.BooleanField(default=False)
    settings: Any = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "community_service_line"
        unique_together = (("community", "line"),)


class ServiceRequest(Model):
    id = fields.IntField(primary_key=True)
    community_id: int
    building_id: int
    resident_id: int | None
    filed_by_id: int
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="requests", on_delete=RESTRICT
    )
    line = fields.CharField(max_length=64)
    service = fields.CharField(max_length=64)
    details: Any = fields.JSONField(default=dict)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    building: fields.ForeignKeyNullableRelation[Building] = fields.ForeignKeyField(
        "core.Building", related_name="requests", on_delete=RESTRICT, null=True
    )
    unit = fields.CharField(max_length=16, default="")
    room = fields.CharField(max_length=16, default="")
    # Who is served; NULL for the compound's own work (a class session, a patrol shift)
    # that a service line files without a resident.
    resident: fields.ForeignKeyNullableRelation[Resident] = fields.ForeignKeyField(
        "core.Resident", related_name="requests", on_delete=RESTRICT, null=True
    )
    filed_by: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="filed_requests", on_delete=RESTRICT
    )
    status = fields.CharField(max_length=16)
    seats = fields.SmallIntField()
    filled = fields.SmallIntField(default=0)
    required_skills: Any = fields.JSONField(default=list)
    # Staff-granted credentials every volunteer needs (e.g. "child-safeguarding").
    required_credentials: Any = fields.JSONField(default=list)
    # Skills of each seat (a list per seat), e.g. [["driving"], ["carrying"]].
    seat_skills: Any = fields.JSONField(default=list)
    priority = fields.IntField(default=0)
    urgent = fields.BooleanField(default=False)
    declines = fields.SmallIntField(default=0)
    notes = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "service_request"
        indexes = (("status", "starts_at"),)
        # Migration 0006 adds the pages' indexes, each ending (priority DESC, starts_at, id):
        # on (community_id), (community_id, status), (resident_id) and (filed_by_id), for a
        # compound's requests, by status, a resident's and what an account filed, most
        # urgent first (an index declared here cannot say DESC).


# An offer of one seat of a request to one volunteer, and what became of it.
#
# A volunteer is offered a request at most once (unique), so a decline is final.
class Offer(Model):
    id = fields.IntField(primary_key=True)
    request_id: int
    volunteer_id: int
    offered_by_id: int
    request: fields.ForeignKeyRelation[ServiceRequest] = fields.ForeignKeyField(
        "core.ServiceRequest", related_name="offers", on_delete=RESTRICT
    )
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "core.Volunteer", related_name="offers", on_delete=RESTRICT
    )
    status = fields.CharField(max_length=16)
    score = fields.FloatField(default=0)
    score_breakdown: Any = fields.JSONField(default=dict)
    offered_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="offers_made", on_delete=RESTRICT, null=True
    )
    offered_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    responded_at = fields.DatetimeField(null=True)
    decline_reason = fields.CharField(max_length=300, default="")
    completed_at = fields.DatetimeField(null=True)
    minutes = fields.IntField(null=True)
    # Which seat of the request (index into ``seat_skills``).
    seat = fields.SmallIntField(default=0)
    # "<request>:<seat>" while the offer holds the seat (accepted or completed), else NULL:
    # the unique index lets one offer hold a seat even when it was broadcast to several.
    seat_key = fields.CharField(max_length=32, null=True, unique=True)
    broadcast = fields.BooleanField(default=False)
    batch_run_id = fields.IntField(null=True)
    completed_by_id = fields.IntField(null=True)
    # The request's window, copied when the offer is made (a request's window never changes
    # once filed): whether a volunteer's open offers overlap a time is then read from this
    # table's own index, not by reading each offer's request.
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    # The request's priority, copied likewise (set when it is filed, never changed): a
    # volunteer's offers are listed most urgent first from this table's own indexes.
    priority = fields.IntField()

    class Meta:
        table = "offer"
        unique_together = (("request", "volunteer"),)
        # Expiry sweeps; a volunteer's open offers as busy time (the window ends the index,
        # so an overlap check reads nothing else). Migration 0008 adds the pages' indexes,
        # (volunteer_id) and (volunteer_id, status), each followed by (priority DESC,
        # starts_at, id): a volunteer's offers, all or by status, most urgent first.
        indexes = (("status", "expires_at"), ("volunteer_id", "status", "starts_at", "ends_at"))


# A 5-minute slot of accepted work. Unique per account: the database itself refuses
# a second accepted job that overlaps the first, on SQLite and PostgreSQL alike.
#
# Keyed by account, not by community profile, so one person volunteering in two compounds
# is not double-booked across them either.
class VolunteerSlot(Model):
    id = fields.BigIntField(primary_key=True)
    account_id: int
    offer_id: int
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="slots", on_delete=RESTRICT
    )
    starts_at = fields.DatetimeField()
    offer: fields.ForeignKeyRelation[Offer] = fields.ForeignKeyField(
        "core.Offer", related_name="slots", on_delete=CASCADE
    )

    class Meta:
        table = "volunteer_slot"
        indexes = (("offer_id",),)  # released with their offer
        unique_together = (("account", "starts_at"),)


# Accepted minutes per volunteer profile and local week; the weekly cap is taken from it
# with one conditional UPDATE.
class VolunteerWeekLoad(Model):
    id = fields.IntField(primary_key=True)
    volunteer_id: int
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "core.Volunteer", related_name="week_loads", on_delete=CASCADE
    )
    week = fields.DateField()
    minutes = fields.IntField(default=0)

    class Meta:
        table = "volunteer_week_load"
        unique_together = (("volunteer", "week"),)


# Append-only: every state change of a request, with who, when and why.
class RequestHistory(Model):
    id = fields.BigIntField(primary_key=True)
    request_id: int
    actor_id: int
    volunteer_account_id: int
    offer_id: int
    request: fields.ForeignKeyRelation[ServiceRequest] = fields.ForeignKeyField(
        "core.ServiceRequest", related_name="history", on_delete=RESTRICT
    )
    at = fields.DatetimeField()
    event = fields.CharField(max_length=16)
    from_status = fields.CharField(max_length=16, null=True)
    to_status = fields.CharField(max_length=16, null=True)
    actor: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name=False, on_delete=RESTRICT, null=True
    )
    volunteer_account: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name=False, on_delete=RESTRICT, null=True
    )
    offer: fields.ForeignKeyNullableRelation[Offer] = fields.ForeignKeyField(
        "core.Offer", related_name=False, on_delete=RESTRICT, null=True
    )
    note = fields.CharField(max_length=300, default="")

    class Meta:
        table = "request_history"
        indexes = (("request_id", "id"),)  # a request's history, in order


# Append-only hours ledger. A finished job writes one entry; a correction is a new entry
# (negative minutes to take time back), never an edit. Where a compound wants approval,
# entries start ``pending`` and staff approve or reject each once.
class HoursEntry(Model):
    id = fields.BigIntField(primary_key=True)
    volunteer_id: int
    community_id: int
    offer_id: int
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "core.Volunteer", related_name="hours", on_delete=RESTRICT
    )
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name=False, on_delete=RESTRICT
    )
    offer: fields.ForeignKeyNullableRelation[Offer] = fields.ForeignKeyField(
        "core.Offer", related_name=False, on_delete=RESTRICT, null=True
    )
    line = fields.CharField(max_length=64)
    worked_on = fields.DateField()  # local date of the work
    minutes = fields.IntField()
    kind = fields.CharField(max_length=16)  # job | correction
    status = fields.CharField(max_length=16)  # pending | approved | rejected
    note = fields.CharField(max_length=300, default="")
    created_at = fields.DatetimeField()
    created_by_id = fields.IntField(null=True)
    decided_at = fields.DatetimeField(null=True)
    decided_by_id = fields.IntField(null=True)

    class Meta:
        table = "hours_entry"
        indexes = (("community_id", "worked_on"), ("volunteer_id", "worked_on"))


# A resident's rating of one volunteer's work on one request (one per offer).
class Rating(Model):
    id = fields.IntField(primary_key=True)
    offer_id: int
    request_id: int
    resident_id: int
    volunteer_id: int
    offer: fields.OneToOneRelation[Offer] = fields.OneToOneField(
        "core.Offer", related_name="rating", on_delete=RESTRICT
    )
    request: fields.ForeignKeyRelation[ServiceRequest] = fields.ForeignKeyField(
        "core.ServiceRequest", related_name="ratings", on_delete=RESTRICT
    )
    resident: fields.ForeignKeyRelation[Resident] = fields.ForeignKeyField(
        "core.Resident", related_name="ratings", on_delete=RESTRICT
    )
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "core.Volunteer", related_name="ratings", on_delete=RESTRICT
    )
    community_id = fields.IntField()
    line = fields.CharField(max_length=64)
    stars = fields.SmallIntField()
    comment = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "rating"
        indexes = (("resident_id", "volunteer_id"),)  # what a resident gave a volunteer


# Something to tell one account: a new offer, a reminder before a job. Written in the
# transaction that causes it; due ones are handed to delivery plugins by the scheduler,
# which claims each with one conditional UPDATE (exactly once across processes).
class Notification(Model):
    id = fields.BigIntField(primary_key=True)
    account_id: int
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="notifications", on_delete=CASCADE
    )
    kind = fields.CharField(max_length=32)
    title = fields.CharField(max_length=200)
    body = fields.CharField(max_length=1000, default="")
    request_id = fields.IntField(null=True)
    offer_id = fields.IntField(null=True)
    # Unique reason, e.g. "reminder:17"; a second write of the same one is ignored.
    dedupe_key = fields.CharField(max_length=64, unique=True)
    due_at = fields.DatetimeField()
    created_at = fields.DatetimeField()
    delivered_at = fields.DatetimeField(null=True)
    read_at = fields.DatetimeField(null=True)
    cancelled = fields.BooleanField(default=False)

    class Meta:
        table = "notification"
        indexes = (("delivered_at", "due_at"), ("account_id", "due_at"), ("offer_id",))


# One batch matching run: what went in, what came out, and how long it took.
class BatchRun(Model):
    id = fields.IntField(primary_key=True)
    community_id: int
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="batch_runs", on_delete=RESTRICT
    )
    requested_by_id = fields.IntField(null=True)
    period_start = fields.DatetimeField()
    period_end = fields.DatetimeField()
    solver = fields.CharField(max_length=64)
    inputs: Any = fields.JSONField(default=dict)
    result: Any = fields.JSONField(default=dict)
    seats_open = fields.IntField(default=0)
    seats_filled = fields.IntField(default=0)
    offers_made = fields.IntField(default=0)
    duration_ms = fields.FloatField(default=0)
    created_at = fields.DatetimeField()

    class Meta:
        table = "batch_run"


# A lease so that a periodic job runs in one server process at a time: taken and renewed
# with one conditional UPDATE.
class SchedulerLease(Model):
    name = fields.CharField(max_length=64, primary_key=True)
    holder = fields.CharField(max_length=64)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "scheduler_lease"


# A client's Idempotency-Key for one POST. Written as the first statement of the use case's
# own transaction, so the key and what it protects commit (or roll back) together; the
# response is stored once the call has answered, and replayed to retries.
class IdempotencyKey(Model):
    id = fields.BigIntField(primary_key=True)
    account_id = fields.IntField()
    key = fields.CharField(max_length=200)
    fingerprint = fields.CharField(max_length=64)  # SHA-256 of method, path and body
    response_status = fields.SmallIntField(null=True)  # NULL while running
    response_body = fields.TextField(null=True)
    response_type = fields.CharField(max_length=100, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "idempotency_key"
        unique_together = (("account_id", "key"),)


# Every time a volunteer (or staff member) was shown a resident's door and phone.
class RevealLog(Model):
    id = fields.BigIntField(primary_key=True)
    community_id = fields.IntField()
    account_id = fields.IntField()  # who was shown
    request_id = fields.IntField()
    offer_id = fields.IntField()
    via = fields.CharField(max_length=32)  # accept | offer
    at = fields.DatetimeField()

    class Meta:
        table = "reveal_log"
        indexes = (("community_id", "at"),)
