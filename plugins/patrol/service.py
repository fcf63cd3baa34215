"""Use cases of the patrol line. Shifts are filed as the compound's own work
(``BookingService.file_work``); volunteers who signed up to a plan are offered each of its
shifts, and the core's matching offers the remaining seats."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError

from core.domain.access import Principal
from core.domain.commands import StaffOffer
from core.domain.enums import OfferStatus, Role
from core.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
)
from core.domain.time import Interval, minute_of_day, time_of_day
from core.services.people import aware
from core.storage import bookings as core_bookings
from core.storage import communities, people
from core.storage.database import transaction
from plugins.patrol import rules
from plugins.patrol.models import (
    CheckpointLog,
    Gate,
    Incident,
    Route,
    School,
    Shift,
    ShiftPlan,
    Signup,
)
from plugins.patrol.schemas import (
    CheckpointIn,
    CheckpointRecord,
    GateRecord,
    IncidentIn,
    IncidentRecord,
    PatrolSettings,
    PlanIn,
    PlanRecord,
    RouteIn,
    RouteRecord,
    SchoolIn,
    SchoolRecord,
    ShiftRecord,
    ShiftsIn,
)

if TYPE_CHECKING:
    from core.services import Services

LINE = "patrol"
SERVICE_OF = {"school-post": "school-post", "patrol": "patrol", "traffic": "traffic"}


class PatrolService:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def _settings(self, community_id: int) -> PatrolSettings:
        settings = await self.s.communities.enabled_settings(community_id, LINE)
        assert isinstance(settings, PatrolSettings)
        return settings

    # -- places ---------------------------------------------------------------------------

    async def add_school(self, who: Principal, community_id: int, cmd: SchoolIn) -> SchoolRecord:
        who.require_staff(community_id)
        await self._settings(community_id)
        async with transaction():
            school = await School.create(community_id=community_id, name=cmd.name)
            for name in cmd.gates:
                await Gate.create(school_id=school.id, name=name)
        return await self._school_record(school)

    async def _school_record(self, school: School) -> SchoolRecord:
        gates = await Gate.filter(school_id=school.id).order_by("id")
        return SchoolRecord(
            id=school.id,
            community_id=school.community_id,
            name=school.name,
            gates=[GateRecord(id=g.id, name=g.name) for g in gates],
        )

    async def schools(self, who: Principal, community_id: int) -> list[SchoolRecord]:
        who.require_member(community_id)
        rows = await School.filter(community_id=community_id).order_by("id")
        return [await self._school_record(s) for s in rows]

    async def add_route(self, who: Principal, community_id: int, cmd: RouteIn) -> RouteRecord:
        who.require_staff(community_id)
        await self._settings(community_id)
        if len(set(cmd.checkpoints)) != len(cmd.checkpoints):
            raise InvalidInput.field("checkpoints", "checkpoint names must be distinct")
        async with transaction():
            route = await Route.create(
                community_id=community_id, name=cmd.name, checkpoints=list(cmd.checkpoints)
            )
        return _route_record(route)

    async def routes(self, who: Principal, community_id: int) -> list[RouteRecord]:
        who.require_member(community_id)
        return [
            _route_record(r) for r in await Route.filter(community_id=community_id).order_by("id")
        ]

    # -- plans and shifts -----------------------------------------------------------------

    async def add_plan(self, who: Principal, community_id: int, cmd: PlanIn) -> PlanRecord:
        who.require_staff(community_id)
        settings = await self._settings(community_id)
        problems = []
        if cmd.end <= cmd.start:
            problems.append(("end", "a shift must end after it starts"))
        if cmd.ends_on is not None and cmd.ends_on < cmd.starts_on:
            problems.append(("ends_on", "must be on or after starts_on"))
        if cmd.kind == "school-post":
            gate = await Gate.get_or_none(id=cmd.gate_id or 0).prefetch_related("school")
            if gate is None or gate.school.community_id != community_id:
                problems.append(("gate_id", "a school-gate post needs a gate of this compound"))
        if cmd.kind == "patrol":
            route = await Route.get_or_none(id=cmd.route_id or 0)
            if route is None or route.community_id != community_id:
                problems.append(("route_id", "a patrol needs a route of this compound"))
            if cmd.volunteers < settings.patrol_team_minimum:
                problems.append(
                    ("volunteers", f"a patrol goes out as at least {settings.patrol_team_minimum}")
                )
        if problems:
            field, message = problems[0]
            raise InvalidInput.field(field, message)
        await communities.building_id(community_id, cmd.building, "building")
        async with transaction():
            plan = await ShiftPlan.create(
                community_id=community_id,
                kind=cmd.kind,
                name=cmd.name,
                gate_id=cmd.gate_id if cmd.kind == "school-post" else None,
                route_id=cmd.route_id if cmd.kind == "patrol" else None,
                weekdays=sorted(set(cmd.weekdays)),
                start_minute=minute_of_day(cmd.start),
                end_minute=minute_of_day(cmd.end),
                volunteers=cmd.volunteers,
                starts_on=cmd.starts_on,
                ends_on=cmd.ends_on,
                skip_dates=[d.isoformat() for d in cmd.skip_dates],
                extra_dates=[d.isoformat() for d in cmd.extra_dates],
                building=cmd.building,
            )
        return await self._plan_record(plan)

    async def _plan_record(self, p: ShiftPlan) -> PlanRecord:
        signed = (
            await Signup.filter(plan_id=p.id).order_by("id").values_list("volunteer_id", flat=True)
        )
        return PlanRecord(
            id=p.id,
            community_id=p.community_id,
            kind=p.kind,
            name=p.name,
            gate_id=p.gate_id,
            route_id=p.route_id,
            weekdays=list(p.weekdays),
            start=time_of_day(p.start_minute),
            end=time_of_day(p.end_minute),
            volunteers=p.volunteers,
            starts_on=p.starts_on,
            ends_on=p.ends_on,
            skip_dates=[date.fromisoformat(d) for d in p.skip_dates],
            extra_dates=[date.fromisoformat(d) for d in p.extra_dates],
            signed_up=cast("list[int]", signed),
        )

    async def _plan(self, plan_id: int) -> ShiftPlan:
        found = await ShiftPlan.get_or_none(id=plan_id)
        if found is None:
            raise NotFound(f"plan {plan_id} not found")
        return found

    async def plans(
        self, who: Principal, community_id: int, limit: int = 100, offset: int = 0
    ) -> list[PlanRecord]:
        who.require_member(community_id)
        query = ShiftPlan.filter(community_id=community_id).order_by("id")
        rows = await query.offset(offset).limit(limit)
        return [await self._plan_record(p) for p in rows]

    async def sign_up(self, who: Principal, plan_id: int) -> PlanRecord:
        """A volunteer of the compound signs up to a recurring shift."""
        plan = await self._plan(plan_id)
        if not who.has(Role.VOLUNTEER, plan.community_id):
            raise Forbidden("volunteers of this compound sign up to its shifts")
        volunteer = await people.volunteer_of(who.account_id, plan.community_id)
        async with transaction():
            try:
                await Signup.create(plan_id=plan.id, volunteer_id=volunteer.id)
            except IntegrityError:
                raise Conflict("you have already signed up to this shift") from None
        return await self._plan_record(plan)

    async def leave(self, who: Principal, plan_id: int) -> PlanRecord:
        plan = await self._plan(plan_id)
        volunteer = await people.volunteer_of(who.account_id, plan.community_id)
        async with transaction():
            if not await Signup.filter(plan_id=plan.id, volunteer_id=volunteer.id).delete():
                raise NotFound("you are not signed up to this shift")
        return await self._plan_record(plan)

    async def generate(self, who: Principal, plan_id: int, cmd: ShiftsIn) -> list[ShiftRecord]:
        """Shifts of the plan's days in [start, end]: each files a request for its team;
        signed-up volunteers are offered it (they still accept), matching offers the rest."""
        plan = await self._plan(plan_id)
        who.require_staff(plan.community_id)
        await self._settings(plan.community_id)
        if cmd.end < cmd.start or (cmd.end - cmd.start).days > 62:
            raise InvalidInput.field("end", "give an end after start, at most 62 days later")
        days = rules.shift_days(
            plan.weekdays,
            plan.starts_on,
            plan.ends_on,
            [date.fromisoformat(d) for d in plan.skip_dates],
            [date.fromisoformat(d) for d in plan.extra_dates],
            cmd.start,
            cmd.end,
        )
        zone = await communities.zone(plan.community_id)
        now = self.s.clock()
        signed = cast(
            "list[int]",
            await Signup.filter(plan_id=plan.id)
            .order_by("id")
            .values_list("volunteer_id", flat=True),
        )
        out = []
        for day in days:
            start = datetime.combine(day, time_of_day(plan.start_minute), zone).astimezone(UTC)
            end = datetime.combine(day, time_of_day(plan.end_minute), zone).astimezone(UTC)
            if start <= now:
                continue
            try:
                async with transaction():
                    shift = await Shift.create(
                        plan_id=plan.id, day=day, starts_at=start, ends_at=end
                    )
            except IntegrityError:
                continue  # already generated
            request = await self.s.bookings.file_work(
                who,
                plan.community_id,
                LINE,
                SERVICE_OF[plan.kind],
                Interval(start, end),
                {"plan_id": plan.id, "name": plan.name, "volunteers": plan.volunteers},
                building=plan.building,
                notes=f"{plan.name}, {day.isoformat()}",
            )
            await Shift.filter(id=shift.id).update(request_id=request.id)
            offered = {a.volunteer_id for a in request.assignments}
            for volunteer_id in signed:
                if volunteer_id in offered:
                    continue
                try:
                    await self.s.bookings.offer_to(
                        who, request.id, StaffOffer(volunteer_id=volunteer_id)
                    )
                except DomainError:
                    continue  # already offered by matching, left, or lacks the skill
            out.append(
                ShiftRecord(
                    id=shift.id,
                    plan_id=plan.id,
                    day=day,
                    start=start.astimezone(zone),
                    end=end.astimezone(zone),
                    request_id=request.id,
                )
            )
        return out

    async def shifts(
        self, who: Principal, plan_id: int, limit: int = 100, offset: int = 0
    ) -> list[ShiftRecord]:
        """A page of the plan's shifts, in date order."""
        plan = await self._plan(plan_id)
        who.require_member(plan.community_id)
        zone = await communities.zone(plan.community_id)
        return [
            ShiftRecord(
                id=s.id,
                plan_id=plan.id,
                day=s.day,
                start=s.starts_at.astimezone(zone),
                end=s.ends_at.astimezone(zone),
                request_id=s.request_id,
            )
            for s in await Shift.filter(plan_id=plan.id)
            .order_by("day", "id")
            .offset(offset)
            .limit(limit)
        ]

    # -- on duty --------------------------------------------------------------------------

    async def _on_duty(self, who: Principal, shift: Shift) -> bool:
        if shift.request_id is None:
            return False
        return any(
            o.volunteer.membership.account.id == who.account_id
            for o in await core_bookings.offers_of_request(
                shift.request_id, {OfferStatus.ACCEPTED, OfferStatus.COMPLETED}
            )
        )

    async def _shift(self, shift_id: int) -> Shift:
        found = await Shift.get_or_none(id=shift_id).prefetch_related("plan__route")
        if found is None:
            raise NotFound(f"shift {shift_id} not found")
        return found

    async def checkpoint(
        self, who: Principal, shift_id: int, cmd: CheckpointIn
    ) -> CheckpointRecord:
        """An on-duty patroller logs the next checkpoint of the route, in order, during the
        shift; the time is recorded."""
        shift = await self._shift(shift_id)
        plan = shift.plan
        if not await self._on_duty(who, shift):
            raise Forbidden("only volunteers on duty on this shift log its checkpoints")
        route = plan.route
        if route is None:
            raise Conflict("this shift has no route")
        settings = await self._settings(plan.community_id)
        now = self.s.clock()
        grace = timedelta(minutes=settings.checkpoint_grace_minutes)
        if not shift.starts_at - grace <= now <= shift.ends_at + grace:
            zone = await communities.zone(plan.community_id)
            raise Conflict(
                f"the shift runs {shift.starts_at.astimezone(zone):%H:%M}-"
                f"{shift.ends_at.astimezone(zone):%H:%M} on {shift.day.isoformat()}"
            )
        done = await CheckpointLog.filter(shift_id=shift.id, account_id=who.account_id).count()
        if cmd.checkpoint >= len(route.checkpoints):
            raise InvalidInput.field("checkpoint", f"the route has {len(route.checkpoints)}")
        if cmd.checkpoint != done:
            expected = (
                f"the next is {done}: {route.checkpoints[done]}"
                if done < len(route.checkpoints)
                else "the route is done"
            )
            raise InvalidInput.field("checkpoint", f"checkpoints go in order; {expected}")
        async with transaction():
            try:
                log = await CheckpointLog.create(
                    shift_id=shift.id,
                    account_id=who.account_id,
                    checkpoint=cmd.checkpoint,
                    name=route.checkpoints[cmd.checkpoint],
                    at=now,
                )
            except IntegrityError:
                raise Conflict("that checkpoint is already logged") from None
        zone = await communities.zone(plan.community_id)
        return _checkpoint_record(log, zone)

    async def checkpoints(self, who: Principal, shift_id: int) -> list[CheckpointRecord]:
        shift = await self._shift(shift_id)
        if not who.is_staff(shift.plan.community_id) and not await self._on_duty(who, shift):
            raise NotFound(f"shift {shift_id} not found")
        zone = await communities.zone(shift.plan.community_id)
        rows = await CheckpointLog.filter(shift_id=shift.id).order_by("at", "id")
        return [_checkpoint_record(c, zone) for c in rows]

    async def report(self, who: Principal, cmd: IncidentIn) -> IncidentRecord:
        """Volunteers and staff of the compound report what they saw; staff see them all."""
        if not (who.has(Role.VOLUNTEER, cmd.community_id) or who.is_staff(cmd.community_id)):
            raise Forbidden("volunteers and staff of this compound report incidents")
        await self._settings(cmd.community_id)
        zone = await communities.zone(cmd.community_id)
        now = self.s.clock()
        happened = aware(cmd.happened_at, zone) if cmd.happened_at else now
        if happened > now + timedelta(minutes=5):
            raise InvalidInput.field("happened_at", "cannot be in the future")
        if cmd.shift_id is not None:
            shift = await self._shift(cmd.shift_id)
            if shift.plan.community_id != cmd.community_id:
                raise InvalidInput.field("shift_id", "no such shift in this compound")
        async with transaction():
            incident = await Incident.create(
                community_id=cmd.community_id,
                shift_id=cmd.shift_id,
                reporter_id=who.account_id,
                reporter_name=who.name,
                what=cmd.what,
                where=cmd.where,
                happened_at=happened,
                photo_ref=cmd.photo_ref,
                reported_at=now,
            )
        return _incident_record(incident, zone)

    async def incidents(
        self, who: Principal, community_id: int, limit: int = 100, offset: int = 0
    ) -> list[IncidentRecord]:
        """A page of the compound's incidents, newest first."""
        who.require_staff(community_id)
        zone = await communities.zone(community_id)
        query = Incident.filter(community_id=community_id).order_by("-happened_at", "-id")
        return [_incident_record(i, zone) for i in await query.offset(offset).limit(limit)]


def _route_record(r: Route) -> RouteRecord:
    return RouteRecord(
        id=r.id, community_id=r.community_id, name=r.name, checkpoints=list(r.checkpoints)
    )


def _checkpoint_record(c: CheckpointLog, zone: ZoneInfo) -> CheckpointRecord:
    return CheckpointRecord(
        shift_id=c.shift_id,
        account_id=c.account_id,
        checkpoint=c.checkpoint,
        name=c.name,
        at=c.at.astimezone(zone),
    )


def _incident_record(i: Incident, zone: ZoneInfo) -> IncidentRecord:
    return IncidentRecord(
        id=i.id,
        community_id=i.community_id,
        shift_id=i.shift_id,
        reporter_account_id=i.reporter_id,
        reporter_name=i.reporter_name,
        what=i.what,
        where=i.where,
        happened_at=i.happened_at.astimezone(zone),
        photo_ref=i.photo_ref,
        reported_at=i.reported_at.astimezone(zone),
    )
