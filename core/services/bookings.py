"""Requests and offers: from a resident's booking to a volunteer's completed job.

Every write transaction writes first (the new request, or a conditional UPDATE) and reads
after, so on SQLite it holds the write lock from its first statement and never fails to
upgrade one; on PostgreSQL the conditional UPDATEs lock the rows they change.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import msgspec

from core.domain.access import Principal
from core.domain.commands import Cancel, Complete, Decline, NewRequest, StaffOffer, WindowIn
from core.domain.enums import OPEN_REQUEST_STATUSES, EventKind, OfferStatus, RequestStatus
from core.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound, ServiceLineDisabled
from core.domain.events import RequestEvent
from core.domain.records import OfferRecord, RequestRecord
from core.domain.time import Interval, is_slot_aligned
from core.matching import Candidate, Need, ineligibility
from core.plugins.line import RequestDraft, ResidentInfo
from core.services.people import aware
from core.storage import bookings as store
from core.storage import communities, people
from core.storage.database import transaction
from core.storage.models import Offer, ServiceRequest

if TYPE_CHECKING:
    from core.services import Services

MAX_PAGE = 200


class BookingService:
    def __init__(self, services: Services) -> None:
        self.s = services

    # -- requests ---------------------------------------------------------------------------

    async def create(self, who: Principal, cmd: NewRequest) -> RequestRecord:
        community = await communities.get_community(cmd.community_id)
        who.require_member(community.id)
        zone = ZoneInfo(community.timezone)
        line = self.s.host.line(cmd.line)
        config = await communities.line_config(community.id, line.key)
        if config is None or not config.enabled:
            raise ServiceLineDisabled(
                f"service line {line.key!r} is not enabled in "
                f"community {community.id}; staff can enable it"
            )
        settings = line.decode_settings(config.settings)
        service = line.service(cmd.service)
        details = line.decode_details(service, cmd.details)

        if cmd.resident_id is None:
            resident = await people.resident_of(who.account_id, community.id)
            if resident is None:
                raise InvalidInput.field(
                    "resident_id",
                    "you are not a resident here: staff "
                    "filing for a resident must name resident_id",
                )
        else:
            resident = await people.get_resident(cmd.resident_id)
            if resident.membership.community_id != community.id:
                raise InvalidInput.field(
                    "resident_id", f"resident {cmd.resident_id} is not in this community"
                )
            if resident.membership.account.id != who.account_id:
                who.require_staff(community.id)

        window = self._window(cmd.window, zone, service.default_duration, line.max_duration)
        if cmd.place is not None:
            building_name, unit, room = cmd.place.building, cmd.place.unit, cmd.place.room
        else:
            building_name = resident.building.name if resident.building else None
            unit, room = resident.unit, resident.room
        building_id = await communities.building_id(community.id, building_name, "place.building")

        draft = RequestDraft(
            community_id=community.id,
            line=line.key,
            service=service.key,
            details=details,
            window=window,
            building=building_name,
            filed_by_staff=who.is_staff(community.id),
            resident=ResidentInfo(
                elderly=resident.elderly,
                lives_alone=resident.lives_alone,
                no_smartphone=resident.no_smartphone,
                building=resident.building.name if resident.building else None,
            ),
        )
        problems = line.validate(draft, settings) + self.s.host.validate_request(draft)
        if problems:
            raise InvalidInput(
                "; ".join(f"{p.field}: {p.message}" for p in problems), problems=problems
            )
        needs = line.requirements(service, details, settings)
        priority = line.priority(draft, settings)

        now = self.s.clock()
        events: list[RequestEvent] = []
        async with transaction():
            request = await store.insert_request(
                community_id=community.id,
                line=line.key,
                service=service.key,
                details=msgspec.to_builtins(details),
                starts_at=window.start,
                ends_at=window.end,
                building_id=building_id,
                unit=unit,
                room=room,
                resident_id=resident.id,
                filed_by_id=who.account_id,
                status=RequestStatus.PENDING,
                seats=needs.team_size,
                filled=0,
                required_skills=sorted(needs.skills),
                priority=priority,
                notes=cmd.notes,
            )
            request = await store.get_request(request.id)  # with its building and community
            events.append(
                await store.record_event(
                    request,
                    EventKind.CREATED,
                    now,
                    to_status=RequestStatus.PENDING,
                    actor_id=who.account_id,
                    note=cmd.notes,
                )
            )
            events += await self._fill(request)
        await self.s.host.emit(events)
        return await store.request_record(await store.get_request(request.id))

    def _window(
        self, raw: WindowIn, zone: ZoneInfo, default: timedelta, longest: timedelta
    ) -> Interval:
        start = aware(raw.start, zone)
        end = aware(raw.end, zone) if raw.end is not None else start + default
        problems = []
        if end <= start:
            problems.append(FieldProblem("window.end", "must be after window.start"))
        elif end - start > longest:
            problems.append(
                FieldProblem(
                    "window.end",
                    f"this line's jobs last at most {longest.total_seconds() / 3600:g}h",
                )
            )
        for name, moment in (("window.start", start), ("window.end", end)):
            if not is_slot_aligned(moment):
                problems.append(
                    FieldProblem(name, "times go in 5-minute steps (15:00, 15:05, ...)")
                )
        if start <= self.s.clock():
            problems.append(FieldProblem("window.start", "must be in the future"))
        if problems:
            raise InvalidInput(
                "; ".join(f"{p.field}: {p.message}" for p in problems), problems=problems
            )
        return Interval(start, end)

    async def get(self, who: Principal, request_id: int) -> RequestRecord:
        request = await store.get_request(request_id)
        await self._require_can_see(who, request)
        return await store.request_record(request)

    async def requests(
        self,
        who: Principal,
        *,
        community_id: int | None,
        statuses: list[RequestStatus] | None,
        limit: int,
        offset: int,
    ) -> list[RequestRecord]:
        limit = max(1, min(limit, MAX_PAGE))
        if community_id is not None and who.is_staff(community_id):
            rows = await store.list_requests(
                community_id=community_id, statuses=statuses, limit=limit, offset=offset
            )
        elif community_id is None and who.is_admin:
            rows = await store.list_requests(statuses=statuses, limit=limit, offset=offset)
        else:  # what a resident filed or was served
            rows = await store.list_requests(
                account_id=who.account_id,
                community_id=community_id,
                statuses=statuses,
                limit=limit,
                offset=offset,
            )
        return [await store.request_record(r, with_history=False) for r in rows]

    async def _require_can_see(self, who: Principal, request: ServiceRequest) -> None:
        if (
            who.is_staff(request.community_id)
            or request.filed_by_id == who.account_id
            or request.resident.membership.account.id == who.account_id
        ):
            return
        raise NotFound(f"request {request.id} not found")

    async def cancel(self, who: Principal, request_id: int, cmd: Cancel) -> RequestRecord:
        request = await store.get_request(request_id)
        await self._require_can_see(who, request)
        now = self.s.clock()
        zone = ZoneInfo(request.community.timezone)
        events: list[RequestEvent] = []
        async with transaction():
            before = request.status
            if not await store.set_status(
                request, {*OPEN_REQUEST_STATUSES, RequestStatus.ASSIGNED}, RequestStatus.CANCELLED
            ):
                raise Conflict(f"request {request.id} is already {request.status}")
            for offer in await store.offers_of_request(
                request.id, {OfferStatus.OFFERED, OfferStatus.ACCEPTED}
            ):
                if not await store.transition_offer(
                    offer.id, OfferStatus(offer.status), OfferStatus.CANCELLED
                ):
                    continue
                if offer.status == OfferStatus.ACCEPTED:
                    await store.free_slots(offer.id)
                    await store.give_back_week_minutes(
                        offer.volunteer.id, store.window_of(request), zone
                    )
                events.append(
                    await store.record_event(
                        request,
                        EventKind.WITHDRAWN,
                        now,
                        actor_id=who.account_id,
                        offer_id=offer.id,
                        volunteer_account_id=offer.volunteer.membership.account.id,
                        note="request cancelled",
                    )
                )
            events.append(
                await store.record_event(
                    request,
                    EventKind.CANCELLED,
                    now,
                    from_status=before,
                    to_status=RequestStatus.CANCELLED,
                    actor_id=who.account_id,
                    note=cmd.reason,
                )
            )
        await self.s.host.emit(events)
        return await store.request_record(await store.get_request(request.id))

    async def rematch(self, who: Principal, request_id: int) -> RequestRecord:
        """Staff: look for volunteers again (after adding volunteers or changing skills)."""
        request = await store.get_request(request_id)
        who.require_staff(request.community_id)
        events: list[RequestEvent] = []
        async with transaction():
            if not await store.set_status(
                request, set(OPEN_REQUEST_STATUSES), RequestStatus.PENDING
            ):
                raise Conflict(f"request {request.id} is {request.status}, not open")
            events += await self._fill(request, actor_id=who.account_id)
        await self.s.host.emit(events)
        return await store.request_record(await store.get_request(request.id))

    async def offer_to(self, who: Principal, request_id: int, cmd: StaffOffer) -> OfferRecord:
        """Staff step in: offer the request to a volunteer they chose (e.g. after a phone call).
        Skills are still required; availability, overlap and the weekly cap are checked when
        the volunteer accepts."""
        request = await store.get_request(request_id)
        who.require_staff(request.community_id)
        volunteer = await people.get_volunteer(cmd.volunteer_id)
        if volunteer.membership.community_id != request.community_id or not volunteer.active:
            raise InvalidInput.field("volunteer_id", "no active volunteer with that id here")
        vr = await people.volunteer_record(volunteer)
        missing = set(request.required_skills) - set(vr.skills)
        if missing:
            raise InvalidInput.field("volunteer_id", f"lacks skills {sorted(missing)}")
        now = self.s.clock()
        events: list[RequestEvent] = []
        async with transaction():
            if not await store.set_status(
                request, set(OPEN_REQUEST_STATUSES), RequestStatus.PENDING
            ):
                raise Conflict(f"request {request.id} is {request.status}, not open")
            offer = await store.create_offer(
                request,
                volunteer.id,
                score=0.0,
                breakdown={"staff_choice": 1.0},
                at=now,
                expires_at=self._expiry(request, now),
                offered_by=who.account_id,
            )
            events.append(
                await store.record_event(
                    request,
                    EventKind.OFFERED,
                    now,
                    actor_id=who.account_id,
                    offer_id=offer.id,
                    volunteer_account_id=volunteer.membership.account.id,
                    note="chosen by staff",
                )
            )
        await self.s.host.emit(events)
        return store.offer_record(await store.get_offer(offer.id))

    # -- matching ---------------------------------------------------------------------------

    def _expiry(self, request: ServiceRequest, now: datetime) -> datetime:
        return min(now + self.s.config.offer_ttl, request.starts_at)

    async def _fill(
        self, request: ServiceRequest, actor_id: int | None = None
    ) -> list[RequestEvent]:
        """Offer every open seat to the best remaining candidate; if nobody is left and no
        offer is out, the request goes to the staff's unfilled queue. Runs inside the
        caller's transaction, after its first write."""
        now = self.s.clock()
        pending = await store.count_offers(request.id, OfferStatus.OFFERED)
        open_seats = request.seats - request.filled - pending
        events: list[RequestEvent] = []
        if open_seats <= 0:
            return events
        window = store.window_of(request)
        ranked = []
        if window.start > now:
            zone = ZoneInfo(request.community.timezone)
            candidates = await people.load_candidates(
                request.community_id,
                zone,
                window,
                frozenset(request.required_skills),
                exclude=await store.offered_volunteer_ids(request.id),
            )
            building = request.building.name if request.building else None
            need = Need(window=window, skills=frozenset(request.required_skills), building=building)
            ranked = self.s.matcher.rank(need, candidates)[:open_seats]
        for choice in ranked:
            offer = await store.create_offer(
                request,
                choice.candidate.volunteer_id,
                score=choice.score,
                breakdown=choice.breakdown,
                at=now,
                expires_at=self._expiry(request, now),
                offered_by=None,
            )
            events.append(
                await store.record_event(
                    request,
                    EventKind.OFFERED,
                    now,
                    actor_id=actor_id,
                    offer_id=offer.id,
                    volunteer_account_id=choice.candidate.account_id,
                    note=f"score {choice.score:g}",
                )
            )
        if pending + len(ranked) == 0 and request.filled < request.seats:
            before = request.status
            if await store.set_status(request, {RequestStatus.PENDING}, RequestStatus.UNFILLED):
                events.append(
                    await store.record_event(
                        request,
                        EventKind.UNFILLED,
                        now,
                        from_status=before,
                        to_status=RequestStatus.UNFILLED,
                        actor_id=actor_id,
                        note="no eligible volunteer left; waiting for staff",
                    )
                )
        return events

    async def explain(self, who: Principal, request_id: int) -> list[tuple[Candidate, list[str]]]:
        """Staff: every volunteer with the skills and why each is or is not eligible now."""
        request = await store.get_request(request_id)
        who.require_staff(request.community_id)
        window = store.window_of(request)
        need = Need(window=window, skills=frozenset(request.required_skills))
        zone = ZoneInfo(request.community.timezone)
        candidates = await people.load_candidates(
            request.community_id, zone, window, need.skills, exclude=set()
        )
        return [(c, ineligibility(need, c)) for c in candidates]

    # -- offers -----------------------------------------------------------------------------

    async def _own_offer(self, who: Principal, offer_id: int) -> Offer:
        offer = await store.get_offer(offer_id)
        if offer.volunteer.membership.account.id != who.account_id:
            raise NotFound(f"offer {offer_id} not found")
        return offer

    async def offer(self, who: Principal, offer_id: int) -> OfferRecord:
        offer = await store.get_offer(offer_id)
        if offer.volunteer.membership.account.id != who.account_id and not who.is_staff(
            offer.request.community_id
        ):
            raise NotFound(f"offer {offer_id} not found")
        return store.offer_record(offer)

    async def offers(
        self,
        who: Principal,
        *,
        community_id: int | None,
        statuses: list[OfferStatus] | None,
        limit: int,
        offset: int,
    ) -> list[OfferRecord]:
        limit = max(1, min(limit, MAX_PAGE))
        if community_id is not None and who.is_staff(community_id):
            rows = await store.list_offers(
                community_id=community_id, statuses=statuses, limit=limit, offset=offset
            )
        else:
            rows = await store.list_offers(
                account_id=who.account_id,
                community_id=community_id,
                statuses=statuses,
                limit=limit,
                offset=offset,
            )
        return [store.offer_record(o) for o in rows]

    async def accept(self, who: Principal, offer_id: int) -> OfferRecord:
        offer = await self._own_offer(who, offer_id)
        request, volunteer = offer.request, offer.volunteer
        zone = ZoneInfo(request.community.timezone)
        window = store.window_of(request)
        now = self.s.clock()
        events: list[RequestEvent] = []
        async with transaction():
            if not await store.transition_offer(
                offer.id,
                OfferStatus.OFFERED,
                OfferStatus.ACCEPTED,
                not_expired_at=now,
                responded_at=now,
            ):
                raise Conflict(self._why_closed(await store.get_offer(offer.id)))
            if not await store.claim_seat(request.id):
                raise Conflict(f"request {request.id} needs no more volunteers")
            if not await store.take_week_minutes(volunteer, window, zone):
                raise Conflict(
                    f"this would take you over your weekly cap of "
                    f"{volunteer.weekly_cap_minutes / 60:g}h"
                )
            await store.book_slots(who.account_id, offer.id, window)
            events.append(
                await store.record_event(
                    request,
                    EventKind.ACCEPTED,
                    now,
                    actor_id=who.account_id,
                    offer_id=offer.id,
                    volunteer_account_id=who.account_id,
                )
            )
            request = await store.get_request(request.id)
            if request.filled >= request.seats:
                before = request.status
                await store.set_status(request, set(OPEN_REQUEST_STATUSES), RequestStatus.ASSIGNED)
                events.append(
                    await store.record_event(
                        request,
                        EventKind.ASSIGNED,
                        now,
                        from_status=before,
                        to_status=RequestStatus.ASSIGNED,
                        actor_id=who.account_id,
                    )
                )
                for other in await store.offers_of_request(request.id, {OfferStatus.OFFERED}):
                    if await store.transition_offer(
                        other.id, OfferStatus.OFFERED, OfferStatus.CANCELLED
                    ):
                        events.append(
                            await store.record_event(
                                request,
                                EventKind.WITHDRAWN,
                                now,
                                offer_id=other.id,
                                volunteer_account_id=other.volunteer.membership.account.id,
                                note="every seat is taken",
                            )
                        )
        await self.s.host.emit(events)
        return store.offer_record(await store.get_offer(offer.id))

    @staticmethod
    def _why_closed(offer: Offer) -> str:
        if offer.status == OfferStatus.OFFERED:
            return f"offer {offer.id} has expired"
        return f"offer {offer.id} is already {offer.status}"

    async def decline(self, who: Principal, offer_id: int, cmd: Decline) -> OfferRecord:
        offer = await self._own_offer(who, offer_id)
        now = self.s.clock()
        events: list[RequestEvent] = []
        async with transaction():
            if not await store.transition_offer(
                offer.id,
                OfferStatus.OFFERED,
                OfferStatus.DECLINED,
                responded_at=now,
                decline_reason=cmd.reason,
            ):
                raise Conflict(self._why_closed(await store.get_offer(offer.id)))
            request = await store.get_request(offer.request.id)
            events.append(
                await store.record_event(
                    request,
                    EventKind.DECLINED,
                    now,
                    actor_id=who.account_id,
                    offer_id=offer.id,
                    volunteer_account_id=who.account_id,
                    note=cmd.reason,
                )
            )
            events += await self._fill(request)
        await self.s.host.emit(events)
        return store.offer_record(await store.get_offer(offer.id))

    async def expire_due(self) -> int:
        """Expire offers past their time and offer each seat to the next candidate.
        Each offer is expired by one conditional UPDATE, so concurrent sweeps never
        expire (or re-offer) the same offer twice. Returns how many expired."""
        now = self.s.clock()
        expired = 0
        for offer_id in await store.due_offers(now, self.s.config.sweep_batch):
            events: list[RequestEvent] = []
            async with transaction():
                if not await store.transition_offer(
                    offer_id, OfferStatus.OFFERED, OfferStatus.EXPIRED, responded_at=now
                ):
                    continue
                offer = await store.get_offer(offer_id)
                request = offer.request
                events.append(
                    await store.record_event(
                        request,
                        EventKind.EXPIRED,
                        now,
                        offer_id=offer.id,
                        volunteer_account_id=offer.volunteer.membership.account.id,
                        note="no answer in time",
                    )
                )
                if request.status in OPEN_REQUEST_STATUSES:
                    events += await self._fill(request)
            expired += 1
            await self.s.host.emit(events)
        return expired

    async def complete(self, who: Principal, offer_id: int, cmd: Complete) -> OfferRecord:
        offer = await self._own_offer(who, offer_id)
        request = offer.request
        window = store.window_of(request)
        now = self.s.clock()
        if now < window.start:
            start = window.start.astimezone(ZoneInfo(request.community.timezone))
            raise Conflict(f"the job starts at {start.isoformat()}; mark it done after")
        minutes = cmd.minutes if cmd.minutes is not None else window.minutes
        events: list[RequestEvent] = []
        async with transaction():
            if not await store.transition_offer(
                offer.id,
                OfferStatus.ACCEPTED,
                OfferStatus.COMPLETED,
                completed_at=now,
                minutes=minutes,
            ):
                raise Conflict(f"offer {offer.id} is {offer.status}, not accepted")
            events.append(
                await store.record_event(
                    request,
                    EventKind.COMPLETED,
                    now,
                    actor_id=who.account_id,
                    offer_id=offer.id,
                    volunteer_account_id=who.account_id,
                    note=cmd.note or f"{minutes} min",
                )
            )
            if await store.count_offers(
                request.id, OfferStatus.ACCEPTED
            ) == 0 and await store.set_status(
                request, {RequestStatus.ASSIGNED}, RequestStatus.COMPLETED
            ):
                events.append(
                    await store.record_event(
                        request,
                        EventKind.COMPLETED,
                        now,
                        from_status=RequestStatus.ASSIGNED,
                        to_status=RequestStatus.COMPLETED,
                        actor_id=who.account_id,
                        note="every volunteer has marked it done",
                    )
                )
        await self.s.host.emit(events)
        return store.offer_record(await store.get_offer(offer.id))
