"""Tables of the patrol line: the tortoise app ``patrol``."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.fields import OnDelete
from tortoise.models import Model

RESTRICT = OnDelete.RESTRICT


class School(Model):
    id = fields.IntField(primary_key=True)
    community_id: int
    community: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "core.Community", related_name=False, on_delete=RESTRICT
    )
    name = fields.CharField(max_length=80)

    class Meta:
        table = "patrol_school"


class Gate(Model):
    id = fields.IntField(primary_key=True)
    school_id: int
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "patrol.School", related_name="gates", on_delete=RESTRICT
    )
    name = fields.CharField(max_length=80)

    class Meta:
        table = "patrol_gate"


class Route(Model):
    id = fields.IntField(primary_key=True)
    community_id: int
    community: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "core.Community", related_name=False, on_delete=RESTRICT
    )
    name = fields.CharField(max_length=80)
    checkpoints: Any = fields.JSONField(default=list)  # names, in walking order

    class Meta:
        table = "patrol_route"


class ShiftPlan(Model):
    id = fields.IntField(primary_key=True)
    community_id: int
    gate_id: int | None
    route_id: int | None
    community: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "core.Community", related_name=False, on_delete=RESTRICT
    )
    kind = fields.CharField(max_length=16)
    name = fields.CharField(max_length=80)
    gate: fields.ForeignKeyNullableRelation[Gate] = fields.ForeignKeyField(
        "patrol.Gate", related_name=False, on_delete=RESTRICT, null=True
    )
    route: fields.ForeignKeyNullableRelation[Route] = fields.ForeignKeyField(
        "patrol.Route", related_name=False, on_delete=RESTRICT, null=True
    )
    weekdays: Any = fields.JSONField(default=list)
    start_minute = fields.SmallIntField()
    end_minute = fields.SmallIntField()
    volunteers = fields.SmallIntField()
    starts_on = fields.DateField()
    ends_on = fields.DateField(null=True)
    skip_dates: Any = fields.JSONField(default=list)
    extra_dates: Any = fields.JSONField(default=list)
    building = fields.CharField(max_length=16, null=True)

    class Meta:
        table = "patrol_plan"


# A volunteer's standing sign-up to a recurring shift: offered each generated shift first.
class Signup(Model):
    id = fields.IntField(primary_key=True)
    plan_id: int
    plan: fields.ForeignKeyRelation[ShiftPlan] = fields.ForeignKeyField(
        "patrol.ShiftPlan", related_name="signups", on_delete=RESTRICT
    )
    volunteer_id = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "patrol_signup"
        unique_together = (("plan", "volunteer_id"),)


class Shift(Model):
    id = fields.IntField(primary_key=True)
    plan_id: int
    plan: fields.ForeignKeyRelation[ShiftPlan] = fields.ForeignKeyField(
        "patrol.ShiftPlan", related_name="shifts", on_delete=RESTRICT
    )
    day = fields.DateField()
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    request_id = fields.IntField(null=True)

    class Meta:
        table = "patrol_shift"
        unique_together = (("plan", "day"),)


class CheckpointLog(Model):
    id = fields.IntField(primary_key=True)
    shift_id: int
    shift: fields.ForeignKeyRelation[Shift] = fields.ForeignKeyField(
        "patrol.Shift", related_name="checkpoints", on_delete=RESTRICT
    )
    account_id = fields.IntField()
    checkpoint = fields.SmallIntField()
    name = fields.CharField(max_length=80)
    at = fields.DatetimeField()

    class Meta:
        table = "patrol_checkpoint_log"
        unique_together = (("shift", "account_id", "checkpoint"),)


class Incident(Model):
    id = fields.IntField(primary_key=True)
    community_id: int
    community: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "core.Community", related_name=False, on_delete=RESTRICT
    )
    shift_id = fields.IntField(null=True)
    reporter_id = fields.IntField()
    reporter_name = fields.CharField(max_length=100)
    what = fields.CharField(max_length=1000)
    where = fields.CharField(max_length=200)
    happened_at = fields.DatetimeField()
    photo_ref = fields.CharField(max_length=300, null=True)
    reported_at = fields.DatetimeField()

    class Meta:
        table = "patrol_incident"
        indexes = (("community_id", "happened_at"),)
