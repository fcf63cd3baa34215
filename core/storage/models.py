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
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "community"


class Building(Model):
    id = fields.IntField(primary_key=True)
    community_id: int
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "core.Community", related_name="buildings", on_delete=RESTRICT
    )
    name = fields.CharField(max_length=32)

    class Meta:
        table = "building"
        unique_together = (("community", "name"),)


class Account(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    phone = fields.CharField(max_length=32, null=True)
    is_admin = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "account"


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

    class Meta:
        table = "volunteer"


class VolunteerSkill(Model):
    id = fields.IntField(primary_key=True)
    volunteer_id: int
    volunteer: fields.ForeignKeyRelation[Volunteer] = fields.ForeignKeyField(
        "core.Volunteer", related_name="skills", on_delete=CASCADE
    )
    skill = fields.CharField(max_length=64)

    class Meta:
        table = "volunteer_skill"
        unique_together = (("volunteer", "skill"),)


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
    resident_id: int
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
    resident: fields.ForeignKeyRelation[Resident] = fields.ForeignKeyField(
        "core.Resident", related_name="requests", on_delete=RESTRICT
    )
    filed_by: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "core.Account", related_name="filed_requests", on_delete=RESTRICT
    )
    status = fields.CharField(max_length=16)
    seats = fields.SmallIntField()
    filled = fields.SmallIntField(default=0)
    required_skills: Any = fields.JSONField(default=list)
    priority = fields.IntField(default=0)
    notes = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "service_request"
        indexes = (("community_id", "status"), ("status", "starts_at"))


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

    class Meta:
        table = "offer"
        unique_together = (("request", "volunteer"),)
        indexes = (("status", "expires_at"),)


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
