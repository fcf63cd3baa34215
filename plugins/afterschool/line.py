from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from core.plugins import Requirements, ServiceLine, ServiceType, Skill
from plugins.afterschool import rules
from plugins.afterschool.schemas import AfterschoolSettings, SessionDetails

HOMEWORK = Skill(key="homework-help", title="Homework help for primary pupils")
SUBJECTS = (
    HOMEWORK,
    Skill(key="maths", title="Maths tutoring"),
    Skill(key="chinese", title="Chinese (语文) tutoring"),
    Skill(key="english", title="English tutoring"),
    Skill(key="arts", title="Arts and crafts"),
    Skill(key="sports", title="Sports and games"),
)


class AfterschoolLine(ServiceLine):
    key = "afterschool"
    title = "After-school class (四点半课堂)"
    description = (
        "Children leave school at 16:30, parents finish work two hours later: volunteers "
        "tutor homework and run activities. Guardians enrol children; seats are limited."
    )
    skills: ClassVar[tuple[Skill, ...]] = SUBJECTS
    settings = AfterschoolSettings
    max_duration = timedelta(hours=9)
    services: ClassVar[tuple[ServiceType, ...]] = (
        ServiceType(
            key="session",
            title="Tutors for one class session",
            description="Filed by the line for each generated session, not by residents.",
            details=SessionDetails,
            required_skills=frozenset({HOMEWORK.key}),
            default_duration=timedelta(hours=2),
        ),
    )

    def requirements(self, service: ServiceType, details: Any, settings: Any) -> Requirements:
        """One tutor per ``children_per_tutor`` children (at least one). The first seat
        needs homework help; the others cycle through the class's subjects."""
        assert isinstance(details, SessionDetails)
        assert isinstance(settings, AfterschoolSettings)
        count = rules.tutors_needed(details.children, settings.children_per_tutor)
        subjects = [s for s in details.subjects if s != HOMEWORK.key] or [HOMEWORK.key]
        seats = [frozenset({HOMEWORK.key})] + [
            frozenset({subjects[i % len(subjects)]}) for i in range(count - 1)
        ]
        return Requirements(
            team_size=count,
            skills=frozenset({HOMEWORK.key}),
            seat_skills=tuple(seats),
            credentials=frozenset({settings.vetting_credential}),
        )
