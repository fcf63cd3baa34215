"""Requests and offers: from a resident's booking to a volunteer's completed job.

On SQLite every transaction holds the database's write lock from its BEGIN
(``BEGIN IMMEDIATE``, ``core.storage.sqlite_inline``), so a booking may match (read) before
it writes and never fails to upgrade a read lock; on PostgreSQL the conditional UPDATEs lock
the rows they change, and a booking's transaction plans its statements as written
(``database.transaction(as_written=True)``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import msgspec

from core.domain.access import Principal
from core.domain.commands import (
    Cancel,
    Complete,
    Decline,
    NewRequest,
    NoShow,
    StaffOffer,
    WindowIn,
)
from core.domain.enums import OPEN_REQUEST_STATUSES, EventKind, OfferStatus, RequestStatus
from core.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from core.domain.events import RequestEvent
from core.domain.policy import CommunitySettings, decode_settings
from core.domain.records import OfferRecord, RequestRecord, RevealRecord
from core.domain.time import Interval, is_slot_aligned
from core.matching import Candidate, Need, Ranked, ineligibility
from core.plugins.line import RequestDraft, ResidentInfo, StoredRequest
from core.services.people import aware
from core.storage import bookings as store
from core.storage import communities, ledger, listing, notices, people
from core.storage.database import transaction
from core.storage.models import Building, Community, Offer, Resident, ServiceRequest
from core.storage.shortlist import Shortlist, shortlist

if TYPE_CHECKING:
    from core.services import Services

MAX_PAGE = 200
# Offer states in which an offer occupies its seat (no second offer is made for it).
SEAT_HOLDING = {OfferStatus.OFFERED, OfferStatus.ACCEPTED, OfferStatus.COMPLETED}
# Urgent requests rank above every ordinary one in queues and sweeps.
URGENT_PRIORITY = 1000
# Volunteers shortlisted by the database per seat on the instant path (at least).
SHORTLIST = 16
# How far ahead a request may be filed (a window near the calendar's end, year 9999, was
# answered as "a number is out of range", naming no field).
HORIZON = timedelta(days=366)


def stored_request(request: ServiceRequest) -> StoredRequest:
    return StoredRequest(
        id=request.id,
        community_id=request.community_id,
        line=request.line,
        service=request.service,
        details=dict(request.details),
        window=Interval(request.starts_at, request.ends_at),
        building=request.building.name if request.building else None,
    )


def seat_skills_of(request: ServiceRequest) -> list[frozenset[str]]:
    """Each seat's skills (requests stored before per-seat skills share one set)."""
    if request.seat_skills:
        return [frozenset(s) for s in request.seat_skills]
    return [frozenset(request.required_skills)] * request.seats


class BookingService:
    def __init__(self, services: Services) -> None:
        self.s = services

    # -- requests ---------------------------------------------------------------------------

    async def create(self, who: Principal, cmd: NewRequest) -> RequestRecord:
        # The compound, its line configuration and the resident in one read; checked in
        # the order the API documents its errors.
        community, config, resident, pool = await communities.booking_context(
            cmd.community_id, cmd.line, resident_id=cmd.resident_id, account_id=who.account_id
        )
        if community is None:
            raise NotFound(f"community {cmd.community_id} not found")
        who.require_member(community.id)
        zone = ZoneInfo(community.timezone)
        line = self.s.host.line(cmd.line)
        settings = self.s.communities.settings_of(line, community.id, config)
        service = line.service(cmd.service)
        details = line.decode_details(service, cmd.details)

        if cmd.resident_id is None:
            if resident is None:
                raise InvalidInput.field(
                    "resident_id",
                    "you are not a resident here: staff "
                    "filing for a resident must name resident_id",
                )
        else:
            if resident is None:
                raise NotFound(f"resident {cmd.resident_id} not found")
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
        if resident.building is not None and building_name == resident.building.name:
            building: Building | None = resident.building  # already read with the resident
        else:
            building = await communities.building(community.id, building_name, "place.building")

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
        seats = needs.seats()
        if not seats:
            raise InvalidInput.field("service", "this service needs no volunteers")
        priority = line.priority(draft, settings) + (URGENT_PRIORITY if cmd.urgent else 0)
        policy = decode_settings(community.settings)

        return await self._insert_and_match(
            community_id=community.id,
            line=line.key,
            service=service.key,
            details=msgspec.to_builtins(details),
            starts_at=window.start,
            ends_at=window.end,
            building_id=building.id if building else None,
            unit=unit,
            room=room,
            resident_id=resident.id,
            related=(community, building, resident),
            filed_by_id=who.account_id,
            filed_by_name=who.name,
            seats=seats,
            credentials=needs.credentials,
            priority=priority,
            urgent=cmd.urgent,
            notes=cmd.notes,
            instant=policy.matching == "instant",
            pool_ids=pool,
        )

    async def file_work(
        self,
        who: Principal,
        community_id: int,
        line_key: str,
        service_key: str,
        window: Interval,
        details: dict[str, Any],
        *,
        building: str | None = None,
        notes: str = "",
    ) -> RequestRecord:
        """Staff (or a service line acting for them) file the compound's own work, served to
        no resident: a class session needing tutors, a patrol shift. It is matched like any
        request; the line's ``requirements`` decide its seats from ``details``."""
        community = await communities.get_community(community_id)
        who.require_staff(community.id)
        line = self.s.host.line(line_key)
        settings = await self.s.communities.enabled_settings(community.id, line.key)
        service = line.service(service_key)
        parsed = line.decode_details(service, details)
        draft = RequestDraft(
            community_id=community.id,
            line=line.key,
            service=service.key,
            details=parsed,
            window=window,
            building=building,
            filed_by_staff=True,
            resident=ResidentInfo(),
        )
        problems = line.validate(draft, settings) + self.s.host.validate_request(draft)
        if problems:
            raise InvalidInput(
                "; ".join(f"{p.field}: {p.message}" for p in problems), problems=problems
            )
        needs = line.requirements(service, parsed, settings)
        seats = needs.seats()
        if not seats:
            raise InvalidInput.field("service", "this work needs no volunteers")
        place = await communities.building(community.id, building, "building")
        return await self._insert_and_match(
            community_id=community.id,
            line=line.key,
            service=service.key,
            details=msgspec.to_builtins(parsed),
            starts_at=window.start,
            ends_at=window.end,
            building_id=place.id if place else None,
            unit="",
            room="",
            resident_id=None,
            related=(community, place, None),
            filed_by_id=who.account_id,
            filed_by_name=who.name,
            seats=seats,
            credentials=needs.credentials,
            priority=line.priority(draft, settings),
            urgent=False,
            notes=notes,
            instant=decode_settings(community.settings).matching == "instant",
        )

    async def _insert_and_match(
        self,
        *,
        seats: list[frozenset[str]],
        credentials: frozenset[str],
        notes: str,
        filed_by_id: int,
        filed_by_name: str,
        instant: bool,
        related: tuple[Community, Building | None, Resident | None],
        pool_ids: list[int] | None = None,
        **values: Any,
    ) -> RequestRecord:
        now = self.s.clock()
        request = ServiceRequest(
            **values,
            filed_by_id=filed_by_id,
            status=RequestStatus.PENDING,
            seats=len(seats),
            filled=0,
            required_skills=sorted(set().union(*seats)),
            required_credentials=sorted(credentials),
            seat_skills=[sorted(s) for s in seats],
            notes=notes,
        )
        # The rows it points at were read while validating: attach them, no re-read.
        request.community, request.building, request.resident = related
        first: list[tuple[EventKind, str | None, str, int | None, str]] = [
            (EventKind.CREATED, None, RequestStatus.PENDING, filed_by_id, notes)
        ]
        # Planned as written on PostgreSQL: its statements are the shortlist, hand-written
        # writes and the line's own (``database.transaction``).
        async with transaction(as_written=True):
            # Matched before it is written: a new request has no offers, and whom it may
            # be offered to does not depend on its row. So it is written once, with the
            # status matching left it in (no update after), and its history with it.
            picks: list[tuple[int, list[Ranked]]] = []
            broadcast = False
            if instant:
                picks, broadcast, unfilled = await self._plan_fill(
                    request, offers=[], pool_ids=pool_ids, now=now
                )
                if unfilled is not None:
                    request.status = RequestStatus.UNFILLED
                    first.append(
                        (EventKind.UNFILLED, RequestStatus.PENDING, request.status, None, unfilled)
                    )
            events = await store.insert_request(request, now, first)
            await self.s.host.stored(stored_request(request))
            events += await self._offer_picks(request, picks, now, None, broadcast=broadcast)
        await self.s.host.emit(events)
        # The request as this transaction wrote it (its status decided before), its whole
        # history the events written here: nothing is read again. Nobody holds a seat yet:
        # matching only made offers.
        history = store.history_written(
            events, ZoneInfo(request.community.timezone), {filed_by_id: filed_by_name}
        )
        return await store.request_record(request, holders=[], history=history)

    def _window(
        self, raw: WindowIn, zone: ZoneInfo, default: timedelta, longest: timedelta
    ) -> Interval:
        start = aware(raw.start, zone)
        if start - self.s.clock() > HORIZON:  # also keeps what follows inside the calendar
            raise InvalidInput.field("window.start", "requests are filed at most a year ahead")
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
        await self.require_can_see(who, request)
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
            return await listing.requests(
                community_id=community_id, statuses=statuses, limit=limit, offset=offset
            )
        if community_id is None and who.is_admin:
            return await listing.requests(statuses=statuses, limit=limit, offset=offset)
        # what a resident filed or was served
        return await listing.requests(
            account_id=who.account_id,
            resident_ids=who.resident_ids,
            community_id=community_id,
            statuses=statuses,
            limit=limit,
            offset=offset,
        )

    async def require_can_see(self, who: Principal, request: ServiceRequest) -> None:
        if (
            who.is_staff(request.community_id)
            or request.filed_by_id == who.account_id
            or (request.resident and request.resident.membership.account.id == who.account_id)
        ):
            return
        raise NotFound(f"request {request.id} not found")

    async def cancel(self, who: Principal, request_id: int, cmd: Cancel) -> RequestRecord:
        request = await store.get_request(request_id)
        await self.require_can_see(who, request)
        now = self.s.clock()
        zone = ZoneInfo(request.community.timezone)
        events: list[RequestEvent] = []
        async with transaction():
            before = request.status
            if not await store.set_status(
                request, {*OPEN_REQUEST_STATUSES, RequestStatus.ASSIGNED}, RequestStatus.CANCELLED
            ):
                raise Conflict(f"request {request.id} is already {request.status}")
            await self.s.host.closed(stored_request(request), RequestStatus.CANCELLED)
            for offer in await store.offers_of_request(
                request.id, {OfferStatus.OFFERED, OfferStatus.ACCEPTED}
            ):
                if not await store.transition_offer(
                    offer.id, OfferStatus(offer.status), OfferStatus.CANCELLED, seat_key=None
                ):
                    continue
                await notices.cancel_for_offer(offer.id)
                if offer.status == OfferStatus.ACCEPTED:
                    await store.release_seat(request.id)  # the seat counter follows holders
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
            await store.reset_declines(request)
            events += await self._fill(request, actor_id=who.account_id)
        await self.s.host.emit(events)
        return await store.request_record(await store.get_request(request.id))

    async def update_work(
        self, who: Principal | None, request_id: int, details: dict[str, Any]
    ) -> RequestRecord:
        """Change the details of the compound's own work (a session's number of children);
        the line's requirements are derived again. New seats are offered at once; seats
        nobody holds are dropped (their offers withdrawn); held seats are never taken away.
        ``who`` None: the line itself, on the compound's behalf (not reachable over HTTP)."""
        request = await store.get_request(request_id)
        if who is not None:
            who.require_staff(request.community_id)
        if request.resident_id is not None:
            raise InvalidInput.field("request_id", "only the compound's own work is updated so")
        line = self.s.host.line(request.line)
        config = await communities.line_config(request.community_id, line.key)
        settings = line.decode_settings(config.settings if config else {})
        service = line.service(request.service)
        parsed = line.decode_details(service, details)
        wanted = line.requirements(service, parsed, settings).seats()
        now = self.s.clock()
        actor = who.account_id if who else None
        events: list[RequestEvent] = []
        async with transaction():
            await store.lock_request(request.id)
            held = await store.seats_with_offers(
                request.id, {OfferStatus.ACCEPTED, OfferStatus.COMPLETED}
            )
            count = max(len(wanted), max(held) + 1 if held else 0)
            old = seat_skills_of(request)
            seats = [wanted[i] if i < len(wanted) else old[i] for i in range(count)]
            if not await store.update_open_request(
                request.id,
                details=msgspec.to_builtins(parsed),
                seats=count,
                seat_skills=[sorted(s) for s in seats],
                required_skills=sorted(set().union(*seats)),
            ):
                raise Conflict(f"request {request.id} is {request.status}; it cannot change now")
            request = await store.get_request(request.id)
            full = request.filled >= request.seats
            events += await self._withdraw_open(
                request,
                now,
                "the work needs fewer volunteers now",
                actor_id=actor,
                spare=lambda other: not full and other.seat < count,
            )
            before = request.status
            if full:
                if await store.set_status(
                    request, set(OPEN_REQUEST_STATUSES), RequestStatus.ASSIGNED
                ):
                    events.append(
                        await store.record_event(
                            request,
                            EventKind.ASSIGNED,
                            now,
                            from_status=before,
                            to_status=RequestStatus.ASSIGNED,
                            actor_id=actor,
                        )
                    )
            else:
                await store.set_status(
                    request, {RequestStatus.ASSIGNED, RequestStatus.UNFILLED}, RequestStatus.PENDING
                )
                if decode_settings(request.community.settings).matching == "instant":
                    events += await self._fill(request, actor_id=actor)
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
        # Any seat nobody holds yet; one without an offer out first. A seat with an offer
        # out may get a second one: whoever accepts first takes it.
        held = await store.seats_with_offers(
            request.id, {OfferStatus.ACCEPTED, OfferStatus.COMPLETED}
        )
        open_seats = set(await self._open_seats(request))
        unheld = sorted(
            (i for i in range(request.seats) if i not in held),
            key=lambda i: (i not in open_seats, i),
        )
        fitting = [i for i in unheld if seat_skills_of(request)[i] <= set(vr.skills)]
        if not unheld:
            raise Conflict(f"every seat of request {request.id} is taken")
        if not fitting:
            missing = set().union(*(seat_skills_of(request)[i] for i in unheld)) - set(vr.skills)
            raise InvalidInput.field("volunteer_id", f"lacks skills {sorted(missing)}")
        policy = decode_settings(request.community.settings)
        now = self.s.clock()
        events: list[RequestEvent] = []
        async with transaction():
            if not await store.set_status(
                request, set(OPEN_REQUEST_STATUSES), RequestStatus.PENDING
            ):
                raise Conflict(f"request {request.id} is {request.status}, not open")
            offer, event = await store.create_offer(
                request,
                volunteer.id,
                score=0.0,
                breakdown={"staff_choice": 1.0},
                at=now,
                expires_at=self._expiry(request, now, policy),
                offered_by=who.account_id,
                notify=volunteer.membership.account.id,
                actor_id=who.account_id,
                note="chosen by staff",
                seat=fitting[0],
            )
            events.append(event)
        await self.s.host.emit(events)
        return store.offer_record(await store.get_offer(offer.id))

    # -- matching ---------------------------------------------------------------------------

    def _expiry(
        self, request: ServiceRequest, now: datetime, policy: CommunitySettings
    ) -> datetime:
        ttl = (
            timedelta(minutes=policy.offer_ttl_minutes)
            if policy.offer_ttl_minutes is not None
            else self.s.config.offer_ttl
        )
        return min(now + ttl, request.starts_at)

    async def _open_seats(self, request: ServiceRequest) -> list[int]:
        """Seats neither held (accepted or done) nor under an offer still out."""
        taken = await store.seats_with_offers(request.id, SEAT_HOLDING)
        return [i for i in range(request.seats) if i not in taken]

    def _need(self, request: ServiceRequest, seat: int, skills: frozenset[str]) -> Need:
        return Need(
            window=store.window_of(request),
            skills=skills,
            community_id=request.community_id,
            building=request.building.name if request.building else None,
            grid=request.building.grid if request.building else "",
            line=request.line,
            service=request.service,
            details=dict(request.details),
            request_id=request.id,
            resident_id=request.resident_id,
            seat=seat,
            urgent=request.urgent,
            priority=request.priority,
            credentials=frozenset(request.required_credentials),
        )

    async def _withdraw_open(
        self,
        request: ServiceRequest,
        now: datetime,
        note: str,
        *,
        spare: Callable[[Offer], bool],
        actor_id: int | None = None,
    ) -> list[RequestEvent]:
        """Withdraw the request's offers still waiting for an answer, but those ``spare``
        keeps: each is cancelled, its reminders dropped, and the history says why. Inside
        the caller's transaction."""
        events = []
        for other in await store.offers_of_request(request.id, {OfferStatus.OFFERED}):
            if spare(other) or not await store.transition_offer(
                other.id, OfferStatus.OFFERED, OfferStatus.CANCELLED
            ):
                continue
            await notices.cancel_for_offer(other.id)
            events.append(
                await store.record_event(
                    request,
                    EventKind.WITHDRAWN,
                    now,
                    actor_id=actor_id,
                    offer_id=other.id,
                    volunteer_account_id=other.volunteer.membership.account.id,
                    note=note,
                )
            )
        return events

    async def _pool(
        self, request: ServiceRequest, ids: list[int] | None = None
    ) -> tuple[list[int], dict[int, ZoneInfo]]:
        """The request's compound and its alliance partners (``ids`` when read already),
        with their time zones."""
        pool = ids if ids is not None else await communities.pool_ids(request.community_id)
        if pool == [request.community_id]:
            return pool, {request.community_id: ZoneInfo(request.community.timezone)}
        return pool, {c: ZoneInfo(tz) for c, tz in (await communities.zones(pool)).items()}

    async def candidates_for(
        self,
        request: ServiceRequest,
        exclude: set[int],
        skills: frozenset[str],
        *,
        only_free: bool = False,
        relevant_skills: frozenset[str] | None = None,
        pool: tuple[list[int], dict[int, ZoneInfo]] | None = None,
    ) -> list[Candidate]:
        """Candidates from the request's compound and its alliance partners."""
        ids, zones = pool or await self._pool(request)
        return await people.load_candidates(
            ids,
            zones,
            store.window_of(request),
            skills,
            exclude,
            now=self.s.clock(),
            resident_id=request.resident_id,
            request_id=request.id,
            only_free=only_free,
            relevant_skills=relevant_skills,
        )

    async def _fill(
        self,
        request: ServiceRequest,
        actor_id: int | None = None,
        *,
        offers: list[tuple[int, int, OfferStatus]] | None = None,
        pool_ids: list[int] | None = None,
    ) -> list[RequestEvent]:
        """Offer every open seat to the best remaining candidate (to the top N at once for an
        urgent request); if nobody is left and no offer is out, or the request was declined
        too often, it goes to the staff's unfilled queue. Runs inside the caller's
        transaction. ``offers``: the request's offers as
        ``store.offer_summary`` gives them, and ``pool_ids`` its compound's matching pool
        (``communities.pool_ids``), when the caller knows them already."""
        now = self.s.clock()
        picks, broadcast, unfilled = await self._plan_fill(
            request, offers=offers, pool_ids=pool_ids, now=now
        )
        events = await self._offer_picks(request, picks, now, actor_id, broadcast=broadcast)
        if unfilled is not None:
            event = await store.change_status(
                request,
                {RequestStatus.PENDING},
                RequestStatus.UNFILLED,
                EventKind.UNFILLED,
                now,
                actor_id=actor_id,
                note=unfilled,
            )
            if event is not None:
                events.append(event)
        return events

    async def _offer_picks(
        self,
        request: ServiceRequest,
        picks: list[tuple[int, list[Ranked]]],
        now: datetime,
        actor_id: int | None,
        *,
        broadcast: bool,
    ) -> list[RequestEvent]:
        """Offer each seat to its picks (``_plan_fill``'s): the offers' events."""
        if not picks:
            return []
        policy = decode_settings(request.community.settings)
        return [
            await self._make_offer(
                request, choice, seat, now, policy, actor_id, broadcast=broadcast
            )
            for seat, ranked in picks
            for choice in ranked
        ]

    async def _plan_fill(
        self,
        request: ServiceRequest,
        *,
        offers: list[tuple[int, int, OfferStatus]] | None,
        pool_ids: list[int] | None,
        now: datetime,
    ) -> tuple[list[tuple[int, list[Ranked]]], bool, str | None]:
        """What ``_fill`` would do, nothing written: the picks for each open seat, whether
        they are a broadcast (several per seat), and, when no offer would then be out for an
        unfilled seat, why the request goes to the staff's queue (else None)."""
        policy = decode_settings(request.community.settings)
        escalated = request.declines >= policy.escalate_after_declines
        if offers is None:
            offers = await store.offer_summary(request.id)  # (volunteer, seat, status) each
        busy_seats = {seat for _, seat, status in offers if status in SEAT_HOLDING}
        open_seats = [] if escalated else [i for i in range(request.seats) if i not in busy_seats]
        pending = sum(1 for *_, status in offers if status == OfferStatus.OFFERED)
        window = store.window_of(request)
        per_seat = policy.broadcast_top_n if request.urgent else 1
        picks: list[tuple[int, list[Ranked]]] = []
        if open_seats and window.start > now:
            already = {vid for vid, *_ in offers}
            picks = await self._pick(request, open_seats, per_seat, already, policy, pool_ids)
            pending += sum(len(ranked) for _, ranked in picks)
        unfilled = None
        if pending == 0 and request.filled < request.seats:
            unfilled = (
                f"declined {request.declines} times; waiting for staff"
                if escalated
                else "no eligible volunteer left; waiting for staff"
            )
        return picks, per_seat > 1, unfilled

    async def _pick(
        self,
        request: ServiceRequest,
        open_seats: list[int],
        per_seat: int,
        already: set[int],
        policy: CommunitySettings,
        pool_ids: list[int] | None = None,
    ) -> list[tuple[int, list[Ranked]]]:
        """The best ``per_seat`` candidates for each open seat, nobody twice.

        First from a shortlist ranked inside the database (``core.storage.shortlist``): the
        best ``SHORTLIST`` or so instead of every free volunteer. The answer is kept only
        when it provably equals ranking the whole pool; otherwise (or when a plugin adjusts
        scores, which SQL cannot see) the whole pool is loaded and ranked."""
        skills = seat_skills_of(request)
        pool = await self._pool(request, pool_ids)
        if not self.s.host.adjusts:
            lists: dict[frozenset[str], Shortlist] = {}
            for group in {skills[i] for i in open_seats}:
                found = await shortlist(
                    pool[0],
                    pool[1],
                    self._need(request, next(i for i in open_seats if skills[i] == group), group),
                    policy.weights,
                    already,
                    now=self.s.clock(),
                    k=max(SHORTLIST, 2 * per_seat * len(open_seats)),
                )
                if found is None:
                    break
                lists[group] = found
            else:
                picks = self._rank_seats(
                    request,
                    open_seats,
                    skills,
                    lambda seat: lists[skills[seat]].candidates,
                    per_seat,
                    policy,
                )
                if all(
                    lists[skills[seat]].proves([r.score for r in ranked], per_seat)
                    for seat, ranked in picks
                ):
                    return picks
        candidates = await self.candidates_for(
            request,
            already,
            frozenset.intersection(*(skills[i] for i in open_seats)),
            only_free=True,
            relevant_skills=frozenset().union(*(skills[i] for i in open_seats)),
            pool=pool,
        )
        return self._rank_seats(
            request, open_seats, skills, lambda seat: candidates, per_seat, policy
        )

    def _rank_seats(
        self,
        request: ServiceRequest,
        open_seats: list[int],
        skills: list[frozenset[str]],
        candidates: Callable[[int], list[Candidate]],
        per_seat: int,
        policy: CommunitySettings,
    ) -> list[tuple[int, list[Ranked]]]:
        """Rank ``candidates(seat)`` for each open seat in turn, nobody picked twice."""
        used: set[int] = set()
        picks = []
        for seat in open_seats:
            ranked = self.s.matcher.rank(
                self._need(request, seat, skills[seat]),
                [c for c in candidates(seat) if c.volunteer_id not in used],
                policy.weights,
                self.s.host,
                limit=per_seat,
            )
            used.update(r.candidate.volunteer_id for r in ranked)
            picks.append((seat, ranked))
        return picks

    async def _make_offer(
        self,
        request: ServiceRequest,
        choice: Ranked,
        seat: int,
        now: datetime,
        policy: CommunitySettings,
        actor_id: int | None,
        *,
        broadcast: bool = False,
        batch_run_id: int | None = None,
    ) -> RequestEvent:
        note = f"seat {seat + 1}, score {choice.score:g}" if request.seats > 1 else ""
        _, event = await store.create_offer(
            request,
            choice.candidate.volunteer_id,
            score=choice.score,
            breakdown=choice.breakdown,
            at=now,
            expires_at=self._expiry(request, now, policy),
            offered_by=None,
            notify=choice.candidate.account_id,
            actor_id=actor_id,
            note=note or f"score {choice.score:g}" + (" (broadcast)" if broadcast else ""),
            seat=seat,
            broadcast=broadcast,
            batch_run_id=batch_run_id,
        )
        return event

    async def explain(
        self, who: Principal, request_id: int
    ) -> list[tuple[int, Candidate, list[str], Ranked | None]]:
        """Staff: for each seat, every volunteer in the pool with its skills, why each is or is
        not eligible now (plugin vetoes included), and the score of those who are."""
        request = await store.get_request(request_id)
        who.require_staff(request.community_id)
        policy = decode_settings(request.community.settings)
        skills = seat_skills_of(request)
        candidates = await self.candidates_for(request, set(), frozenset.intersection(*skills))
        out = []
        for seat, seat_skills in enumerate(skills):
            need = self._need(request, seat, seat_skills)
            for c in candidates:
                reasons = ineligibility(need, c) + self.s.host.vetoes(need, c)
                ranked = (
                    None
                    if reasons
                    else self.s.matcher.rank(need, [c], policy.weights, self.s.host)[0]
                )
                out.append((seat, c, reasons, ranked))
        return out

    # -- offers -----------------------------------------------------------------------------

    async def _own_offer(self, who: Principal, offer_id: int) -> Offer:
        offer = await store.get_offer(offer_id)
        if offer.volunteer.membership.account.id != who.account_id:
            raise NotFound(f"offer {offer_id} not found")
        return offer

    async def offer(self, who: Principal, offer_id: int) -> OfferRecord:
        """One offer. Once accepted, its volunteer (or staff) see the resident's door and
        phone here, and each time they do it is logged."""
        offer = await store.get_offer(offer_id)
        if offer.volunteer.membership.account.id != who.account_id and not who.is_staff(
            offer.request.community_id
        ):
            raise NotFound(f"offer {offer_id} not found")
        record = store.offer_record(offer, reveal=True)
        await self._log_reveal(offer, record, who.account_id, "offer")
        return record

    async def reveals(
        self, who: Principal, community_id: int, limit: int, offset: int
    ) -> list[RevealRecord]:
        """Staff: who was shown a resident's door and phone, and when (newest first)."""
        who.require_staff(community_id)
        zone = await communities.zone(community_id)
        rows = await store.reveals(community_id, max(1, min(limit, MAX_PAGE)), max(offset, 0))
        return [
            RevealRecord(
                account_id=r.account_id,
                request_id=r.request_id,
                offer_id=r.offer_id,
                via=r.via,
                at=r.at.astimezone(zone),
            )
            for r in rows
        ]

    async def _log_reveal(
        self, offer: Offer, record: OfferRecord, account_id: int, via: str
    ) -> None:
        if record.job.unit is not None or record.job.resident_phone is not None:
            async with transaction():
                await store.log_reveal(offer, account_id, via, self.s.clock())

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
            return await listing.offers(
                community_id=community_id, statuses=statuses, limit=limit, offset=offset
            )
        return await listing.offers(
            account_id=who.account_id,
            volunteer_ids=who.volunteer_ids,
            community_id=community_id,
            statuses=statuses,
            limit=limit,
            offset=offset,
        )

    async def accept(self, who: Principal, offer_id: int) -> OfferRecord:
        """Take the offered seat. In one transaction, each step a conditional write whose
        result is checked: the offer (still open and not expired) takes the seat's unique key
        (one holder per seat, even when broadcast), the request's seat counter, the weekly
        cap, then the 5-minute slots (unique per person: no overlapping work)."""
        offer = await self._own_offer(who, offer_id)
        request, volunteer = offer.request, offer.volunteer
        zone = ZoneInfo(request.community.timezone)
        policy = decode_settings(request.community.settings)
        window = store.window_of(request)
        now = self.s.clock()
        events: list[RequestEvent] = []
        async with transaction():
            await store.lock_request(request.id)
            if not await store.take_offer_seat(offer, now):
                raise Conflict(self._why_closed(await store.get_offer(offer.id)))
            await people.count_answer(volunteer.id, now, answered=True, accepted=True)
            if not await store.claim_seat(request.id):
                raise Conflict(f"request {request.id} needs no more volunteers")
            if not await store.take_week_minutes(volunteer, window, zone):
                raise Conflict(
                    f"this would take you over your weekly cap of "
                    f"{volunteer.weekly_cap_minutes / 60:g}h"
                )
            await store.book_slots(who.account_id, offer.id, window)
            await notices.remind(offer, request, who.account_id, policy, now)
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
            full = request.filled >= request.seats
            if full:
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
            events += await self._withdraw_open(
                request,
                now,
                "every seat is taken" if full else "someone else took this seat",
                # other seats still need their volunteers
                spare=lambda other: not full and other.seat != offer.seat,
            )
        await self.s.host.emit(events)
        accepted = await store.get_offer(offer.id)
        record = store.offer_record(accepted, reveal=True)
        await self._log_reveal(accepted, record, who.account_id, "accept")
        return record

    @staticmethod
    def _why_closed(offer: Offer) -> str:
        if offer.status == OfferStatus.OFFERED:
            return f"offer {offer.id} has expired"
        if offer.status == OfferStatus.CANCELLED:
            return f"offer {offer.id} was withdrawn: someone else took the seat first"
        return f"offer {offer.id} is already {offer.status}"

    async def decline(self, who: Principal, offer_id: int, cmd: Decline) -> OfferRecord:
        offer = await self._own_offer(who, offer_id)
        now = self.s.clock()
        events: list[RequestEvent] = []
        async with transaction():
            await store.lock_request(offer.request.id)
            if not await store.transition_offer(
                offer.id,
                OfferStatus.OFFERED,
                OfferStatus.DECLINED,
                responded_at=now,
                decline_reason=cmd.reason,
            ):
                raise Conflict(self._why_closed(await store.get_offer(offer.id)))
            await people.count_answer(offer.volunteer.id, now, answered=True)
            await store.count_decline(offer.request.id)
            await notices.cancel_for_offer(offer.id)
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
            if request.status in OPEN_REQUEST_STATUSES:
                events += await self._fill(request)
        await self.s.host.emit(events)
        return store.offer_record(await store.get_offer(offer.id))

    async def expire_due(self) -> int:
        """Expire offers past their time and offer each seat to the next candidate.
        Each offer is expired by one conditional UPDATE, so concurrent sweeps never
        expire (or re-offer) the same offer twice. Returns how many expired."""
        now = self.s.clock()
        expired = 0
        for offer_id, request_id in await store.due_offers(now, self.s.config.sweep_batch):
            events: list[RequestEvent] = []
            async with transaction():
                await store.lock_request(request_id)
                if not await store.transition_offer(
                    offer_id, OfferStatus.OFFERED, OfferStatus.EXPIRED, responded_at=now
                ):
                    continue
                await notices.cancel_for_offer(offer_id)
                offer = await store.get_offer(offer_id)
                await people.count_answer(offer.volunteer.id, now, answered=True)
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

    # -- after the work -------------------------------------------------------------------

    async def complete(self, who: Principal, offer_id: int, cmd: Complete) -> OfferRecord:
        """The volunteer marks their part done."""
        offer = await self._own_offer(who, offer_id)
        events = await self._complete([offer], who, cmd)
        await self.s.host.emit(events)
        return store.offer_record(await store.get_offer(offer.id))

    async def complete_request(
        self, who: Principal, request_id: int, cmd: Complete
    ) -> RequestRecord:
        """The resident (or staff, or whoever filed it) confirms the work was done: every
        volunteer still holding a seat is marked done."""
        request = await store.get_request(request_id)
        await self.require_can_see(who, request)
        if cmd.minutes is not None and request.filled > 1:
            raise InvalidInput.field("minutes", "give minutes per volunteer, on each offer")
        held = await store.offers_of_request(request.id, {OfferStatus.ACCEPTED})
        if not held:
            raise Conflict(f"request {request.id} is {request.status}: nobody to mark done")
        events = await self._complete(held, who, cmd)
        await self.s.host.emit(events)
        return await store.request_record(await store.get_request(request.id))

    async def _complete(
        self, offers: list[Offer], who: Principal, cmd: Complete
    ) -> list[RequestEvent]:
        request = await store.get_request(offers[0].request_id)
        window = store.window_of(request)
        now = self.s.clock()
        if now < window.start:
            start = window.start.astimezone(ZoneInfo(request.community.timezone))
            raise Conflict(f"the job starts at {start.isoformat()}; mark it done after")
        policy = decode_settings(request.community.settings)
        minutes = cmd.minutes if cmd.minutes is not None else window.minutes
        zone = ZoneInfo(request.community.timezone)
        events: list[RequestEvent] = []
        async with transaction():
            await store.lock_request(request.id)
            for offer in offers:
                if not await store.transition_offer(
                    offer.id,
                    OfferStatus.ACCEPTED,
                    OfferStatus.COMPLETED,
                    completed_at=now,
                    minutes=minutes,
                    completed_by_id=who.account_id,
                ):
                    raise Conflict(f"offer {offer.id} is {offer.status}, not accepted")
                await people.count_answer(offer.volunteer_id, now, completed=True)
                await ledger.record_job(
                    offer,
                    request,
                    minutes,
                    worked_on=window.start.astimezone(zone).date(),
                    pending=policy.hours_need_approval,
                    at=now,
                    by=who.account_id,
                )
                events.append(
                    await store.record_event(
                        request,
                        EventKind.COMPLETED,
                        now,
                        actor_id=who.account_id,
                        offer_id=offer.id,
                        volunteer_account_id=offer.volunteer.membership.account.id,
                        note=cmd.note or f"{minutes} min",
                    )
                )
            events += await self._close_if_done(request, now, who.account_id)
        return events

    async def _close_if_done(
        self, request: ServiceRequest, now: datetime, actor_id: int
    ) -> list[RequestEvent]:
        if await store.count_offers(request.id, OfferStatus.ACCEPTED) == 0 and (
            await store.set_status(request, {RequestStatus.ASSIGNED}, RequestStatus.COMPLETED)
        ):
            return [
                await store.record_event(
                    request,
                    EventKind.COMPLETED,
                    now,
                    from_status=RequestStatus.ASSIGNED,
                    to_status=RequestStatus.COMPLETED,
                    actor_id=actor_id,
                    note="every volunteer's part is done",
                )
            ]
        return []

    async def drop(self, who: Principal, offer_id: int, cmd: Decline) -> OfferRecord:
        """The volunteer gives back a job they accepted, before it starts (ill, called away):
        the seat, their time and hours are released and the seat is offered to the next
        eligible volunteer at once (the substitute), or goes to the staff's queue. It
        counts against reliability like a decline."""
        offer = await self._own_offer(who, offer_id)
        request = offer.request
        now = self.s.clock()
        window = store.window_of(request)
        if now >= window.start:
            raise Conflict("the job has started; tell staff instead")
        zone = ZoneInfo(request.community.timezone)
        events: list[RequestEvent] = []
        async with transaction():
            await store.lock_request(request.id)
            if not await store.transition_offer(
                offer.id,
                OfferStatus.ACCEPTED,
                OfferStatus.DROPPED,
                seat_key=None,
                decline_reason=cmd.reason,
            ):
                raise Conflict(f"offer {offer.id} is {offer.status}, not accepted")
            await people.count_answer(offer.volunteer.id, now, answered=True)
            await store.release_seat(request.id)
            await store.free_slots(offer.id)
            await store.give_back_week_minutes(offer.volunteer.id, window, zone)
            await notices.cancel_for_offer(offer.id)
            await store.set_status(request, {RequestStatus.ASSIGNED}, RequestStatus.PENDING)
            request = await store.get_request(request.id)
            events.append(
                await store.record_event(
                    request,
                    EventKind.DROPPED,
                    now,
                    actor_id=who.account_id,
                    offer_id=offer.id,
                    volunteer_account_id=who.account_id,
                    note=cmd.reason or "gave the job back",
                )
            )
            events += await self._fill(request, actor_id=who.account_id)
        await self.s.host.emit(events)
        return store.offer_record(await store.get_offer(offer.id))

    async def no_show(self, who: Principal, offer_id: int, cmd: NoShow) -> OfferRecord:
        """Staff record that an accepted volunteer did not come. The seat is released and the
        request goes to the staff's unfilled queue; the miss counts against the volunteer's
        reliability (and fades with time)."""
        offer = await store.get_offer(offer_id)
        request = offer.request
        who.require_staff(request.community_id)
        now = self.s.clock()
        window = store.window_of(request)
        if now < window.start:
            raise Conflict("the job has not started yet; a volunteer can only miss it after")
        zone = ZoneInfo(request.community.timezone)
        events: list[RequestEvent] = []
        async with transaction():
            await store.lock_request(request.id)
            if not await store.transition_offer(
                offer.id, OfferStatus.ACCEPTED, OfferStatus.NO_SHOW, seat_key=None
            ):
                raise Conflict(f"offer {offer.id} is {offer.status}, not accepted")
            await people.count_answer(offer.volunteer.id, now, missed=True)
            await store.release_seat(request.id)
            await store.free_slots(offer.id)
            await store.give_back_week_minutes(offer.volunteer.id, window, zone)
            events.append(
                await store.record_event(
                    request,
                    EventKind.NO_SHOW,
                    now,
                    actor_id=who.account_id,
                    offer_id=offer.id,
                    volunteer_account_id=offer.volunteer.membership.account.id,
                    note=cmd.note or "did not come",
                )
            )
            before = request.status
            if await store.set_status(request, {RequestStatus.ASSIGNED}, RequestStatus.UNFILLED):
                events.append(
                    await store.record_event(
                        request,
                        EventKind.UNFILLED,
                        now,
                        from_status=before,
                        to_status=RequestStatus.UNFILLED,
                        actor_id=who.account_id,
                        note="a volunteer did not come; waiting for staff",
                    )
                )
        await self.s.host.emit(events)
        return store.offer_record(await store.get_offer(offer.id))
