from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from core.domain.access import Principal
from core.domain.commands import AddTimeOff, UpdateVolunteer
from core.domain.records import TimeOffRecord, VolunteerRecord
from core.services import Services


class VolunteerController(Controller):
    path = "/volunteers/{volunteer_id:int}"
    tags = ["volunteers"]

    @get("/", summary="A volunteer profile (the volunteer or their staff)")
    async def show(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        volunteer_id: FromPath[int],
    ) -> VolunteerRecord:
        return await services.people.volunteer(who, volunteer_id)

    @patch("/", summary="Change skills, weekly availability, hour cap (fields sent are replaced)")
    async def update(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        volunteer_id: FromPath[int],
        data: JSONBody[UpdateVolunteer],
    ) -> VolunteerRecord:
        return await services.people.update_volunteer(who, volunteer_id, data)

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
