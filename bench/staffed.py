"""The demo compound staffed for the load benchmark's ``booking-offered`` scenario.

``python -m bench.staffed seed URL N`` migrates the database at ``URL``, loads the demo and
adds ``N`` volunteers who pick up medicine, free 08:00-20:00 every day, 40 hours a week;
``python -m bench.staffed count URL`` prints ``[requests, requests offered to someone]``.
"""

from __future__ import annotations

import asyncio
import json
import sys

from core.demo import load_demo
from core.plugins.manager import build_plugin_host
from core.services import Services
from core.storage.database import open_database
from core.storage.models import (
    Account,
    AvailabilityWindow,
    Building,
    Membership,
    Offer,
    ServiceRequest,
    Volunteer,
    VolunteerSkill,
)


async def seed(url: str, volunteers: int) -> None:
    """The demo compound, migrated and loaded at ``url``, with ``volunteers`` more
    volunteers who pick up medicine, free 08:00-20:00 every day, 40 hours a week."""
    services = Services(build_plugin_host())
    async with open_database(url, apps=services.host.storage_apps):
        cid = (await load_demo(services)).community_id
        buildings = await Building.filter(community_id=cid).order_by("id")
        names = [f"bench volunteer {i}" for i in range(volunteers)]
        await Account.bulk_create([Account(name=n) for n in names])
        accounts = await Account.filter(name__in=names).values_list("id", flat=True)
        await Membership.bulk_create(
            [Membership(account_id=a, community_id=cid, role="volunteer") for a in accounts]
        )
        members = await Membership.filter(account_id__in=accounts).order_by("id")
        await Volunteer.bulk_create(
            [
                Volunteer(
                    membership_id=m.id,
                    weekly_cap_minutes=40 * 60,
                    home_building_id=buildings[i % len(buildings)].id,
                    preferred_lines=["errands"] if i % 2 else [],
                )
                for i, m in enumerate(members)
            ]
        )
        ids = await Volunteer.filter(membership_id__in=[m.id for m in members]).values_list(
            "id", flat=True
        )
        await VolunteerSkill.bulk_create(
            [VolunteerSkill(volunteer_id=v, skill="medicine-pickup", level=1 + v % 5) for v in ids]
        )
        await AvailabilityWindow.bulk_create(
            [
                AvailabilityWindow(volunteer_id=v, weekday=day, start_minute=480, end_minute=1200)
                for v in ids
                for day in range(7)
            ]
        )


async def count(url: str) -> tuple[int, int]:
    """(requests, requests offered to someone) at ``url``."""

    async with open_database(url, apps=build_plugin_host().storage_apps, run_migrations=False):
        offered = set(await Offer.all().values_list("request_id", flat=True))
        return await ServiceRequest.all().count(), len(offered)


def main() -> None:
    command, url, *rest = sys.argv[1:]
    if command == "seed":
        asyncio.run(seed(url, int(rest[0])))
    else:
        print(json.dumps(asyncio.run(count(url))))


if __name__ == "__main__":
    main()
