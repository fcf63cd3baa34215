"""Use cases of the after-school class. Each public method is one transaction; tutors are
found by the core's matching through ``BookingService.file_work``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

import msgspec
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q

from core.domain import phone
from core.domain.access import Principal
from core.domain.enums import OfferStatus, Role
from core.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.domain.time import Interval, minute_of_day, time_of_day
from core.storage import bookings as core_bookings
from core.storage import communities
from core.storage.database import transaction
from plugins.afterschool import rules
from plugins.afterschool.models import (
    AfterschoolClass,
    Attendance,
    Child,
    ClassSession,
    Enrolment,
    SchoolCalendar,
)
from plugins.afterschool.schemas import (
    AfterschoolSettings,
    AttendanceRecord,
    CalendarIn,
    CalendarRecord,
    CheckInIn,
    CheckOutIn,
    ChildIn,
    ChildRecord,
    ClassIn,
    ClassRecord,
    Collector,
    EnrolIn,
    EnrolmentRecord,
    SessionRecord,
    SessionsIn,
)

if TYPE_CHECKING:
    from core.services import Services

LINE = "afterschool"
ENROLLED, WAITLISTED, WITHDRAWN = "enrolled", "waitlisted", "withdrawn"


class AfterschoolService:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def _settings(self, community_id: int) -> AfterschoolSettings:
        settings = await self.s.communities.enabled_settings(community_id, LINE)
        assert isinstance(settings, AfterschoolSettings)
        return settings

    # -- calendar -------------------------------------------------------------------------

    async def _calendar(self, community_id: int) -> CalendarIn | None:
        row = await SchoolCalendar.get_or_none(community_id=community_id)
        if row is None:
            return None
        return msgspec.convert(
            {
                "term_start": row.term_start,
                "term_end": row.term_end,
                "holidays": row.holidays,
                "makeup_days": row.makeup_days,
            },
            CalendarIn,
        )

    async def calendar(self, who: Principal, community_id: int) -> CalendarRecord:
        who.require_member(community_id)
        found = await self._calendar(community_id)
        if found is None:
            raise NotFound(f"community {community_id} has no school calendar yet")
        return CalendarRecord(community_id=community_id, **msgspec.structs.asdict(found))

    async def set_calendar(
        self, who: Principal, community_id: int, cmd: CalendarIn
    ) -> CalendarRecord:
        who.require_staff(community_id)
        await self._settings(community_id)
        if cmd.term_end < cmd.term_start:
            raise InvalidInput.field("term_end", "the term must end after it starts")
        bad = rules.holidays_valid(cmd.holidays)
        if bad:
            raise InvalidInput.field(bad[0], "a holiday must end on or after its start")
        values = {
            "term_start": cmd.term_start,
            "term_end": cmd.term_end,
            "holidays": msgspec.to_builtins(cmd.holidays),
            "makeup_days": [d.isoformat() for d in cmd.makeup_days],
        }
        async with transaction():
            if not await SchoolCalendar.filter(community_id=community_id).update(**values):
                try:
                    async with transaction():  # a savepoint
                        await SchoolCalendar.create(community_id=community_id, **values)
                except IntegrityError:  # created at the same moment by someone else
                    await SchoolCalendar.filter(community_id=community_id).update(**values)
        return CalendarRecord(community_id=community_id, **msgspec.structs.asdict(cmd))

    # -- classes and sessions -------------------------------------------------------------

    async def _class_record(self, k: AfterschoolClass) -> ClassRecord:
        waiting = await Enrolment.filter(klass_id=k.id, status=WAITLISTED).count()
        return ClassRecord(
            id=k.id,
            community_id=k.community_id,
            name=k.name,
            kind=k.kind,
            weekdays=list(k.weekdays),
            start=time_of_day(k.start_minute),
            end=time_of_day(k.end_minute),
            seat_limit=k.seat_limit,
            enrolled=k.enrolled,
            waitlisted=waiting,
            starts_on=k.starts_on,
            ends_on=k.ends_on,
            subjects=list(k.subjects),
            building=k.building,
            notes=k.notes,
        )

    async def _get_class(self, class_id: int) -> AfterschoolClass:
        found = await AfterschoolClass.get_or_none(id=class_id)
        if found is None:
            raise NotFound(f"class {class_id} not found")
        return found

    async def create_class(self, who: Principal, community_id: int, cmd: ClassIn) -> ClassRecord:
        who.require_staff(community_id)
        await self._settings(community_id)
        if cmd.end <= cmd.start:
            raise InvalidInput.field("end", "a session must end after it starts")
        if cmd.kind == "holiday" and (cmd.starts_on is None or cmd.ends_on is None):
            raise InvalidInput.field("starts_on", "a holiday class needs starts_on and ends_on")
        if cmd.starts_on and cmd.ends_on and cmd.ends_on < cmd.starts_on:
            raise InvalidInput.field("ends_on", "must be on or after starts_on")
        unknown = self.s.host.unknown_skills(cmd.subjects)
        if unknown:
            raise InvalidInput.field("subjects", f"unknown skills {unknown}; see GET /skills")
        await communities.building_id(community_id, cmd.building, "building")
        async with transaction():
            k = await AfterschoolClass.create(
                community_id=community_id,
                name=cmd.name,
                kind=cmd.kind,
                weekdays=sorted(set(cmd.weekdays)),
                start_minute=minute_of_day(cmd.start),
                end_minute=minute_of_day(cmd.end),
                seat_limit=cmd.seat_limit,
                starts_on=cmd.starts_on,
                ends_on=cmd.ends_on,
                subjects=sorted(set(cmd.subjects)),
                building=cmd.building,
                notes=cmd.notes,
            )
        return await self._class_record(k)

    async def classes(
        self, who: Principal, community_id: int, limit: int = 100, offset: int = 0
    ) -> list[ClassRecord]:
        who.require_member(community_id)
        query = AfterschoolClass.filter(community_id=community_id).order_by("id")
        rows = await query.offset(offset).limit(limit)
        return [await self._class_record(k) for k in rows]

    async def get_class(self, who: Principal, class_id: int) -> ClassRecord:
        k = await self._get_class(class_id)
        who.require_member(k.community_id)
        return await self._class_record(k)

    async def generate_sessions(
        self, who: Principal, class_id: int, cmd: SessionsIn
    ) -> list[SessionRecord]:
        """Sessions for the class's days in [start, end] from the school calendar, each with
        a core request for its tutors (one per ``children_per_tutor`` enrolled children,
        vetted). Days that already have a session are left as they are."""
        k = await self._get_class(class_id)
        who.require_staff(k.community_id)
        settings = await self._settings(k.community_id)
        if cmd.end < cmd.start:
            raise InvalidInput.field("end", "must be on or after start")
        if (cmd.end - cmd.start).days > 120:
            raise InvalidInput.field("end", "generate at most 120 days at a time")
        calendar = await self._calendar(k.community_id)
        if calendar is None and k.kind != "holiday":
            raise Conflict("set the school calendar first (PUT .../afterschool/calendar)")
        days = rules.school_days(
            calendar,
            k.weekdays,
            cmd.start,
            cmd.end,
            kind=k.kind,
            class_start=k.starts_on,
            class_end=k.ends_on,
        )
        community = await communities.get_community(k.community_id)
        zone = ZoneInfo(community.timezone)
        now = self.s.clock()
        existing = set(
            await ClassSession.filter(klass_id=k.id, day__in=days).values_list("day", flat=True)
        )
        out: list[SessionRecord] = []
        for day in days:
            if day in existing:
                continue
            start = datetime.combine(day, time_of_day(k.start_minute), zone).astimezone(UTC)
            end = datetime.combine(day, time_of_day(k.end_minute), zone).astimezone(UTC)
            if start <= now:
                continue
            children = k.enrolled
            details = {
                "class_id": k.id,
                "class_name": k.name,
                "children": children,
                "subjects": list(k.subjects),
            }
            try:
                async with transaction():
                    session = await ClassSession.create(
                        klass_id=k.id,
                        day=day,
                        starts_at=start,
                        ends_at=end,
                        tutors_needed=rules.tutors_needed(children, settings.children_per_tutor),
                        children=children,
                    )
            except IntegrityError:
                continue  # generated at the same moment by someone else
            request = await self.s.bookings.file_work(
                who,
                k.community_id,
                LINE,
                "session",
                Interval(start, end),
                details,
                building=k.building,
                notes=f"{k.name}, {day.isoformat()}",
            )
            await ClassSession.filter(id=session.id).update(request_id=request.id)
            out.append(
                SessionRecord(
                    id=session.id,
                    class_id=k.id,
                    day=day,
                    start=start.astimezone(zone),
                    end=end.astimezone(zone),
                    request_id=request.id,
                    tutors_needed=session.tutors_needed,
                    children=children,
                )
            )
        return out

    async def sessions(
        self, who: Principal, class_id: int, limit: int = 100, offset: int = 0
    ) -> list[SessionRecord]:
        """A page of the class's sessions, in date order."""
        k = await self._get_class(class_id)
        who.require_member(k.community_id)
        zone = await communities.zone(k.community_id)
        return [
            SessionRecord(
                id=s.id,
                class_id=k.id,
                day=s.day,
                start=s.starts_at.astimezone(zone),
                end=s.ends_at.astimezone(zone),
                request_id=s.request_id,
                tutors_needed=s.tutors_needed,
                children=s.children,
            )
            for s in await ClassSession.filter(klass_id=k.id)
            .order_by("day", "id")
            .offset(offset)
            .limit(limit)
        ]

    # -- children and enrolment -----------------------------------------------------------

    @staticmethod
    def _child_record(c: Child) -> ChildRecord:
        return ChildRecord(
            id=c.id,
            community_id=c.community_id,
            guardian_account_id=c.guardian_id,
            name=c.name,
            age=c.age,
            grade=c.grade,
            school=c.school,
            notes=c.notes,
            collectors=msgspec.convert(c.collectors, list[Collector]),
        )

    async def add_child(self, who: Principal, cmd: ChildIn) -> ChildRecord:
        """A guardian (a resident of the compound) registers their child."""
        if not who.has(Role.RESIDENT, cmd.community_id):
            raise Forbidden("children are registered by their guardian, a resident here")
        await self._settings(cmd.community_id)
        collectors = [
            msgspec.structs.replace(c, phone=phone.checked(c.phone, f"collectors[{i}].phone"))
            for i, c in enumerate(cmd.collectors)
        ]
        async with transaction():
            child = await Child.create(
                community_id=cmd.community_id,
                guardian_id=who.account_id,
                name=cmd.name,
                age=cmd.age,
                grade=cmd.grade,
                school=cmd.school,
                notes=cmd.notes,
                collectors=msgspec.to_builtins(collectors),
            )
        return self._child_record(child)

    async def _child_for(self, who: Principal, child_id: int) -> Child:
        """The guardian's own child, or any child of a compound ``who`` staffs; else 404."""
        child = await Child.get_or_none(id=child_id)
        if child is None or (
            child.guardian_id != who.account_id and not who.is_staff(child.community_id)
        ):
            raise NotFound(f"child {child_id} not found")
        return child

    async def my_children(self, who: Principal) -> list[ChildRecord]:
        rows = await Child.filter(guardian_id=who.account_id).order_by("id")
        return [self._child_record(c) for c in rows]

    async def _enrolment_record(
        self, e: Enrolment, child: Child, zone: ZoneInfo, queue: dict[int, int] | None = None
    ) -> EnrolmentRecord:
        """``zone``: the compound's, which its times are shown in. ``queue``: the waitlist's
        places, when the caller read them all (an enrolment that joined or left the queue
        since is counted on its own)."""
        position = None
        if e.status == WAITLISTED:
            if queue is not None and e.id in queue:
                position = queue[e.id]
            else:
                ahead = Q(queued_at__lt=e.queued_at) | Q(queued_at=e.queued_at, id__lt=e.id)
                waiting = Enrolment.filter(ahead, klass_id=e.klass_id, status=WAITLISTED)
                position = 1 + await waiting.count()
        return EnrolmentRecord(
            id=e.id,
            class_id=e.klass_id,
            child_id=child.id,
            child_name=child.name,
            status=e.status,  # type: ignore[arg-type]
            waitlist_position=position,
            created_at=e.created_at.astimezone(zone),
        )

    async def enrol(self, who: Principal, class_id: int, cmd: EnrolIn) -> EnrolmentRecord:
        """Take a seat if one is free, else join the waitlist (first come, first served).
        The seat is taken by one conditional UPDATE of the class's counter, so simultaneous
        enrolments never put more children in the class than its seat limit."""
        k = await self._get_class(class_id)
        child = await self._child_for(who, cmd.child_id)
        if child.community_id != k.community_id:
            raise InvalidInput.field("child_id", "the child is registered in another compound")
        now = self.s.clock()
        async with transaction():
            # Write first: back into the queue after a withdrawal, else a new row; the unique
            # (class, child) index refuses a second active one (and ends the transaction).
            if await Enrolment.filter(klass_id=k.id, child_id=child.id, status=WITHDRAWN).update(
                status=WAITLISTED, queued_at=now
            ):
                e = await Enrolment.get(klass_id=k.id, child_id=child.id)
            else:
                try:
                    e = await Enrolment.create(
                        klass_id=k.id, child_id=child.id, status=WAITLISTED, queued_at=now
                    )
                except IntegrityError:
                    raise Conflict(f"{child.name} is already enrolled or waiting here") from None
            if await self._take_seat(k.id):
                await Enrolment.filter(id=e.id).update(status=ENROLLED)
        await self._retutor(k.id)
        zone = await communities.zone(k.community_id)
        return await self._enrolment_record(await Enrolment.get(id=e.id), child, zone)

    @staticmethod
    async def _take_seat(class_id: int) -> bool:
        return bool(
            await AfterschoolClass.filter(id=class_id, enrolled__lt=F("seat_limit")).update(
                enrolled=F("enrolled") + 1
            )
        )

    async def withdraw(self, who: Principal, enrolment_id: int) -> EnrolmentRecord:
        """The guardian (or staff) withdraws; a freed seat goes at once to the first child on
        the waitlist, in the same transaction."""
        e = await Enrolment.get_or_none(id=enrolment_id)
        if e is None:
            raise NotFound(f"enrolment {enrolment_id} not found")
        child = await self._child_for(who, e.child_id)
        async with transaction():
            was = e.status
            if (
                not await Enrolment.filter(id=e.id, status=was)
                .exclude(status=WITHDRAWN)
                .update(status=WITHDRAWN)
            ):
                raise Conflict(f"enrolment {e.id} is already withdrawn")
            if was == ENROLLED:
                await AfterschoolClass.filter(id=e.klass_id, enrolled__gt=0).update(
                    enrolled=F("enrolled") - 1
                )
                await self._promote(e.klass_id)
        await self._retutor(e.klass_id)
        zone = await communities.zone(child.community_id)
        return await self._enrolment_record(await Enrolment.get(id=e.id), child, zone)

    async def _promote(self, class_id: int) -> None:
        """Fill free seats from the head of the waitlist."""
        while True:
            head = (
                await Enrolment.filter(klass_id=class_id, status=WAITLISTED)
                .order_by("queued_at", "id")
                .first()
            )
            if head is None or not await self._take_seat(class_id):
                return
            await Enrolment.filter(id=head.id, status=WAITLISTED).update(status=ENROLLED)

    async def _retutor(self, class_id: int) -> None:
        """After enrolment changed: every future session asks for as many tutors as its
        children now need (more seats are offered; unheld extra seats are dropped). Runs
        after the enrolment's own transaction; the next change catches up if one fails."""
        k = await self._get_class(class_id)
        settings = await self._settings(k.community_id)
        needed = rules.tutors_needed(k.enrolled, settings.children_per_tutor)
        sessions = await ClassSession.filter(
            klass_id=k.id, starts_at__gt=self.s.clock(), request_id__not_isnull=True
        )
        for session in sessions:
            if session.tutors_needed == needed and session.children == k.enrolled:
                continue
            if session.tutors_needed != needed:
                assert session.request_id is not None
                try:
                    await self.s.bookings.update_work(
                        None,
                        session.request_id,
                        {
                            "class_id": k.id,
                            "class_name": k.name,
                            "children": k.enrolled,
                            "subjects": list(k.subjects),
                        },
                    )
                except Conflict:
                    continue  # the session's request was cancelled or is done
            await ClassSession.filter(id=session.id).update(
                children=k.enrolled, tutors_needed=needed
            )

    async def set_seat_limit(self, who: Principal, class_id: int, limit: int) -> ClassRecord:
        """Staff change the seat limit; more seats promote from the waitlist at once. A
        lower limit keeps the children already enrolled (nobody is dropped)."""
        k = await self._get_class(class_id)
        who.require_staff(k.community_id)
        async with transaction():
            await AfterschoolClass.filter(id=k.id).update(seat_limit=limit)
            await self._promote(k.id)
        await self._retutor(k.id)
        return await self._class_record(await self._get_class(k.id))

    async def enrolments(
        self, who: Principal, class_id: int, limit: int = 100, offset: int = 0
    ) -> list[EnrolmentRecord]:
        """A page of the class's enrolments: enrolled, then the waitlist in its order."""
        k = await self._get_class(class_id)
        who.require_member(k.community_id)
        query = Enrolment.filter(klass_id=k.id).exclude(status=WITHDRAWN)
        if not who.is_staff(k.community_id):
            query = query.filter(child__guardian_id=who.account_id)
        rows = (
            await query.order_by("status", "queued_at", "id")
            .offset(offset)
            .limit(limit)
            .prefetch_related("child")
        )
        queue: dict[int, int] = {}
        if any(e.status == WAITLISTED for e in rows):  # one read for the page's places
            waiting = Enrolment.filter(klass_id=k.id, status=WAITLISTED).order_by("queued_at", "id")
            ids = cast("list[int]", await waiting.values_list("id", flat=True))
            queue = {eid: place for place, eid in enumerate(ids, 1)}
        zone = await communities.zone(k.community_id)
        return [await self._enrolment_record(e, e.child, zone, queue) for e in rows]

    # -- attendance -----------------------------------------------------------------------

    async def _session_for_duty(self, who: Principal, session_id: int) -> ClassSession:
        """Staff of the compound, or a tutor who accepted this session's request."""
        session = await ClassSession.get_or_none(id=session_id).prefetch_related("klass")
        if session is None:
            raise NotFound(f"session {session_id} not found")
        if who.is_staff(session.klass.community_id):
            return session
        if session.request_id is not None:
            for offer in await core_bookings.offers_of_request(
                session.request_id, {OfferStatus.ACCEPTED, OfferStatus.COMPLETED}
            ):
                if offer.volunteer.membership.account.id == who.account_id:
                    return session
        raise Forbidden("only staff and this session's tutors record attendance")

    async def _enrolled_child(self, session: ClassSession, child_id: int) -> Child:
        e = await Enrolment.get_or_none(
            klass_id=session.klass_id, child_id=child_id, status=ENROLLED
        ).prefetch_related("child")
        if e is None:
            raise InvalidInput.field("child_id", "the child is not enrolled in this class")
        return e.child

    async def check_in(self, who: Principal, session_id: int, cmd: CheckInIn) -> AttendanceRecord:
        """A child arrived: from an hour before the session starts, on its day."""
        session = await self._session_for_duty(who, session_id)
        child = await self._enrolled_child(session, cmd.child_id)
        now = self.s.clock()
        zone = await self._zone(session)
        if (
            now < session.starts_at - timedelta(hours=1)
            or now.astimezone(zone).date() != session.day
        ):
            opens = (session.starts_at - timedelta(hours=1)).astimezone(zone)
            raise Conflict(f"check-in for this session opens at {opens.isoformat()}")
        async with transaction():
            try:
                await Attendance.create(
                    session_id=session.id,
                    child_id=child.id,
                    checked_in_at=now,
                    checked_in_by=who.account_id,
                )
            except IntegrityError:
                raise Conflict(f"{child.name} is already checked in") from None
        return await self._attendance(session.id, child.id)

    async def check_out(self, who: Principal, session_id: int, cmd: CheckOutIn) -> AttendanceRecord:
        """Release the child only to an adult on the child's list; the name is recorded."""
        session = await self._session_for_duty(who, session_id)
        child = await self._enrolled_child(session, cmd.child_id)
        collectors = msgspec.convert(child.collectors, list[Collector])
        if not rules.allowed_collector(collectors, cmd.collected_by):
            raise InvalidInput.field(
                "collected_by",
                f"{cmd.collected_by!r} is not on {child.name}'s list of adults allowed to "
                "collect; call the guardian",
            )
        now = self.s.clock()
        async with transaction():
            done = await Attendance.filter(
                session_id=session.id, child_id=child.id, checked_out_at=None
            ).update(
                checked_out_at=now, checked_out_by=who.account_id, collected_by=cmd.collected_by
            )
            if not done:
                here = await Attendance.exists(session_id=session.id, child_id=child.id)
                raise Conflict(
                    f"{child.name} is already checked out"
                    if here
                    else f"{child.name} was not checked in"
                )
        return await self._attendance(session.id, child.id)

    @staticmethod
    async def _zone(session: ClassSession) -> ZoneInfo:
        return await communities.zone(session.klass.community_id)

    async def _attendance(self, session_id: int, child_id: int) -> AttendanceRecord:
        a = await Attendance.get(session_id=session_id, child_id=child_id).prefetch_related(
            "session__klass", "child"
        )
        return self._attendance_record(a, await self._zone(a.session))

    @staticmethod
    def _attendance_record(a: Attendance, zone: ZoneInfo) -> AttendanceRecord:
        def local(moment: datetime | None) -> datetime | None:
            return moment.astimezone(zone) if moment else None

        return AttendanceRecord(
            session_id=a.session_id,
            day=a.session.day,
            class_name=a.session.klass.name,
            child_id=a.child_id,
            child_name=a.child.name,
            checked_in_at=local(a.checked_in_at),
            checked_out_at=local(a.checked_out_at),
            collected_by=a.collected_by,
        )

    async def child_attendance(
        self, who: Principal, child_id: int, limit: int = 100, offset: int = 0
    ) -> list[AttendanceRecord]:
        """What the guardian sees: the sessions the child attended, latest first, with who
        collected them; a page at a time."""
        child = await self._child_for(who, child_id)
        rows = (
            await Attendance.filter(child_id=child.id)
            .order_by("-session__day", "-id")
            .offset(offset)
            .limit(limit)
            .prefetch_related("session__klass", "child")
        )
        zone = await communities.zone(child.community_id)
        return [self._attendance_record(a, zone) for a in rows]

    async def session_attendance(self, who: Principal, session_id: int) -> list[AttendanceRecord]:
        session = await self._session_for_duty(who, session_id)
        rows = (
            await Attendance.filter(session_id=session.id)
            .order_by("id")
            .prefetch_related("session__klass", "child")
        )
        zone = await self._zone(session)
        return [self._attendance_record(a, zone) for a in rows]
