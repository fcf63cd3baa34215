"""The demo compound's cleaning line: the property's high-pressure washer and a ladder."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.demo import demo_volunteer
from core.domain.access import Principal
from core.domain.commands import ConfigureLine, UpdateVolunteer
from plugins.cleaning.schemas import EquipmentIn
from plugins.cleaning.service import CleaningService

if TYPE_CHECKING:
    from core.services import Services


async def load(services: Services, community_id: int, staff: Principal) -> None:
    await services.communities.configure_line(
        staff, community_id, "cleaning", ConfigureLine(enabled=True)
    )
    line = CleaningService(services)
    for kind, label in (
        ("pressure-washer", "High-pressure washer (property office)"),
        ("ladder", "Folding ladder 2 m"),
    ):
        await line.add_equipment(staff, community_id, EquipmentIn(kind=kind, label=label))
    await services.people.update_volunteer(
        staff,
        await demo_volunteer(services, "volunteer_liu"),
        UpdateVolunteer(
            skills=[
                "shopping",
                "delivery",
                "carrying",
                "carpet-washing",
                "ac-filter-cleaning",
                "ebike-washing",
            ]
        ),
    )
