from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from core.domain.errors import FieldProblem
from core.plugins import RequestDraft, ServiceLine, ServiceType, Skill
from plugins.cleaning import rules
from plugins.cleaning.schemas import (
    AC_FILTER,
    CARPET,
    EBIKE,
    AcFilterDetails,
    CarpetDetails,
    CleaningSettings,
    EbikeDetails,
)

CARPET_SKILL = Skill(key="carpet-washing", title="Carpet washing with the pressure washer")
AC_SKILL = Skill(key="ac-filter-cleaning", title="AC filter removal and washing")
EBIKE_SKILL = Skill(key="ebike-washing", title="E-bike washing")


class CleaningLine(ServiceLine):
    key = "cleaning"
    title = "One-stop cleaning"
    description = (
        "Carpet washing, AC filter washing and e-bike washing with the compound's shared "
        "equipment, at a published cost-recovery fee."
    )
    skills: ClassVar[tuple[Skill, ...]] = (CARPET_SKILL, AC_SKILL, EBIKE_SKILL)
    settings = CleaningSettings
    max_duration = timedelta(hours=4)
    services: ClassVar[tuple[ServiceType, ...]] = (
        ServiceType(
            key=CARPET,
            title="Carpet washing",
            details=CarpetDetails,
            required_skills=frozenset({CARPET_SKILL.key}),
            default_duration=timedelta(hours=2),
        ),
        ServiceType(
            key=AC_FILTER,
            title="AC filter removal and washing",
            details=AcFilterDetails,
            required_skills=frozenset({AC_SKILL.key}),
            default_duration=timedelta(hours=1),
        ),
        ServiceType(
            key=EBIKE,
            title="E-bike washing",
            details=EbikeDetails,
            required_skills=frozenset({EBIKE_SKILL.key}),
            default_duration=timedelta(hours=1),
        ),
    )

    def validate(self, draft: RequestDraft, settings: Any) -> list[FieldProblem]:
        assert isinstance(settings, CleaningSettings)
        count = rules.units(draft.details)
        expected = rules.total(settings, draft.service, count)
        if abs(draft.details.confirmed_fee_yuan - expected) > 0.005:
            items = ", ".join(
                f"{i.item} {i.yuan:g}" for i in rules.fee_items(settings, draft.service, count)
            )
            return [
                FieldProblem(
                    "details.confirmed_fee_yuan",
                    f"the fee is {expected:g} yuan ({items or 'free'}); confirm that figure",
                )
            ]
        return []
