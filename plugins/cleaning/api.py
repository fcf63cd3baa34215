"""HTTP endpoints of the cleaning line, under ``/cleaning``. Bookings themselves go through
``POST /requests`` with ``"line": "cleaning"``."""

from __future__ import annotations

from datetime import date

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from core.domain.access import Principal
from core.domain.errors import InvalidInput
from core.services import Services
from plugins.cleaning.schemas import (
    BookingRecord,
    EquipmentIn,
    EquipmentRecord,
    FeeQuote,
    Reservation,
)
from plugins.cleaning.service import CleaningService


class CleaningController(Controller):
    path = "/cleaning"
    tags = ["cleaning"]

    @get("/communities/{community_id:int}/fees", summary="The published fee of each service")
    async def fees(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
    ) -> list[FeeQuote]:
        return await CleaningService(services).fees(who, community_id)

    @post("/communities/{community_id:int}/equipment", summary="Staff: add a machine")
    async def add_equipment(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        data: JSONBody[EquipmentIn],
    ) -> EquipmentRecord:
        return await CleaningService(services).add_equipment(who, community_id, data)

    @get("/communities/{community_id:int}/equipment", summary="The compound's shared equipment")
    async def equipment(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
    ) -> list[EquipmentRecord]:
        return await CleaningService(services).equipment(who, community_id)

    @post(
        "/equipment/{equipment_id:int}/retire",
        status_code=200,
        summary="Staff: take a machine out of use (its reservations stand)",
    )
    async def retire(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        equipment_id: FromPath[int],
    ) -> EquipmentRecord:
        return await CleaningService(services).retire(who, equipment_id)

    @get(
        "/communities/{community_id:int}/schedule",
        summary="Staff: every machine's reservations from start to end (local dates)",
    )
    async def schedule(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        start: FromQuery[date],
        end: FromQuery[date],
    ) -> list[Reservation]:
        if end <= start or (end - start).days > 31:
            raise InvalidInput.field("end", "give an end after start, at most 31 days later")
        return await CleaningService(services).schedule(who, community_id, start, end)

    @get(
        "/bookings/{request_id:int}",
        summary="The fee confirmed and the equipment reserved for a booking",
    )
    async def booking(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        request_id: FromPath[int],
    ) -> BookingRecord:
        return await CleaningService(services).booking(who, request_id)
