"""Details, settings and records of the cleaning line, as msgspec structs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

Yuan = Annotated[float, Meta(ge=0, le=10_000)]
Kind = Annotated[str, Meta(min_length=2, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Note = Annotated[str, Meta(max_length=300)]

CARPET, AC_FILTER, EBIKE = "carpet", "ac-filter", "ebike"


class FeeItem(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One line of a published cost-recovery fee, per unit served (zero is allowed)."""

    item: Annotated[str, Meta(min_length=1, max_length=60)]
    yuan: Yuan


def _fees() -> dict[str, list[FeeItem]]:
    return {
        CARPET: [
            FeeItem(item="carpet detergent", yuan=12),
            FeeItem(item="water and power", yuan=3),
        ],
        AC_FILTER: [FeeItem(item="filter cleaner", yuan=5)],
        EBIKE: [FeeItem(item="water", yuan=0)],
    }


def _needs() -> dict[str, list[str]]:
    return {CARPET: ["pressure-washer"], AC_FILTER: ["ladder"], EBIKE: ["pressure-washer"]}


class CleaningSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Per compound: the published fee list of each service (per carpet, per AC unit, per
    e-bike) and the kinds of shared equipment each service reserves for its window."""

    fees: dict[str, list[FeeItem]] = msgspec.field(default_factory=_fees)
    equipment: dict[str, list[Kind]] = msgspec.field(default_factory=_needs)


class _Details(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # The total the resident was shown and confirmed (GET /cleaning/communities/{id}/fees);
    # a booking whose figure is not the current total is refused, so nobody is charged a
    # fee they did not see.
    confirmed_fee_yuan: Yuan
    note: Note = ""


class CarpetDetails(_Details, frozen=True, kw_only=True):
    pieces: Annotated[int, Meta(ge=1, le=10)] = 1


class AcFilterDetails(_Details, frozen=True, kw_only=True):
    units: Annotated[int, Meta(ge=1, le=10)] = 1


class EbikeDetails(_Details, frozen=True, kw_only=True):
    bikes: Annotated[int, Meta(ge=1, le=5)] = 1


class FeeQuote(msgspec.Struct, frozen=True, kw_only=True):
    service: str
    unit: str
    items: list[FeeItem]  # per unit
    per_unit_yuan: float


class EquipmentIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kind: Kind
    label: Annotated[str, Meta(min_length=1, max_length=60)]


class EquipmentRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    community_id: int
    kind: str
    label: str
    active: bool


class Reservation(msgspec.Struct, frozen=True, kw_only=True):
    equipment_id: int
    equipment: str
    kind: str
    request_id: int
    service: str
    start: datetime
    end: datetime


class BookingRecord(msgspec.Struct, frozen=True, kw_only=True):
    request_id: int
    service: str
    units: int
    fee_items: list[FeeItem]
    fee_total_yuan: float
    equipment: list[str]
    cancelled: bool
