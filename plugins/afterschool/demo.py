"""The demo compound's four-thirty class: the Changsha project's 110-seat class."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from core.demo import DEMO_TOKENS, demo_volunteer
from core.domain.access import Principal
from core.domain.commands import ConfigureLine, SetCredentials, UpdateVolunteer
from plugins.afterschool.schemas import (
    CalendarIn,
    ChildIn,
    ClassIn,
    Collector,
    EnrolIn,
    Holiday,
)
from plugins.afterschool.service import AfterschoolService

if TYPE_CHECKING:
    from core.services import Services


async def load(services: Services, community_id: int, staff: Principal) -> None:
    await services.communities.configure_line(
        staff, community_id, "afterschool", ConfigureLine(enabled=True)
    )
    line = AfterschoolService(services)
    today = services.clock().date()
    term_start = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    term_end = date(term_start.year + 1, 1, 20)
    await line.set_calendar(
        staff,
        community_id,
        CalendarIn(
            term_start=term_start,
            term_end=term_end,
            holidays=[
                Holiday(
                    start=date(term_start.year, 10, 1),
                    end=date(term_start.year, 10, 7),
                    name="National Day",
                ),
                Holiday(
                    start=date(term_end.year, 1, 1), end=date(term_end.year, 1, 3), name="New Year"
                ),
            ],
            makeup_days=[date(term_start.year, 9, 27), date(term_start.year, 10, 10)],
        ),
    )
    klass = await line.create_class(
        staff,
        community_id,
        ClassIn(
            name="Four-thirty class (四点半课堂)",
            seat_limit=110,
            subjects=["maths", "chinese", "english"],
            building="19",
            notes="Homework first, then games. Room 19-1-101, the residents' activity room.",
        ),
    )
    # Chen Jing tutors maths too, and staff have vetted her for work with children.
    chen = await demo_volunteer(services, "volunteer_chen")
    await services.people.update_volunteer(
        staff,
        chen,
        UpdateVolunteer(
            skills=["shopping", "delivery", "medicine-pickup", "homework-help", "maths"]
        ),
    )
    await services.people.set_credentials(
        staff, chen, SetCredentials(credentials=["child-safeguarding"])
    )
    guardian = await services.accounts.authenticate(DEMO_TOKENS["resident"])
    assert guardian is not None
    child = await line.add_child(
        guardian,
        ChildIn(
            community_id=community_id,
            name="Zhang Xiaoming",
            age=8,
            grade="Grade 2",
            school="Mingyue Primary School",
            notes="peanut allergy",
            collectors=[
                Collector(name="Zhang Wei", relation="father", phone="+86 139 0000 0002"),
                Collector(name="Li Xiuying", relation="grandmother"),
            ],
        ),
    )
    # Sessions (and their tutor requests) are left to staff: see the README's walkthrough.
    await line.enrol(guardian, klass.id, EnrolIn(child_id=child.id))
