"""After the work: residents' ratings, the hours ledger, and the figures staff oversee."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from core.domain.access import Principal
from core.domain.commands import DecideHours, HoursCorrection, Rate
from core.domain.enums import EventKind, OfferStatus
from core.domain.errors import Conflict, InvalidInput, NotFound
from core.domain.events import RequestEvent
from core.domain.records import (
    CommunityStats,
    HoursEntryRecord,
    MonthlyHours,
    RatingRecord,
    Satisfaction,
)
from core.domain.time import local_days
from core.storage import bookings as store
from core.storage import communities, ledger, people
from core.storage.database import transaction
from core.storage.models import HoursEntry, Rating

if TYPE_CHECKING:
    from core.services import Services

MAX_PAGE = 500


def entry_record(e: HoursEntry, zone: ZoneInfo) -> HoursEntryRecord:
    return HoursEntryRecord(
        id=e.id,
        volunteer_id=e.volunteer_id,
        community_id=e.community_id,
        offer_id=e.offer_id,
        line=e.line,
        worked_on=e.worked_on,
        minutes=e.minutes,
        kind=e.kind,
        status=e.status,
        note=e.note,
        created_at=e.created_at.astimezone(zone),
        decided_at=e.decided_at.astimezone(zone) if e.decided_at else None,
    )


def rating_record(r: Rating, zone: ZoneInfo) -> RatingRecord:
    return RatingRecord(
        id=r.id,
        offer_id=r.offer_id,
        request_id=r.request_id,
        volunteer_id=r.volunteer_id,
        stars=r.stars,
        comment=r.comment,
        created_at=r.created_at.astimezone(zone),
    )


class LedgerService:
    def __init__(self, services: Services) -> None:
        self.s = services

    # -- ratings --------------------------------------------------------------------------

    async def rate(self, who: Principal, request_id: int, cmd: Rate) -> RatingRecord:
        """The resident (or the staff member who filed for them) rates a volunteer's done work."""
        request = await store.get_request(request_id)
        if request.resident is None:
            raise Conflict(f"request {request_id} is the compound's own work: no resident rates it")
        resident_account = request.resident.membership.account.id
        if who.account_id not in (resident_account, request.filed_by_id):
            if who.is_staff(request.community_id):
                raise InvalidInput.field(
                    "stars", "only the resident, or the staff member who filed for them, rates"
                )
            raise NotFound(f"request {request_id} not found")
        done = await store.offers_of_request(request.id, {OfferStatus.COMPLETED})
        if cmd.offer_id is not None:
            done = [o for o in done if o.id == cmd.offer_id]
            if not done:
                raise InvalidInput.field(
                    "offer_id", f"offer {cmd.offer_id} is not finished work on this request"
                )
        elif len(done) > 1:
            raise InvalidInput.field("offer_id", "several volunteers did this; name one")
        if not done:
            raise Conflict(f"request {request.id} has no finished work to rate yet")
        offer = done[0]
        now = self.s.clock()
        zone = ZoneInfo(request.community.timezone)
        async with transaction():
            rating = await ledger.add_rating(offer, request, cmd.stars, cmd.comment, now)
            event: RequestEvent = await store.record_event(
                request,
                EventKind.RATED,
                now,
                actor_id=who.account_id,
                offer_id=offer.id,
                volunteer_account_id=offer.volunteer.membership.account.id,
                note=f"{cmd.stars}/5 {cmd.comment}".strip(),
            )
        await self.s.host.emit([event])
        return rating_record(rating, zone)

    async def ratings(self, who: Principal, request_id: int) -> list[RatingRecord]:
        request = await store.get_request(request_id)
        resident_account = request.resident.membership.account.id if request.resident else None
        if who.account_id not in (resident_account, request.filed_by_id) and not who.is_staff(
            request.community_id
        ):
            raise NotFound(f"request {request_id} not found")
        zone = ZoneInfo(request.community.timezone)
        return [rating_record(r, zone) for r in await ledger.ratings_of_request(request.id)]

    # -- hours ----------------------------------------------------------------------------

    async def hours(
        self,
        who: Principal,
        *,
        community_id: int | None,
        volunteer_id: int | None,
        status: str | None,
        start: date | None,
        end: date | None,
        limit: int,
        offset: int,
    ) -> list[HoursEntryRecord]:
        """A volunteer's own entries, or (staff) a compound's."""
        limit = max(1, min(limit, MAX_PAGE))
        if volunteer_id is not None:
            volunteer = await people.get_volunteer(volunteer_id)
            own = volunteer.membership.account.id == who.account_id
            if not own and not who.is_staff(volunteer.membership.community_id):
                raise NotFound(f"volunteer {volunteer_id} not found")
            zone = ZoneInfo(volunteer.membership.community.timezone)
        elif community_id is not None:
            who.require_staff(community_id)
            zone = await communities.zone(community_id)
        else:
            raise InvalidInput.field("volunteer_id", "give volunteer_id or community_id")
        rows = await ledger.entries(
            community_id=community_id,
            volunteer_id=volunteer_id,
            status=status,
            start=start,
            end=end,
            limit=limit,
            offset=offset,
        )
        return [entry_record(e, zone) for e in rows]

    async def decide(self, who: Principal, entry_id: int, cmd: DecideHours) -> HoursEntryRecord:
        entry = await ledger.get_entry(entry_id)
        who.require_staff(entry.community_id)
        zone = await communities.zone(entry.community_id)
        async with transaction():
            if not await ledger.decide(
                entry.id, cmd.approve, self.s.clock(), who.account_id, cmd.note
            ):
                raise Conflict(f"hours entry {entry.id} is already {entry.status}")
        return entry_record(await ledger.get_entry(entry.id), zone)

    async def correct(
        self, who: Principal, community_id: int, cmd: HoursCorrection
    ) -> HoursEntryRecord:
        community = await communities.get_community(community_id)
        who.require_staff(community.id)
        volunteer = await people.get_volunteer(cmd.volunteer_id)
        if volunteer.membership.community_id != community.id:
            raise InvalidInput.field("volunteer_id", "no volunteer with that id here")
        self.s.host.line(cmd.line)
        async with transaction():
            entry = await ledger.record_correction(
                volunteer.id,
                community.id,
                cmd.line,
                cmd.worked_on,
                cmd.minutes,
                cmd.note,
                self.s.clock(),
                who.account_id,
            )
        return entry_record(entry, ZoneInfo(community.timezone))

    # -- oversight ------------------------------------------------------------------------

    async def stats(
        self, who: Principal, community_id: int, start: date, end: date
    ) -> CommunityStats:
        """Satisfaction per service line and per volunteer (ratings given in the period) and
        approved hours per month, volunteer and line (work done in the period)."""
        community = await communities.get_community(community_id)
        who.require_staff(community.id)
        if end <= start:
            raise InvalidInput.field("end", "must be after start")
        zone = ZoneInfo(community.timezone)
        names = {
            v.id: v.membership.account.name for v in await people.list_volunteers(community.id)
        }
        lo, hi = local_days(start, end, zone)
        by_line: dict[str, list[int]] = defaultdict(list)
        by_volunteer: dict[int, list[int]] = defaultdict(list)
        for vid, line, stars in await ledger.ratings(community.id, lo, hi):
            by_line[line].append(stars)
            by_volunteer[vid].append(stars)

        def summary(key: str, name: str, stars: list[int]) -> Satisfaction:
            return Satisfaction(
                key=key,
                name=name,
                ratings=len(stars),
                mean_stars=round(sum(stars) / len(stars), 2),
                share_satisfied=round(sum(1 for s in stars if s >= 4) / len(stars), 3),
            )

        return CommunityStats(
            community_id=community.id,
            start=start,
            end=end,
            satisfaction_by_line=[
                summary(
                    line,
                    self.s.host.lines[line].title if line in self.s.host.lines else line,
                    stars,
                )
                for line, stars in sorted(by_line.items())
            ],
            satisfaction_by_volunteer=[
                summary(str(vid), names.get(vid, f"volunteer {vid}"), stars)
                for vid, stars in sorted(by_volunteer.items())
            ],
            hours=[
                MonthlyHours(
                    month=month,
                    volunteer_id=vid,
                    volunteer_name=names.get(vid, f"volunteer {vid}"),
                    line=line,
                    hours=round(minutes / 60, 2),
                )
                for month, vid, line, minutes in await ledger.monthly_hours(
                    community.id, start, end
                )
            ],
        )

    async def hours_csv(self, who: Principal, community_id: int, start: date, end: date) -> str:
        stats = await self.stats(who, community_id, start, end)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["month", "volunteer_id", "volunteer", "line", "hours"])
        for row in stats.hours:
            writer.writerow([row.month, row.volunteer_id, row.volunteer_name, row.line, row.hours])
        return out.getvalue()
