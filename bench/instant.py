"""Instant matching: the server-side time of a booking call that stores the request and its
first offer, with a large pool of volunteers in the compound.

Builds a fresh SQLite database (the embedded default) with one compound, ``volunteers``
volunteers drawn like ``bench.district``'s (skills, weekly availability, caps), loads them
in bulk, and times ``BookingService.create`` (validation, insert, history, matching, offer,
commit) for ``bookings`` grocery requests spread over the next week, after 20 warm-up calls,
and separately its matching step (choosing whom to offer it to, before anything is written).
Half the offers are accepted as it goes, so later bookings meet busy volunteers and weekly
loads. It reports the share of CPU time the hypervisor stole meanwhile: on a shared virtual
machine the tail moves with it. Run alone with ``python -m bench.instant``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.district import DAY, LINE_SKILLS, _volunteer
from bench.machine import cpu_times, steal_share
from core.domain.access import Principal
from core.domain.commands import NewRequest, WindowIn
from core.domain.enums import Role
from core.plugins.manager import build_plugin_host
from core.services import Services
from core.storage.database import open_database
from core.storage.models import (
    Account,
    AvailabilityWindow,
    Building,
    Community,
    CommunityServiceLine,
    Membership,
    Resident,
    Volunteer,
    VolunteerSkill,
)

NOW = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)  # Monday 00:00 in Shanghai is 16:00 UTC Sunday


async def _populate(n: int, rng: random.Random) -> tuple[int, list[int]]:
    community = await Community.create(slug="bench", name="Bench Compound")
    buildings = await Building.bulk_create(
        [Building(community_id=community.id, name=str(i), grid=str(i // 6)) for i in range(80)]
    )
    buildings = await Building.filter(community_id=community.id).order_by("id")
    await CommunityServiceLine.create(community_id=community.id, line="errands", enabled=True)
    people = [Account(name=f"volunteer {i}") for i in range(n)] + [
        Account(name=f"resident {i}") for i in range(200)
    ]
    await Account.bulk_create(people, batch_size=1000)
    accounts = await Account.all().order_by("id").values_list("id", flat=True)
    vol_accounts, res_accounts = accounts[:n], accounts[n:]
    await Membership.bulk_create(
        [
            Membership(account_id=a, community_id=community.id, role=Role.VOLUNTEER)
            for a in vol_accounts
        ]
        + [
            Membership(account_id=a, community_id=community.id, role=Role.RESIDENT)
            for a in res_accounts
        ],
        batch_size=1000,
    )
    members = dict(
        await Membership.filter(community_id=community.id).values_list("account_id", "id")
    )
    drawn = [_volunteer(rng, i, 0, len(buildings)) for i in range(n)]
    await Volunteer.bulk_create(
        [
            Volunteer(
                membership_id=members[a],
                weekly_cap_minutes=v.cap,
                home_building_id=buildings[v.building].id,
                preferred_lines=[],
            )
            for a, v in zip(vol_accounts, drawn, strict=True)
        ],
        batch_size=1000,
    )
    ids = await Volunteer.all().order_by("id").values_list("id", flat=True)
    errand_skills = set(LINE_SKILLS["errands"])
    skills, windows = [], []
    for vid, v in zip(ids, drawn, strict=True):
        held = dict(v.skills)
        if rng.random() < 0.5:  # half the pool does errands, the busiest line
            held.update({"shopping": 3, "delivery": 3})
        for skill, level in held.items():
            if skill in errand_skills:
                skills.append(VolunteerSkill(volunteer_id=vid, skill=skill, level=level))
        for start, end in v.free:
            day = start // DAY
            windows.append(
                AvailabilityWindow(
                    volunteer_id=vid,
                    weekday=day,
                    start_minute=start % DAY,
                    end_minute=min(end - day * DAY, DAY),
                )
            )
    await VolunteerSkill.bulk_create(skills, batch_size=2000)
    await AvailabilityWindow.bulk_create(windows, batch_size=2000)
    await Resident.bulk_create(
        [
            Resident(
                membership_id=members[a], building_id=buildings[i % 80].id, unit="1", room="101"
            )
            for i, a in enumerate(res_accounts)
        ],
        batch_size=1000,
    )
    residents = await Resident.all().order_by("id").values_list("id", flat=True)
    return community.id, list(residents)


async def _run(volunteers: int, bookings: int, url: str) -> dict[str, Any]:
    rng = random.Random(3)
    clock = {"now": NOW}
    services = Services(build_plugin_host(load_entry_points=False), clock=lambda: clock["now"])
    async with open_database(url, apps=services.host.storage_apps):
        community_id, residents = await _populate(volunteers, rng)
        staff = Principal(account_id=1, name="bench", roles={community_id: {Role.STAFF}})
        # The matching step alone: choosing whom to offer it to (inside the call, before
        # the request and its offer are written).
        plan = services.bookings._plan_fill
        matching: list[float] = []

        async def timed_plan(request: Any, *args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return await plan(request, *args, **kwargs)
            finally:
                matching.append((time.perf_counter() - t0) * 1000)

        services.bookings._plan_fill = timed_plan  # type: ignore[method-assign]
        timings: list[float] = []
        offered = 0
        monday = datetime(2026, 11, 23, 0, 0)
        warm_up = 20
        before: list[int] = []
        for i in range(warm_up + bookings):
            if i == warm_up:  # a running server is warm: the first calls are not counted
                timings.clear()
                matching.clear()
                before = cpu_times()
            start = monday + timedelta(
                days=rng.randrange(7), minutes=rng.randrange(8 * 60, 19 * 60, 15)
            )
            cmd = NewRequest(
                community_id=community_id,
                line="errands",
                service="groceries",
                window=WindowIn(start=start, end=start + timedelta(hours=1)),
                details={
                    "items": [{"name": "rice", "quantity": 1, "unit": "bag"}],
                    "budget_yuan": 30,
                },
                resident_id=residents[i % len(residents)],
            )
            t0 = time.perf_counter()
            record = await services.bookings.create(staff, cmd)
            timings.append((time.perf_counter() - t0) * 1000)
            offered += i >= warm_up and any(h.event == "offered" for h in record.history)
            # Half the offers are accepted (untimed), so later bookings meet busy
            # volunteers, weekly loads and reliability records, as in a running compound.
            made = [h for h in record.history if h.event == "offered"]
            if made and made[0].offer_id and made[0].volunteer_account_id and rng.random() < 0.5:
                who = Principal(
                    account_id=made[0].volunteer_account_id,
                    name="volunteer",
                    roles={community_id: {Role.VOLUNTEER}},
                )
                await services.bookings.accept(who, made[0].offer_id)
        steal = steal_share(before, cpu_times())
    return {
        "volunteers": volunteers,
        "bookings": bookings,
        "offered": offered,
        "p50_ms": _pct(timings, 50),
        "p99_ms": _pct(timings, 99),
        "max_ms": round(max(timings), 1),
        "matching_p50_ms": _pct(matching, 50),
        "matching_p99_ms": _pct(matching, 99),
        "cpu_steal": steal,
        "database": "SQLite file" if url.startswith("sqlite") else "PostgreSQL",
    }


def _pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, int(len(ordered) * p / 100) - 1)], 1)


def measure(
    volunteers: int = 5000, bookings: int = 300, database_url: str | None = None
) -> dict[str, Any]:
    """On a fresh SQLite file, or on ``database_url`` (an empty database: the benchmark
    migrates and fills it)."""
    if database_url is not None:
        return asyncio.run(_run(volunteers, bookings, database_url))
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(_run(volunteers, bookings, f"sqlite://{Path(tmp) / 'bench.sqlite3'}"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="instant matching benchmark")
    parser.add_argument("--volunteers", type=int, default=5000)
    parser.add_argument("--bookings", type=int, default=300)
    parser.add_argument(
        "--database-url", help="an empty database to use instead of a fresh SQLite file"
    )
    args = parser.parse_args()
    print(json.dumps(measure(args.volunteers, args.bookings, args.database_url), indent=2))
