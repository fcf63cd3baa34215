"""The hours ledger (append-only) and residents' ratings, and the figures staff see."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from core.domain.enums import HoursStatus
from core.domain.errors import Conflict, NotFound
from core.storage.models import HoursEntry, Offer, Rating, ServiceRequest

# The ledger's statuses as stored (plain text: HoursStatus is what the API takes).
PENDING = HoursStatus.PENDING.value
APPROVED = HoursStatus.APPROVED.value
REJECTED = HoursStatus.REJECTED.value


async def record_job(
    offer: Offer,
    request: ServiceRequest,
    minutes: int,
    *,
    worked_on: date,
    pending: bool,
    at: datetime,
    by: int,
) -> HoursEntry:
    return await HoursEntry.create(
        volunteer_id=offer.volunteer_id,
        community_id=request.community_id,
        offer_id=offer.id,
        line=request.line,
        worked_on=worked_on,
        minutes=minutes,
        kind="job",
        status=PENDING if pending else APPROVED,
        note=f"request {request.id}: {request.service}",
        created_at=at,
        created_by_id=by,
    )


async def record_correction(
    volunteer_id: int,
    community_id: int,
    line: str,
    worked_on: date,
    minutes: int,
    note: str,
    at: datetime,
    by: int,
) -> HoursEntry:
    return await HoursEntry.create(
        volunteer_id=volunteer_id,
        community_id=community_id,
        offer_id=None,
        line=line,
        worked_on=worked_on,
        minutes=minutes,
        kind="correction",
        status=APPROVED,
        note=note,
        created_at=at,
        created_by_id=by,
    )


async def get_entry(entry_id: int) -> HoursEntry:
    found = await HoursEntry.get_or_none(id=entry_id)
    if found is None:
        raise NotFound(f"hours entry {entry_id} not found")
    return found


async def decide(entry_id: int, approve: bool, at: datetime, by: int, note: str) -> bool:
    values: dict[str, Any] = {
        "status": APPROVED if approve else REJECTED,
        "decided_at": at,
        "decided_by_id": by,
    }
    if note:
        values["note"] = note[:300]
    return bool(await HoursEntry.filter(id=entry_id, status=PENDING).update(**values))


async def entries(
    *,
    community_id: int | None = None,
    volunteer_id: int | None = None,
    status: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[HoursEntry]:
    query = HoursEntry.all()
    if community_id is not None:
        query = query.filter(community_id=community_id)
    if volunteer_id is not None:
        query = query.filter(volunteer_id=volunteer_id)
    if status is not None:
        query = query.filter(status=status)
    if start is not None:
        query = query.filter(worked_on__gte=start)
    if end is not None:
        query = query.filter(worked_on__lt=end)
    return await query.order_by("worked_on", "id").offset(offset).limit(limit)


async def monthly_hours(
    community_id: int, start: date, end: date
) -> list[tuple[str, int, str, int]]:
    """Approved minutes per (month "YYYY-MM", volunteer id, line), in [start, end)."""
    totals: dict[tuple[str, int, str], int] = defaultdict(int)
    for vid, line, day, minutes in await HoursEntry.filter(
        community_id=community_id, status=APPROVED, worked_on__gte=start, worked_on__lt=end
    ).values_list("volunteer_id", "line", "worked_on", "minutes"):
        totals[(f"{day:%Y-%m}", vid, line)] += minutes
    return [(m, v, ln, mins) for (m, v, ln), mins in sorted(totals.items())]


async def add_rating(
    offer: Offer, request: ServiceRequest, stars: int, comment: str, at: datetime
) -> Rating:
    try:
        return await Rating.create(
            offer_id=offer.id,
            request_id=request.id,
            resident_id=request.resident_id,
            volunteer_id=offer.volunteer_id,
            community_id=request.community_id,
            line=request.line,
            stars=stars,
            comment=comment,
            created_at=at,
        )
    except IntegrityError:
        raise Conflict(f"the work of offer {offer.id} has already been rated") from None


async def ratings(community_id: int, start: datetime, end: datetime) -> list[tuple[int, str, int]]:
    rows = await Rating.filter(
        community_id=community_id, created_at__gte=start, created_at__lt=end
    ).values_list("volunteer_id", "line", "stars")
    return [(int(v), str(ln), int(s)) for v, ln, s in rows]


async def ratings_of_request(request_id: int) -> list[Rating]:
    return await Rating.filter(request_id=request_id).order_by("id")
