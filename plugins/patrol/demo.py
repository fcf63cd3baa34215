"""The demo compound's school-gate posts, evening patrol and afternoon traffic team."""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING

from core.demo import demo_volunteer
from core.domain.access import Principal
from core.domain.commands import ConfigureLine, UpdateVolunteer
from core.storage import communities
from plugins.patrol.schemas import PlanIn, RouteIn, SchoolIn
from plugins.patrol.service import PatrolService

if TYPE_CHECKING:
    from core.services import Services


async def load(services: Services, community_id: int, staff: Principal) -> None:
    await services.communities.configure_line(
        staff, community_id, "patrol", ConfigureLine(enabled=True)
    )
    line = PatrolService(services)
    today = services.clock().astimezone(await communities.zone(community_id)).date()
    school = await line.add_school(
        staff, community_id, SchoolIn(name="Mingyue Primary School", gates=["East gate"])
    )
    gate = school.gates[0].id
    for name, start, end in (
        ("East gate post, morning", time(7, 20), time(8, 0)),
        ("East gate post, afternoon", time(16, 20), time(17, 0)),
    ):
        await line.add_plan(
            staff,
            community_id,
            PlanIn(
                kind="school-post",
                name=name,
                gate_id=gate,
                weekdays=[0, 1, 2, 3, 4],
                start=start,
                end=end,
                volunteers=2,
                starts_on=today,
            ),
        )
    route = await line.add_route(
        staff,
        community_id,
        RouteIn(
            name="Evening round",
            checkpoints=["North gate", "Building 17", "Car park", "Building 20", "South gate"],
        ),
    )
    await line.add_plan(
        staff,
        community_id,
        PlanIn(
            kind="patrol",
            name="Evening security patrol",
            route_id=route.id,
            weekdays=list(range(7)),
            start=time(19),
            end=time(21),
            volunteers=2,
            starts_on=today,
        ),
    )
    await line.add_plan(
        staff,
        community_id,
        PlanIn(
            kind="traffic",
            name="Afternoon traffic team (red armbands)",
            weekdays=[0, 1, 2, 3, 4],
            start=time(16),
            end=time(17, 30),
            volunteers=40,
            starts_on=today,
        ),
    )
    await services.people.update_volunteer(
        staff,
        await demo_volunteer(services, "volunteer_zhao"),
        UpdateVolunteer(skills=["carrying", "delivery", "shopping", "school-post", "patrol"]),
    )
