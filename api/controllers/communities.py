from __future__ import annotations

from datetime import date

from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from api.etags import ETAG_HEADER, IfMatch, tagged
from core.domain.access import Principal
from core.domain.commands import (
    AddBuildings,
    AddMember,
    BatchRunIn,
    ConfigureLine,
    CreateCommunity,
    HoursCorrection,
    Phone,
)
from core.domain.enums import HoursStatus
from core.domain.policy import CommunitySettings
from core.domain.records import (
    BatchRunRecord,
    CommunityLineRecord,
    CommunityRecord,
    CommunityStats,
    HoursEntryRecord,
    MemberAdded,
    ResidentRecord,
    RevealRecord,
    VolunteerRecord,
)
from core.plugins.paging import Limit100, Limit200, Limit500, Offset
from core.services import Services


class CommunityController(Controller):
    path = "/communities"
    tags = ["communities"]

    @post("/", summary="Create a community (admins)")
    async def create(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        data: JSONBody[CreateCommunity],
    ) -> CommunityRecord:
        return await services.communities.create(who, data)

    @get("/", summary="Communities you belong to (admins: all), a page at a time")
    async def index(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        limit: Limit500 = 100,
        offset: Offset = 0,
    ) -> list[CommunityRecord]:
        return await services.communities.visible(who, limit, offset)

    @get("/{community_id:int}")
    async def show(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
    ) -> CommunityRecord:
        return await services.communities.get(who, community_id)

    @post("/{community_id:int}/buildings", summary="Add buildings (staff)")
    async def add_buildings(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        data: JSONBody[AddBuildings],
    ) -> CommunityRecord:
        return await services.communities.add_buildings(who, community_id, data.names, data.grid)

    @get(
        "/{community_id:int}/settings",
        summary="Matching and offer policy (members), with its ETag",
        response_headers=[ETAG_HEADER],
    )
    async def settings(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
    ) -> Response[CommunitySettings]:
        return tagged(await services.communities.settings(who, community_id))

    @put(
        "/{community_id:int}/settings",
        summary="Set matching weights, offer expiry, broadcast, escalation, approval (staff); "
        "If-Match refuses a lost update (412)",
        response_headers=[ETAG_HEADER],
    )
    async def set_settings(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        data: JSONBody[CommunitySettings],
        if_match: IfMatch = None,
    ) -> Response[CommunitySettings]:
        return tagged(await services.communities.set_settings(who, community_id, data, if_match))

    @post(
        "/{community_id:int}/batch-runs",
        summary="Staff: assign every open seat of a period at once (offers go out)",
    )
    async def batch_run(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        data: JSONBody[BatchRunIn],
    ) -> BatchRunRecord:
        return await services.batch.run(who, community_id, data)

    @get("/{community_id:int}/batch-runs", summary="Staff: past batch runs, newest first")
    async def batch_runs(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        limit: Limit100 = 20,
        offset: Offset = 0,
    ) -> list[BatchRunRecord]:
        return await services.batch.runs(who, community_id, limit, offset)

    @get(
        "/{community_id:int}/reveals",
        summary="Staff: every time a resident's door and phone were shown, to whom",
    )
    async def reveals(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        limit: Limit200 = 100,
        offset: Offset = 0,
    ) -> list[RevealRecord]:
        return await services.bookings.reveals(who, community_id, limit, offset)

    @get("/{community_id:int}/hours", summary="Staff: the hours ledger of the compound")
    async def hours(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        status: FromQuery[HoursStatus | None] = None,
        start: FromQuery[date | None] = None,
        end: FromQuery[date | None] = None,
        limit: Limit500 = 100,
        offset: Offset = 0,
    ) -> list[HoursEntryRecord]:
        return await services.ledger.hours(
            who,
            community_id=community_id,
            volunteer_id=None,
            status=status,
            start=start,
            end=end,
            limit=limit,
            offset=offset,
        )

    @post(
        "/{community_id:int}/hours/corrections",
        summary="Staff: add or take back minutes (a new ledger entry; nothing is edited)",
    )
    async def correct_hours(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        data: JSONBody[HoursCorrection],
    ) -> HoursEntryRecord:
        return await services.ledger.correct(who, community_id, data)

    @get(
        "/{community_id:int}/stats",
        summary="Staff: satisfaction per line and volunteer, monthly hours per volunteer and line",
    )
    async def stats(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        start: FromQuery[date],
        end: FromQuery[date],
    ) -> CommunityStats:
        return await services.ledger.stats(who, community_id, start, end)

    @get(
        "/{community_id:int}/hours.csv",
        summary="Staff: monthly approved hours per volunteer and line as CSV",
        media_type="text/csv",
    )
    async def hours_csv(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        start: FromQuery[date],
        end: FromQuery[date],
    ) -> Response[str]:
        body = await services.ledger.hours_csv(who, community_id, start, end)
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="hours-{community_id}-{start}.csv"'
            },
        )

    @get("/{community_id:int}/service-lines", summary="Which lines are enabled here, settings")
    async def lines(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
    ) -> list[CommunityLineRecord]:
        return await services.communities.lines(who, community_id)

    @put(
        "/{community_id:int}/service-lines/{line:str}",
        summary="Enable or disable a line here and set its settings (staff)",
    )
    async def configure_line(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        line: FromPath[str],
        data: JSONBody[ConfigureLine],
    ) -> CommunityLineRecord:
        return await services.communities.configure_line(who, community_id, line, data)

    @post(
        "/{community_id:int}/members",
        summary="Register a resident, volunteer or staff member (staff)",
    )
    async def add_member(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        data: JSONBody[AddMember],
    ) -> MemberAdded:
        return await services.people.add_member(who, community_id, data)

    @get(
        "/{community_id:int}/residents",
        summary="Residents (staff); ?phone=: those on that number, typed any way (who is "
        "calling the duty phone)",
    )
    async def residents(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        limit: Limit500 = 100,
        offset: Offset = 0,
        phone: FromQuery[Phone | None] = None,
    ) -> list[ResidentRecord]:
        return await services.people.residents(who, community_id, limit, offset, phone_number=phone)

    @get(
        "/{community_id:int}/volunteers", summary="Volunteers with skills and availability (staff)"
    )
    async def volunteers(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        limit: Limit500 = 100,
        offset: Offset = 0,
    ) -> list[VolunteerRecord]:
        return await services.people.volunteers(who, community_id, limit, offset)
