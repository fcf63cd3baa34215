"""HTTP endpoints of school-safety posts, patrols and traffic duty, under ``/patrol``."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from core.domain.access import Principal
from core.plugins.paging import Limit200, Offset
from core.services import Services
from plugins.patrol.schemas import (
    CheckpointIn,
    CheckpointRecord,
    IncidentIn,
    IncidentRecord,
    PlanIn,
    PlanRecord,
    RouteIn,
    RouteRecord,
    SchoolIn,
    SchoolRecord,
    ShiftRecord,
    ShiftsIn,
)
from plugins.patrol.service import PatrolService


class PatrolController(Controller):
    path = "/patrol"
    tags = ["patrol"]

    @post("/communities/{community_id:int}/schools", summary="Staff: a nearby school, gates")
    async def add_school(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        data: JSONBody[SchoolIn],
    ) -> SchoolRecord:
        return await PatrolService(services).add_school(who, community_id, data)

    @get("/communities/{community_id:int}/schools", summary="Schools and their gates")
    async def schools(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
    ) -> list[SchoolRecord]:
        return await PatrolService(services).schools(who, community_id)

    @post("/communities/{community_id:int}/routes", summary="Staff: a patrol route")
    async def add_route(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        data: JSONBody[RouteIn],
    ) -> RouteRecord:
        return await PatrolService(services).add_route(who, community_id, data)

    @get("/communities/{community_id:int}/routes", summary="Patrol routes and checkpoints")
    async def routes(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
    ) -> list[RouteRecord]:
        return await PatrolService(services).routes(who, community_id)

    @post("/communities/{community_id:int}/plans", summary="Staff: a recurring shift")
    async def add_plan(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        data: JSONBody[PlanIn],
    ) -> PlanRecord:
        return await PatrolService(services).add_plan(who, community_id, data)

    @get("/communities/{community_id:int}/plans", summary="Recurring shifts and who signed up")
    async def plans(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        limit: Limit200 = 100,
        offset: Offset = 0,
    ) -> list[PlanRecord]:
        return await PatrolService(services).plans(who, community_id, limit, offset)

    @post("/plans/{plan_id:int}/signups", summary="Volunteer: sign up to a recurring shift")
    async def sign_up(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        plan_id: FromPath[int],
    ) -> PlanRecord:
        return await PatrolService(services).sign_up(who, plan_id)

    @delete("/plans/{plan_id:int}/signups", status_code=200, summary="Volunteer: stop")
    async def leave(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        plan_id: FromPath[int],
    ) -> PlanRecord:
        return await PatrolService(services).leave(who, plan_id)

    @post(
        "/plans/{plan_id:int}/shifts",
        summary="Staff: generate shifts; signed-up volunteers are offered each first",
    )
    async def generate(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        plan_id: FromPath[int],
        data: JSONBody[ShiftsIn],
    ) -> list[ShiftRecord]:
        return await PatrolService(services).generate(who, plan_id, data)

    @get("/plans/{plan_id:int}/shifts", summary="A plan's shifts")
    async def shifts(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        plan_id: FromPath[int],
        limit: Limit200 = 100,
        offset: Offset = 0,
    ) -> list[ShiftRecord]:
        return await PatrolService(services).shifts(who, plan_id, limit, offset)

    @post("/shifts/{shift_id:int}/checkpoints", summary="On duty: log the next checkpoint")
    async def checkpoint(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        shift_id: FromPath[int],
        data: JSONBody[CheckpointIn],
    ) -> CheckpointRecord:
        return await PatrolService(services).checkpoint(who, shift_id, data)

    @get("/shifts/{shift_id:int}/checkpoints", summary="Checkpoints logged on a shift")
    async def checkpoints(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        shift_id: FromPath[int],
    ) -> list[CheckpointRecord]:
        return await PatrolService(services).checkpoints(who, shift_id)

    @post("/incidents", summary="Volunteer or staff: report an incident")
    async def report(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        data: JSONBody[IncidentIn],
    ) -> IncidentRecord:
        return await PatrolService(services).report(who, data)

    @get("/communities/{community_id:int}/incidents", summary="Staff: incidents, newest first")
    async def incidents(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromPath[int],
        limit: Limit200 = 100,
        offset: Offset = 0,
    ) -> list[IncidentRecord]:
        return await PatrolService(services).incidents(who, community_id, limit, offset)
