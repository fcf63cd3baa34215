from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from core.domain.errors import FieldProblem
from core.plugins import RequestDraft, Requirements, ServiceLine, ServiceType, Skill
from plugins.patrol.schemas import PatrolSettings, ShiftDetails

POST = Skill(key="school-post", title="School-gate safety post (护学岗)")
PATROL = Skill(key="patrol", title="Security patrol (治安巡逻)")
TRAFFIC = Skill(key="traffic-guidance", title="Traffic and parking guidance")


def _service(key: str, title: str, skill: Skill, hours: float) -> ServiceType:
    return ServiceType(
        key=key,
        title=title,
        description="Filed by the line when staff generate shifts, not by residents.",
        details=ShiftDetails,
        required_skills=frozenset({skill.key}),
        default_duration=timedelta(hours=hours),
    )


class PatrolLine(ServiceLine):
    key = "patrol"
    title = "School-safety posts and patrols"
    description = (
        "Gate posts at school rush hours on school days, evening security patrols with "
        "checkpoints, and traffic guidance duty; volunteers sign up to recurring shifts."
    )
    skills: ClassVar[tuple[Skill, ...]] = (POST, PATROL, TRAFFIC)
    settings = PatrolSettings
    max_duration = timedelta(hours=8)
    services: ClassVar[tuple[ServiceType, ...]] = (
        _service("school-post", "A school-gate post shift", POST, 0.75),
        _service("patrol", "A security patrol shift", PATROL, 2),
        _service("traffic", "A traffic guidance shift", TRAFFIC, 1.5),
    )

    def requirements(self, service: ServiceType, details: Any, settings: Any) -> Requirements:
        assert isinstance(details, ShiftDetails)
        team = details.volunteers
        if service.key == "patrol":
            assert isinstance(settings, PatrolSettings)
            team = max(team, settings.patrol_team_minimum)
        return Requirements(team_size=team, skills=service.required_skills)

    def validate(self, draft: RequestDraft, settings: Any) -> list[FieldProblem]:
        if not draft.filed_by_staff:
            return [FieldProblem("line", "patrol shifts are planned by staff, not booked")]
        return []
