"""Tables of the after-school class: the tortoise app ``afterschool``.

Seat limits hold under concurrency the core's way: a class's ``enrolled`` counter is taken
with one conditional UPDATE whose row count is checked, and an enrolment row is unique per
(class, child). Foreign keys to the core are RESTRICT: history outlives nothing it needs.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.fields import OnDelete
from tortoise.models import Model

RESTRICT = OnDelete.RESTRICT


# One per compound: the term, holidays and make-up school days staff keep.
class SchoolCalendar(Model):
    id = fields.IntField(primary_key=True)
    community_id: int
    community: fields.OneToOneRelation[Any] = fields.OneToOneField(
        "core.Community", related_name=False, on_delete=RESTRICT
    )
    term_start = fields.DateField()
    term_end = fields.DateField()
    holidays: Any = fields.JSONField(default=list)
    makeup_days: Any = fields.JSONField(default=list)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "afterschool_calendar"


class AfterschoolClass(Model):
    id = fields.IntField(primary_key=True)
    community_id: int
    community: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "core.Community", related_name=False, on_delete=RESTRICT
    )
    name = fields.CharField(max_length=80)
    kind = fields.CharField(max_length=16)
    weekdays: Any = fields.JSONField(default=list)
    start_minute = fields.SmallIntField()
    end_minute = fields.SmallIntField()
    seat_limit = fields.IntField()
    enrolled = fields.IntField(default=0)
    starts_on = fields.DateField(null=True)
    ends_on = fields.DateField(null=True)
    subjects: Any = fields.JSONField(default=list)
    building = fields.CharField(max_length=16, null=True)
    notes = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "afterschool_class"


# One meeting of a class on one day, and the core request for its tutors.
class ClassSession(Model):
    id = fields.IntField(primary_key=True)
    klass_id: int
    klass: fields.ForeignKeyRelation[AfterschoolClass] = fields.ForeignKeyField(
        "afterschool.AfterschoolClass", related_name="sessions", on_delete=RESTRICT
    )
    day = fields.DateField()
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    request_id = fields.IntField(null=True)  # core service_request of its tutors
    tutors_needed = fields.SmallIntField(default=1)
    children = fields.IntField(default=0)

    class Meta:
        table = "afterschool_session"
        unique_together = (("klass", "day"),)


class Child(Model):
    id = fields.IntField(primary_key=True)
    community_id: int
    guardian_id: int
    community: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "core.Community", related_name=False, on_delete=RESTRICT
    )
    guardian: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "core.Account", related_name=False, on_delete=RESTRICT
    )
    name = fields.CharField(max_length=80)
    age = fields.SmallIntField(null=True)
    grade = fields.CharField(max_length=20, default="")
    school = fields.CharField(max_length=80, default="")
    notes = fields.CharField(max_length=500, default="")
    collectors: Any = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "afterschool_child"


# A child's place in a class (enrolled) or in its queue (waitlisted, first come first
# served by id); one row per class and child, reused if the child enrols again.
class Enrolment(Model):
    id = fields.IntField(primary_key=True)
    klass_id: int
    child_id: int
    klass: fields.ForeignKeyRelation[AfterschoolClass] = fields.ForeignKeyField(
        "afterschool.AfterschoolClass", related_name="enrolments", on_delete=RESTRICT
    )
    child: fields.ForeignKeyRelation[Child] = fields.ForeignKeyField(
        "afterschool.Child", related_name="enrolments", on_delete=RESTRICT
    )
    status = fields.CharField(max_length=16)  # enrolled | waitlisted | withdrawn
    queued_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "afterschool_enrolment"
        unique_together = (("klass", "child"),)
        indexes = (("klass_id", "status", "queued_at"),)


class Attendance(Model):
    id = fields.IntField(primary_key=True)
    session_id: int
    child_id: int
    session: fields.ForeignKeyRelation[ClassSession] = fields.ForeignKeyField(
        "afterschool.ClassSession", related_name="attendance", on_delete=RESTRICT
    )
    child: fields.ForeignKeyRelation[Child] = fields.ForeignKeyField(
        "afterschool.Child", related_name="attendance", on_delete=RESTRICT
    )
    checked_in_at = fields.DatetimeField(null=True)
    checked_in_by = fields.IntField(null=True)
    checked_out_at = fields.DatetimeField(null=True)
    checked_out_by = fields.IntField(null=True)
    collected_by = fields.CharField(max_length=80, null=True)

    class Meta:
        table = "afterschool_attendance"
        unique_together = (("session", "child"),)
