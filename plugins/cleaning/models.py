"""Tables of the cleaning line: the tortoise app ``cleaning``.

A machine is reserved as 5-minute slot rows unique per (equipment, slot), the core's
pattern for volunteers' time: two bookings can never hold the same machine at once, on
SQLite and PostgreSQL alike, whatever the timing.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.fields import OnDelete
from tortoise.models import Model

RESTRICT = OnDelete.RESTRICT


class Equipment(Model):
    id = fields.IntField(primary_key=True)
    community_id: int
    community: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "core.Community", related_name=False, on_delete=RESTRICT
    )
    kind = fields.CharField(max_length=40)
    label = fields.CharField(max_length=60)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "cleaning_equipment"
        indexes = (("community_id", "kind"),)


class EquipmentSlot(Model):
    id = fields.BigIntField(primary_key=True)
    equipment_id: int
    equipment: fields.ForeignKeyRelation[Equipment] = fields.ForeignKeyField(
        "cleaning.Equipment", related_name="slots", on_delete=RESTRICT
    )
    starts_at = fields.DatetimeField()
    request_id = fields.IntField()

    class Meta:
        table = "cleaning_equipment_slot"
        unique_together = (("equipment", "starts_at"),)
        indexes = (("request_id",),)


# The fee the resident was shown and confirmed, kept with the booking.
class CleaningBooking(Model):
    id = fields.IntField(primary_key=True)
    request_id = fields.IntField(unique=True)
    community_id = fields.IntField()
    service = fields.CharField(max_length=32)
    units = fields.SmallIntField()
    fee_items: Any = fields.JSONField(default=list)
    fee_total = fields.FloatField()
    equipment: Any = fields.JSONField(default=list)  # labels reserved
    cancelled = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "cleaning_booking"
