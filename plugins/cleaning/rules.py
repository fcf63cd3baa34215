"""Pure rules of the cleaning line: fees and what a booking needs."""

from __future__ import annotations

from typing import Any

from plugins.cleaning.schemas import (
    AC_FILTER,
    CARPET,
    EBIKE,
    AcFilterDetails,
    CarpetDetails,
    CleaningSettings,
    EbikeDetails,
    FeeItem,
)

UNITS = {CARPET: "carpet", AC_FILTER: "AC unit", EBIKE: "e-bike"}


def units(details: Any) -> int:
    if isinstance(details, CarpetDetails):
        return details.pieces
    if isinstance(details, AcFilterDetails):
        return details.units
    if isinstance(details, EbikeDetails):
        return details.bikes
    raise TypeError(f"not cleaning details: {details!r}")


def per_unit(settings: CleaningSettings, service: str) -> list[FeeItem]:
    return list(settings.fees.get(service, []))


def total(settings: CleaningSettings, service: str, count: int) -> float:
    return round(sum(i.yuan for i in per_unit(settings, service)) * count, 2)


def fee_items(settings: CleaningSettings, service: str, count: int) -> list[FeeItem]:
    """The itemised fee of a booking: each line times the number of units."""
    return [
        FeeItem(item=f"{i.item} x{count}", yuan=round(i.yuan * count, 2))
        for i in per_unit(settings, service)
    ]
