"""HTTP endpoints of the after-school class, under ``/afterschool``."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import Meta

from core.domain.access import Principal
from core.plugins.paging import Limit200, Offset
from core.services import Services
from plugins.afterschool.schemas import (
    AttendanceRecord,
    CalendarIn,
    CalendarRecord,
    CheckInIn,
    CheckOutIn,
    ChildIn,
    ChildRecord,
    ClassIn,
    ClassRecord,
    EnrolIn,
    EnrolmentRecord,
    SessionRecord,
    SessionsIn,
)
from plugins.afterschool.service import AfterschoolService


class SeatLimitIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    seat_limit: Annotated[int, Meta(ge=1, le=1000)]


class AfterschoolController(Controller):
    path = "/afterschool"
    tags = ["after-school class"]

    @get("/communities/{community_id:int}/calendar", summary="The school calendar")
    async def calendar(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
    ) -> CalendarRecord:
        return await AfterschoolService(services).calendar(who, community_id)

    @put(
        "/communities/{community_id:int}/calendar",
        summary="Staff: set the term, holidays and make-up school days",
    )
    async def set_calendar(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        data: JSONBody[CalendarIn],
    ) -> CalendarRecord:
        return await AfterschoolService(services).set_calendar(who, community_id, data)

    @post("/communities/{community_id:int}/classes", summary="Staff: open a class")
    async def create_class(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        data: JSONBody[ClassIn],
    ) -> ClassRecord:
        return await AfterschoolService(services).create_class(who, community_id, data)

    @get("/communities/{community_id:int}/classes", summary="Classes with seats and waitlist")
    async def classes(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        limit: Limit200 = 100,
        offset: Offset = 0,
    ) -> list[ClassRecord]:
        return await AfterschoolService(services).classes(who, community_id, limit, offset)

    @get("/classes/{class_id:int}", summary="One class")
    async def show_class(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        class_id: FromPath[int],
    ) -> ClassRecord:
        return await AfterschoolService(services).get_class(who, class_id)

    @put("/classes/{class_id:int}/seat-limit", summary="Staff: change the seat limit")
    async def set_seat_limit(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        class_id: FromPath[int],
        data: JSONBody[SeatLimitIn],
    ) -> ClassRecord:
        return await AfterschoolService(services).set_seat_limit(who, class_id, data.seat_limit)

    @post(
        "/classes/{class_id:int}/sessions",
        summary="Staff: generate sessions from the calendar; each asks for vetted tutors",
    )
    async def generate_sessions(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        class_id: FromPath[int],
        data: JSONBody[SessionsIn],
    ) -> list[SessionRecord]:
        return await AfterschoolService(services).generate_sessions(who, class_id, data)

    @get("/classes/{class_id:int}/sessions", summary="A class's sessions")
    async def sessions(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        class_id: FromPath[int],
        limit: Limit200 = 100,
        offset: Offset = 0,
    ) -> list[SessionRecord]:
        return await AfterschoolService(services).sessions(who, class_id, limit, offset)

    @post("/children", summary="Guardian: register a child and who may collect them")
    async def add_child(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        data: JSONBody[ChildIn],
    ) -> ChildRecord:
        return await AfterschoolService(services).add_child(who, data)

    @get("/children", summary="Guardian: your children")
    async def children(
        self, services: NamedDependency[Services], who: NamedDependency[Principal]
    ) -> list[ChildRecord]:
        return await AfterschoolService(services).my_children(who)

    @get("/children/{child_id:int}/attendance", summary="Guardian: the child's attendance")
    async def child_attendance(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        child_id: FromPath[int],
        limit: Limit200 = 100,
        offset: Offset = 0,
    ) -> list[AttendanceRecord]:
        return await AfterschoolService(services).child_attendance(who, child_id, limit, offset)

    @post(
        "/classes/{class_id:int}/enrolments",
        summary="Guardian: enrol a child (a seat, or the waitlist when full)",
    )
    async def enrol(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        class_id: FromPath[int],
        data: JSONBody[EnrolIn],
    ) -> EnrolmentRecord:
        return await AfterschoolService(services).enrol(who, class_id, data)

    @get("/classes/{class_id:int}/enrolments", summary="Enrolled and waitlisted (staff: all)")
    async def enrolments(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        class_id: FromPath[int],
        limit: Limit200 = 100,
        offset: Offset = 0,
    ) -> list[EnrolmentRecord]:
        return await AfterschoolService(services).enrolments(who, class_id, limit, offset)

    @delete(
        "/enrolments/{enrolment_id:int}",
        status_code=200,
        summary="Withdraw; the first waitlisted child gets the seat",
    )
    async def withdraw(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        enrolment_id: FromPath[int],
    ) -> EnrolmentRecord:
        return await AfterschoolService(services).withdraw(who, enrolment_id)

    @post("/sessions/{session_id:int}/check-in", summary="Tutor or staff: a child arrived")
    async def check_in(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        session_id: FromPath[int],
        data: JSONBody[CheckInIn],
    ) -> AttendanceRecord:
        return await AfterschoolService(services).check_in(who, session_id, data)

    @post(
        "/sessions/{session_id:int}/check-out",
        status_code=200,
        summary="Tutor or staff: release a child to an adult on the child's list",
    )
    async def check_out(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        session_id: FromPath[int],
        data: JSONBody[CheckOutIn],
    ) -> AttendanceRecord:
        return await AfterschoolService(services).check_out(who, session_id, data)

    @get("/sessions/{session_id:int}/attendance", summary="Tutor or staff: who is here")
    async def session_attendance(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        session_id: FromPath[int],
    ) -> list[AttendanceRecord]:
        return await AfterschoolService(services).session_attendance(who, session_id)
