from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from core.domain.access import Principal
from core.domain.commands import AddBuildings, AddMember, ConfigureLine, CreateCommunity
from core.domain.records import (
    CommunityLineRecord,
    CommunityRecord,
    MemberAdded,
    ResidentRecord,
    VolunteerRecord,
)
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

    @get("/", summary="Communities you belong to (admins: all)")
    async def index(
        self, services: NamedDependency[Services], who: NamedDependency[Principal]
    ) -> list[CommunityRecord]:
        return await services.communities.visible(who)

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
        return await services.communities.add_buildings(who, community_id, data.names)

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

    @get("/{community_id:int}/residents", summary="Residents (staff)")
    async def residents(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
    ) -> list[ResidentRecord]:
        return await services.people.residents(who, community_id)

    @get(
        "/{community_id:int}/volunteers", summary="Volunteers with skills and availability (staff)"
    )
    async def volunteers(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
    ) -> list[VolunteerRecord]:
        return await services.people.volunteers(who, community_id)
