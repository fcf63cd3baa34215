"""Cleaning: fees, equipment and its reservations. Reservations are made inside the
booking's own transaction (the core's ``request_stored`` hook), so a booking that cannot
get its machine is refused whole."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, cast

import msgspec
from tortoise.exceptions import IntegrityError

from core.domain.access import Principal
from core.domain.errors import Conflict, NotFound
from core.domain.time import SLOT, Interval, local_days, slot_starts
from core.plugins.line import ServiceLine, StoredRequest
from core.storage import bookings as core_bookings
from core.storage import communities
from core.storage.database import transaction
from plugins.cleaning import rules
from plugins.cleaning.models import CleaningBooking, Equipment, EquipmentSlot
from plugins.cleaning.schemas import (
    BookingRecord,
    CleaningSettings,
    EquipmentIn,
    EquipmentRecord,
    FeeItem,
    FeeQuote,
    Reservation,
)

if TYPE_CHECKING:
    from core.services import Services

LINE = "cleaning"


async def settings_of(line: ServiceLine, community_id: int) -> CleaningSettings:
    config = await communities.line_config(community_id, LINE)
    raw = config.settings if config else {}
    settings = line.decode_settings(raw)
    assert isinstance(settings, CleaningSettings)
    return settings


async def reserve(line: ServiceLine, request: StoredRequest) -> None:
    """Inside the booking's transaction: keep the fee shown and reserve one free machine of
    each kind the service needs for the whole window; none free means the booking fails."""
    settings = await settings_of(line, request.community_id)
    details = line.decode_details(line.service(request.service), request.details)
    count = rules.units(details)
    taken: list[str] = []
    for kind in settings.equipment.get(request.service, []):
        taken.append(await _reserve_one(request, kind))
    await CleaningBooking.create(
        request_id=request.id,
        community_id=request.community_id,
        service=request.service,
        units=count,
        fee_items=msgspec.to_builtins(rules.fee_items(settings, request.service, count)),
        fee_total=rules.total(settings, request.service, count),
        equipment=taken,
    )


async def _reserve_one(request: StoredRequest, kind: str) -> str:
    window = request.window
    machines = await Equipment.filter(
        community_id=request.community_id, kind=kind, active=True
    ).order_by("id")
    if not machines:
        raise Conflict(f"the compound has no {kind}; staff can add one")
    held = await EquipmentSlot.filter(
        equipment_id__in=[m.id for m in machines],
        starts_at__gte=window.start,
        starts_at__lt=window.end,
    ).values_list("equipment_id", flat=True)
    busy = set(cast("list[int]", held))
    free = [m for m in machines if m.id not in busy]
    if not free:
        raise Conflict(
            f"every {kind} is reserved at that time; see the week's schedule or pick another time"
        )
    machine = free[0]
    try:
        await EquipmentSlot.bulk_create(
            [
                EquipmentSlot(equipment_id=machine.id, starts_at=s, request_id=request.id)
                for s in slot_starts(window)
            ]
        )
    except IntegrityError:  # reserved by a booking that committed a moment ago
        raise Conflict(f"the {kind} was just reserved by another booking; try again") from None
    return machine.label


async def release(request: StoredRequest) -> None:
    """Inside the cancelling transaction: free the machines."""
    await EquipmentSlot.filter(request_id=request.id).delete()
    await CleaningBooking.filter(request_id=request.id).update(cancelled=True)


class CleaningService:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def _enabled(self, community_id: int) -> CleaningSettings:
        settings = await self.s.communities.enabled_settings(community_id, LINE)
        assert isinstance(settings, CleaningSettings)
        return settings

    async def fees(self, who: Principal, community_id: int) -> list[FeeQuote]:
        """The published fee list residents see before they book."""
        who.require_member(community_id)
        settings = await self._enabled(community_id)
        return [
            FeeQuote(
                service=service.key,
                unit=rules.UNITS[service.key],
                items=rules.per_unit(settings, service.key),
                per_unit_yuan=rules.total(settings, service.key, 1),
            )
            for service in self.s.host.line(LINE).services
        ]

    async def add_equipment(
        self, who: Principal, community_id: int, cmd: EquipmentIn
    ) -> EquipmentRecord:
        who.require_staff(community_id)
        await self._enabled(community_id)
        async with transaction():
            e = await Equipment.create(community_id=community_id, kind=cmd.kind, label=cmd.label)
        return _equipment_record(e)

    async def equipment(self, who: Principal, community_id: int) -> list[EquipmentRecord]:
        who.require_member(community_id)
        rows = await Equipment.filter(community_id=community_id).order_by("kind", "id")
        return [_equipment_record(e) for e in rows]

    async def retire(self, who: Principal, equipment_id: int) -> EquipmentRecord:
        e = await Equipment.get_or_none(id=equipment_id)
        if e is None:
            raise NotFound(f"equipment {equipment_id} not found")
        who.require_staff(e.community_id)
        async with transaction():
            await Equipment.filter(id=e.id).update(active=False)
        e.active = False
        return _equipment_record(e)

    async def schedule(
        self, who: Principal, community_id: int, start: date, end: date
    ) -> list[Reservation]:
        """Staff: every machine's reservations between two local dates."""
        who.require_staff(community_id)
        zone = await communities.zone(community_id)
        lo, hi = local_days(start, end, zone)
        rows = (
            await EquipmentSlot.filter(
                equipment__community_id=community_id, starts_at__gte=lo, starts_at__lt=hi
            )
            .order_by("equipment_id", "starts_at")
            .prefetch_related("equipment")
        )
        spans: dict[tuple[int, int], list[datetime]] = {}
        labels: dict[int, Equipment] = {}
        for slot in rows:
            spans.setdefault((slot.equipment_id, slot.request_id), []).append(slot.starts_at)
            labels[slot.equipment_id] = slot.equipment
        services = dict(
            await CleaningBooking.filter(
                request_id__in=[rid for _, rid in spans] or [0]
            ).values_list("request_id", "service")
        )
        out = []
        for (eid, rid), starts in spans.items():
            window = Interval(min(starts), max(starts) + SLOT)
            out.append(
                Reservation(
                    equipment_id=eid,
                    equipment=labels[eid].label,
                    kind=labels[eid].kind,
                    request_id=rid,
                    service=str(services.get(rid, "")),
                    start=window.start.astimezone(zone),
                    end=window.end.astimezone(zone),
                )
            )
        return sorted(out, key=lambda r: (r.start, r.equipment_id))

    async def booking(self, who: Principal, request_id: int) -> BookingRecord:
        """The fee the resident confirmed and the machines reserved (resident or staff)."""
        request = await core_bookings.get_request(request_id)
        await self.s.bookings.require_can_see(who, request)
        b = await CleaningBooking.get_or_none(request_id=request_id)
        if b is None:
            raise NotFound(f"request {request_id} is not a cleaning booking")
        return BookingRecord(
            request_id=b.request_id,
            service=b.service,
            units=b.units,
            fee_items=msgspec.convert(b.fee_items, list[FeeItem]),
            fee_total_yuan=b.fee_total,
            equipment=list(b.equipment),
            cancelled=b.cancelled,
        )


def _equipment_record(e: Equipment) -> EquipmentRecord:
    return EquipmentRecord(
        id=e.id, community_id=e.community_id, kind=e.kind, label=e.label, active=e.active
    )
