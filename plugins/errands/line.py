from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from core.domain.errors import FieldProblem
from core.plugins import RequestDraft, Requirements, ServiceLine, ServiceType, Skill
from plugins.errands import rules
from plugins.errands.schemas import (
    CarryingDetails,
    ErrandsSettings,
    GroceryDetails,
    MedicineDetails,
)

SHOPPING = Skill(key="shopping", title="Grocery and vegetable shopping")
DELIVERY = Skill(key="delivery", title="Door-to-door delivery")
CARRYING = Skill(key="carrying", title="Heavy carrying (rice, cooking oil, water)")
MEDICINE = Skill(key="medicine-pickup", title="Medicine pickup from pharmacy or clinic")


class ErrandsLine(ServiceLine):
    key = "errands"
    title = "Errands"
    description = "The owner orders, red property runs: groceries, heavy carrying, medicine."
    skills: ClassVar[tuple[Skill, ...]] = (SHOPPING, DELIVERY, CARRYING, MEDICINE)
    settings = ErrandsSettings
    max_duration = timedelta(hours=6)
    services: ClassVar[tuple[ServiceType, ...]] = (
        ServiceType(
            key="groceries",
            title="Vegetable and grocery delivery",
            details=GroceryDetails,
            required_skills=frozenset({SHOPPING.key, DELIVERY.key}),
            default_duration=timedelta(hours=2),
        ),
        ServiceType(
            key="carrying",
            title="Carrying rice, cooking oil and other heavy things",
            description="Two volunteers above the compound's weight threshold.",
            details=CarryingDetails,
            required_skills=frozenset({CARRYING.key}),
            default_duration=timedelta(hours=1),
        ),
        ServiceType(
            key="medicine",
            title="Medicine pickup",
            details=MedicineDetails,
            required_skills=frozenset({MEDICINE.key}),
            default_duration=timedelta(hours=1),
        ),
    )

    def requirements(self, service: ServiceType, details: Any, settings: Any) -> Requirements:
        team = service.team_size
        if isinstance(details, CarryingDetails):
            team = rules.carrying_team_size(details, settings)
        return Requirements(team_size=team, skills=service.required_skills)

    def validate(self, draft: RequestDraft, settings: Any) -> list[FieldProblem]:
        return rules.problems(draft.details, settings, draft.building)

    def priority(self, draft: RequestDraft, settings: Any) -> int:
        return rules.priority(draft.details, draft.resident)
