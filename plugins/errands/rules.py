"""The errands line's rules, as pure functions of details and settings."""

from __future__ import annotations

from core.domain.errors import FieldProblem
from core.plugins import ResidentInfo
from plugins.errands.schemas import (
    CarryingDetails,
    ErrandsSettings,
    GroceryDetails,
    MedicineDetails,
)

# Priority levels: residents who are elderly and live alone come first (domain brief:
# empty-nest elderly phone in a need and the team comes to the door).
PRIORITY_ELDERLY_ALONE = 100
PRIORITY_ELDERLY = 50
PRIORITY_MEDICINE = 10


def carrying_team_size(details: CarryingDetails, settings: ErrandsSettings) -> int:
    return 2 if details.weight_kg > settings.heavy_team_threshold_kg else 1


def problems(
    details: object, settings: ErrandsSettings, building: str | None
) -> list[FieldProblem]:
    found: list[FieldProblem] = []
    if building is None:
        found.append(FieldProblem("place.building", "an errand needs a building to deliver to"))
    if isinstance(details, GroceryDetails) and details.budget_yuan > settings.max_budget_yuan:
        found.append(
            FieldProblem(
                "details.budget_yuan",
                f"over this compound's limit of {settings.max_budget_yuan:g} yuan per errand",
            )
        )
    if isinstance(details, CarryingDetails) and details.weight_kg > settings.max_weight_kg:
        found.append(
            FieldProblem(
                "details.weight_kg",
                f"over {settings.max_weight_kg:g} kg: ask the property office for the trolley team",
            )
        )
    if (
        isinstance(details, MedicineDetails)
        and details.prescription_required
        and not (details.prescription_ref or "").strip()
    ):
        found.append(
            FieldProblem(
                "details.prescription_ref",
                "say where the prescription is (number, or who holds it) when one is required",
            )
        )
    return found


def priority(details: object, resident: ResidentInfo) -> int:
    level = 0
    if resident.elderly and resident.lives_alone:
        level = PRIORITY_ELDERLY_ALONE
    elif resident.elderly:
        level = PRIORITY_ELDERLY
    if isinstance(details, MedicineDetails):
        level += PRIORITY_MEDICINE
    return level
