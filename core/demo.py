"""The demo compound: Mingyue Harbour, buildings 17 and 18, from the domain brief's stories.

Its tokens are fixed and public so the README's walkthrough can be pasted as is: load the
demo only into a database you are happy to throw away.
"""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING

import msgspec

from core.domain.access import Principal
from core.domain.commands import (
    AddMember,
    ConfigureLine,
    CreateCommunity,
    ResidentFields,
    VolunteerFields,
)
from core.domain.enums import Role
from core.domain.time import WeeklyWindow
from core.storage.database import transaction
from core.storage.migration_lock import migration_lock
from core.storage.models import Community

if TYPE_CHECKING:
    from core.services import Services

SLUG = "mingyue-harbour"

DEMO_TOKENS = {
    "admin": "rb_demo_admin",
    "staff": "rb_demo_staff_wang",
    "resident": "rb_demo_resident_zhang",
    "volunteer_chen": "rb_demo_volunteer_chen",
    "volunteer_liu": "rb_demo_volunteer_liu",
    "volunteer_zhao": "rb_demo_volunteer_zhao",
}


class DemoInfo(msgspec.Struct, frozen=True):
    community_id: int
    tokens: dict[str, str]
    created: bool


def _every_day(start: time, end: time) -> list[WeeklyWindow]:
    return [WeeklyWindow(weekday=d, start=start, end=end) for d in range(7)]


async def demo_volunteer(services: Services, who: str) -> int:
    """The volunteer id of a demo volunteer (``volunteer_chen``, ...), for the lines' demo
    data: read, not assumed, as ids depend on what the database handed out before."""
    found = await services.accounts.authenticate(DEMO_TOKENS[who])
    if found is None or not found.volunteer_ids:
        raise RuntimeError(f"the demo has no volunteer {who!r} yet")
    return found.volunteer_ids[0]


async def load_demo_once(services: Services, url: str) -> DemoInfo:
    """:func:`load_demo` into the database at ``url``, one process at a time (the lock
    migrations take): two servers started with ``--demo`` on one new database both found
    no demo, and the slower failed on the first unique key the faster had written."""
    async with migration_lock(url):
        return await load_demo(services)


async def load_demo(services: Services) -> DemoInfo:
    """The demo compound, loaded in one transaction: a load that fails or is killed
    half-way leaves no partial demo, which every later start would take for a whole one."""
    existing = await Community.get_or_none(slug=SLUG)
    if existing is not None:
        return DemoInfo(community_id=existing.id, tokens=DEMO_TOKENS, created=False)
    async with transaction():
        return await _load(services)


async def _load(services: Services) -> DemoInfo:
    admin = await services.accounts.bootstrap_admin("District admin", token=DEMO_TOKENS["admin"])
    root = Principal(account_id=admin.account_id, name="District admin", is_admin=True)
    community = await services.communities.create(
        root,
        CreateCommunity(
            slug=SLUG,
            name="Mingyue Harbour (明月港湾)",
            timezone="Asia/Shanghai",
            buildings=["17", "18", "19", "20"],
        ),
    )
    cid = community.id
    await services.communities.configure_line(root, cid, "errands", ConfigureLine(enabled=True))

    async def member(cmd: AddMember, token: str | None = None) -> int:
        added = await services.people.add_member(root, cid, cmd)
        if token:
            await services.accounts.issue_token(root, added.account.id, "demo", token=token)
        return added.account.id

    await member(
        AddMember(role=Role.STAFF, name="Wang Fang (staff)", phone="+86 138 0000 0001"),
        DEMO_TOKENS["staff"],
    )
    await member(
        AddMember(
            role=Role.RESIDENT,
            name="Grandma Li",
            phone="+86 0564 000 0017",
            resident=ResidentFields(
                building="17",
                unit="2",
                room="301",
                elderly=True,
                lives_alone=True,
                no_smartphone=True,
            ),
        )
    )
    await member(
        AddMember(
            role=Role.RESIDENT,
            name="Uncle Sun",
            phone="+86 0564 000 0018",
            resident=ResidentFields(building="18", unit="1", room="102", elderly=True),
        )
    )
    await member(
        AddMember(
            role=Role.RESIDENT,
            name="Zhang Wei",
            phone="+86 139 0000 0002",
            resident=ResidentFields(building="18", unit="1", room="502"),
        ),
        DEMO_TOKENS["resident"],
    )
    await member(
        AddMember(
            role=Role.VOLUNTEER,
            name="Chen Jing",
            phone="+86 137 0000 0003",
            volunteer=VolunteerFields(
                skills=["shopping", "delivery", "medicine-pickup"],
                party_member=True,
                home_building="17",
                weekly_cap_hours=12,
                availability=_every_day(time(8), time(20)),
            ),
        ),
        DEMO_TOKENS["volunteer_chen"],
    )
    await member(
        AddMember(
            role=Role.VOLUNTEER,
            name="Liu Yang",
            phone="+86 136 0000 0004",
            volunteer=VolunteerFields(
                skills=["shopping", "delivery", "carrying"],
                home_building="18",
                weekly_cap_hours=8,
                availability=_every_day(time(9), time(21)),
            ),
        ),
        DEMO_TOKENS["volunteer_liu"],
    )
    await member(
        AddMember(
            role=Role.VOLUNTEER,
            name="Zhao Min",
            phone="+86 135 0000 0005",
            volunteer=VolunteerFields(
                skills=["carrying", "delivery", "shopping"],
                party_member=True,
                home_building="18",
                weekly_cap_hours=6,
                availability=_every_day(time(14), time(20)),
            ),
        ),
        DEMO_TOKENS["volunteer_zhao"],
    )
    staff = await services.accounts.authenticate(DEMO_TOKENS["staff"])
    assert staff is not None
    await services.host.load_demo(services, cid, staff)
    return DemoInfo(community_id=cid, tokens=DEMO_TOKENS, created=True)
