from __future__ import annotations

from datetime import date

from litestar import Controller, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from api.etags import ETAG_HEADER, IfMatch, tagged
from core.domain.access import Principal
from core.domain.commands import AddExtraTime, AddTimeOff, SetCredentials, UpdateVolunteer
from core.domain.enums import HoursStatus
from core.domain.records import (
    CalendarFeed,
    ExtraTimeRecord,
    HoursEntryRecord,
    TimeOffRecord,
    VolunteerRecord,
)
from core.plugins.paging import Limit500, Offset
from core.services import Services


class VolunteerController(Controller):
    path = "/volunteers/{volunteer_id:int}"
    tags = ["volunteers"]

    @get(
        "/",
        summary="A volunteer profile (the volunteer or their staff), with its ETag",
        response_headers=[ETAG_HEADER],
    )
    async def show(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        volunteer_id: FromPath[int],
    ) -> Response[VolunteerRecord]:
        return tagged(await services.people.volunteer(who, volunteer_id))

    @patch(
        "/",
        summary="Change skills, availability, hour cap (fields sent are replaced); "
        "send If-Match with the ETag you read to refuse a lost update (412)",
        response_headers=[ETAG_HEADER],
    )
    async def update(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        volunteer_id: FromPath[int],
        data: JSONBody[UpdateVolunteer],
        if_match: IfMatch = None,
    ) -> Response[VolunteerRecord]:
        return tagged(await services.people.update_volunteer(who, volunteer_id, data, if_match))

    @post("/time-off", summary="Add one-off time off")
    async def add_time_off(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        volunteer_id: FromPath[int],
        data: JSONBody[AddTimeOff],
    ) -> TimeOffRecord:
        return await services.people.add_time_off(who, volunteer_id, data)

    @delete("/time-off/{time_off_id:int}", summary="Remove time off")
    async def delete_time_off(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        volunteer_id: FromPath[int],
        time_off_id: FromPath[int],
    ) -> None:
        await services.people.delete_time_off(who, volunteer_id, time_off_id)

    @put("/credentials", summary="Staff: set the credentials a volunteer holds (vetting)")
    async def set_credentials(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        volunteer_id: FromPath[int],
        data: JSONBody[SetCredentials],
    ) -> VolunteerRecord:
        return await services.people.set_credentials(who, volunteer_id, data)

    @post("/extra-time", summary="Add one-off free time beyond the weekly pattern")
    async def add_extra_time(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        volunteer_id: FromPath[int],
        data: JSONBody[AddExtraTime],
    ) -> ExtraTimeRecord:
        return await services.people.add_extra_time(who, volunteer_id, data)

    @delete("/extra-time/{extra_id:int}", summary="Remove one-off extra time")
    async def delete_extra_time(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        volunteer_id: FromPath[int],
        extra_id: FromPath[int],
    ) -> None:
        await services.people.delete_extra_time(who, volunteer_id, extra_id)

    @post(
        "/calendar-feed",
        summary="Issue a secret iCal address of your accepted work (replaces the old one)",
    )
    async def calendar_feed(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        volunteer_id: FromPath[int],
    ) -> CalendarFeed:
        return await services.people.issue_calendar_feed(who, volunteer_id)

    @get("/hours", summary="The volunteer's hours ledger (the volunteer or their staff)")
    async def hours(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        volunteer_id: FromPath[int],
        status: FromQuery[HoursStatus | None] = None,
        start: FromQuery[date | None] = None,
        end: FromQuery[date | None] = None,
        limit: Limit500 = 100,
        offset: Offset = 0,
    ) -> list[HoursEntryRecord]:
        return await services.ledger.hours(
            who,
            community_id=None,
            volunteer_id=volunteer_id,
            status=status,
            start=start,
            end=end,
            limit=limit,
            offset=offset,
        )
