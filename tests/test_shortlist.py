"""The instant path's shortlist, ranked inside the database, against the reference: every
volunteer's snapshot loaded with weekly patterns expanded in Python and ranked by the
matcher, on a compound with history (accepted work, open offers, loads, ratings, time off,
extra time, credentials, preferences). Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tortoise import connections

from core.domain.access import Principal
from core.domain.commands import Complete, Rate
from core.domain.enums import Role
from core.domain.policy import Weights
from core.domain.time import Interval
from core.matching import Need, ScoringMatcher
from core.storage import people
from core.storage import shortlist as shortlist_module
from core.storage.database import planned_as_written, transaction
from core.storage.models import (
    Account,
    AvailabilityWindow,
    Building,
    Community,
    ExtraTime,
    Membership,
    Offer,
    Resident,
    TimeOff,
    Volunteer,
    VolunteerSkill,
    VolunteerWeekLoad,
)
from core.storage.shortlist import SCORE_SLACK, shortlist
from tests.support import Api, groceries

SH = ZoneInfo("Asia/Shanghai")
URUMQI = ZoneInfo("Asia/Urumqi")  # two hours behind
SKILLS = ("shopping", "delivery", "carrying", "medicine-pickup")


def wall(day: int, hhmm: str) -> datetime:
    """Local time ``day`` days after 2026-11-21 (the tests' Saturday) in Shanghai."""
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2026, 11, 21, hour, minute, tzinfo=SH) + timedelta(days=day)


async def _populate(
    api: Api, rng: random.Random, community_id: int = 1, count: int = 100
) -> dict[int, Principal]:
    """``count`` more volunteers in a compound, with the variety matching looks at."""
    buildings = await Building.filter(community_id=community_id).order_by("id")
    for i, b in enumerate(buildings):
        await Building.filter(id=b.id).update(grid="north" if i < 2 else "south")
    principals = {}
    for i in range(count):
        account = await Account.create(name=f"helper {community_id}-{i}")
        member = await Membership.create(
            account_id=account.id, community_id=community_id, role="volunteer"
        )
        volunteer = await Volunteer.create(
            membership_id=member.id,
            weekly_cap_minutes=rng.choice([60, 120, 240, 480]),
            home_building_id=rng.choice([None, *(b.id for b in buildings)]),
            active=rng.random() > 0.1,
            preferred_lines=rng.choice([[], ["errands"], ["cleaning"]]),
            credentials=rng.choice([[], ["child-safeguarding"]]),
            rel_answered=rng.choice([0, 2.5, 7.0]),
            rel_accepted=rng.choice([0, 1.0, 2.0]),
            rel_completed=rng.choice([0, 1.5]),
            rel_missed=rng.choice([0, 0.5, 1.0]),
        )
        principals[volunteer.id] = Principal(
            account_id=account.id,
            name=account.name,
            roles={community_id: frozenset({Role.VOLUNTEER})},
        )
        for skill in rng.sample(SKILLS, rng.randint(1, 4)):
            await VolunteerSkill.create(
                volunteer_id=volunteer.id, skill=skill, level=rng.randint(1, 5)
            )
        for weekday in rng.sample(range(7), rng.randint(2, 6)):
            start = rng.choice([7, 8, 9, 13, 14])
            await AvailabilityWindow.create(
                volunteer_id=volunteer.id,
                weekday=weekday,
                start_minute=start * 60,
                end_minute=min(24 * 60, (start + rng.choice([5, 9, 12])) * 60),
            )
        if rng.random() < 0.4:
            day = rng.randint(4, 7)
            await TimeOff.create(
                volunteer_id=volunteer.id,
                starts_at=wall(day, "10:00"),
                ends_at=wall(day, "16:00"),
                reason="away",
            )
        if rng.random() < 0.3:
            day = rng.randint(4, 7)
            await ExtraTime.create(
                volunteer_id=volunteer.id,
                starts_at=wall(day, "18:00"),
                ends_at=wall(day, "22:00"),
                note="evening",
            )
    return principals


async def _history(api: Api, rng: random.Random, principals: dict[int, Principal]) -> None:
    """Bookings as staff file them: finished and rated work early in the week (ratings,
    reliability, hours), then accepted work and open offers later on (busy time, loads)."""
    services = api.app.state.services
    residents = await Resident.filter(membership__community_id=1).prefetch_related(
        "membership__account"
    )

    async def book(days: tuple[int, int]) -> list[tuple[int, Offer]]:
        accepted = []
        for _ in range(25):
            day, hour = rng.randint(*days), rng.choice([9, 10, 14, 15, 19])
            resident = rng.choice(residents)
            record = await api.post(
                "/requests",
                "staff",
                groceries(resident.id, day=day, start=f"{hour:02d}:00", end=f"{hour + 1:02d}:00"),
            )
            for offer in await Offer.filter(request_id=record["id"], status="offered"):
                who = principals.get(offer.volunteer_id)
                if who is not None and rng.random() < 0.6:
                    await services.bookings.accept(who, offer.id)
                    accepted.append((resident.membership.account.id, offer))
        return accepted

    done = await book((1, 2))
    api.clock.advance(days=3)  # Tuesday morning: that work is over
    for account_id, offer in done:
        await services.bookings.complete(
            principals[offer.volunteer_id], offer.id, Complete(minutes=60)
        )
        owner = Principal(
            account_id=account_id, name="resident", roles={1: frozenset({Role.RESIDENT})}
        )
        await services.ledger.rate(
            owner, offer.request_id, Rate(stars=rng.randint(1, 5), offer_id=offer.id)
        )
    await book((4, 6))


async def test_shortlist_agrees_with_ranking_everyone(api: Api) -> None:
    rng = random.Random(7)
    principals = await _populate(api, rng)
    await _history(api, rng, principals)
    now = api.clock()
    residents = [r.id for r in await Resident.filter(membership__community_id=1)]
    buildings = await Building.filter(community_id=1)
    matcher = ScoringMatcher()
    proven = 0
    for case in range(80):
        day = rng.randint(4, 7)
        start = rng.choice(["08:00", "09:00", "09:30", "14:00", "15:00", "18:30", "19:00"])
        window = Interval(wall(day, start), wall(day, start) + timedelta(minutes=60))
        place = rng.choice([None, *buildings])
        need = Need(
            window=window,
            skills=frozenset(rng.sample(SKILLS, rng.randint(0, 2))),
            community_id=1,
            building=place.name if place else None,
            grid=place.grid if place else "",
            line=rng.choice(["errands", "cleaning"]),
            resident_id=rng.choice([None, *residents]),
            credentials=frozenset(["child-safeguarding"]) if rng.random() < 0.2 else frozenset(),
        )
        weights = Weights(
            fairness=rng.choice([0.0, 3.0]),
            closeness=rng.choice([0.0, 2.0]),
            skill=rng.choice([1.0, 4.0]),
            reliability=rng.choice([0.0, 2.0]),
            rating=rng.choice([1.0, 5.0]),
            preference=rng.choice([0.0, 1.0, 3.0]),
        )
        exclude = set(rng.sample(sorted(principals), 3)) if case % 4 == 0 else set()
        everyone = await people.load_candidates(
            [1],
            {1: SH},
            window,
            need.skills,
            exclude,
            now=now,
            resident_id=need.resident_id,
        )
        reference = matcher.rank(need, everyone, weights)
        k = rng.choice([1, 3, 8])
        found = await shortlist([1], {1: SH}, need, weights, exclude, now=now, k=k)
        assert found is not None
        scored = {r.candidate.volunteer_id: r for r in reference}
        # Everyone shortlisted is eligible, and their snapshots score exactly as the full
        # snapshots do, part by part.
        mine = matcher.rank(need, found.candidates, weights)
        assert len(mine) == len(found.candidates), case
        for r in mine:
            full = scored[r.candidate.volunteer_id]
            assert (r.score, r.breakdown) == (full.score, full.breakdown), case
        # The database's score is the matcher's, up to the matcher's rounding.
        for c, sql_score in zip(found.candidates, found.scores, strict=True):
            assert abs(sql_score - scored[c.volunteer_id].score) <= SCORE_SLACK, case
        assert found.scores == sorted(found.scores, reverse=True)
        # Nobody left out scores above the shortlist's bound (or nobody is left out).
        kept = {c.volunteer_id for c in found.candidates}
        if found.bound is None:
            assert kept == set(scored), case
        else:
            assert len(kept) == k
            assert all(
                r.score <= found.bound + SCORE_SLACK
                for r in reference
                if r.candidate.volunteer_id not in kept
            ), case
        # When the shortlist proves its picks, they are the reference's picks.
        for wanted in (1, 2):
            picks = matcher.rank(need, found.candidates, weights, limit=wanted)
            if found.proves([p.score for p in picks], wanted):
                proven += 1
                assert [p.candidate.volunteer_id for p in picks] == [
                    r.candidate.volunteer_id for r in reference[:wanted]
                ], case
    assert proven > 80  # the shortlist usually settles it; the rest fall back to everyone


async def test_shortlist_across_time_zones(api: Api) -> None:
    """An alliance of compounds in two zones: each volunteer's weekly pattern is read in
    their own compound's wall time, and their weekly load in their own compound's week."""
    rng = random.Random(11)
    west = await Community.create(slug="west", name="West Gate", timezone="Asia/Urumqi")
    for name in ("1", "2", "3"):
        await Building.create(community_id=west.id, name=name, grid="west")
    mine = await _populate(api, rng, 1, 50)
    theirs = await _populate(api, rng, west.id, 50)
    for vid in rng.sample(sorted(mine | theirs), 60):  # loads in this and earlier weeks
        for weeks_back in rng.sample(range(-1, 4), 3):
            await VolunteerWeekLoad.create(
                volunteer_id=vid,
                week=date(2026, 11, 23) - timedelta(weeks=weeks_back),
                minutes=rng.choice([30, 60, 120]),
            )
    for vid in rng.sample(sorted(mine), 15) + rng.sample(sorted(theirs), 15):
        await ExtraTime.create(  # up late on the night the two compounds' weeks differ
            volunteer_id=vid, starts_at=wall(9, "00:00"), ends_at=wall(9, "02:00"), note="late"
        )
    zones = {1: SH, west.id: URUMQI}
    now = api.clock()
    matcher = ScoringMatcher()
    windows = [
        # Monday 00:30 in Shanghai is still Sunday 22:30 in Urumqi: two weeks, two weekdays.
        Interval(wall(9, "00:30"), wall(9, "01:30")),
        *(
            Interval(wall(d, h), wall(d, h) + timedelta(hours=1))
            for d in (3, 5, 9, 10)
            for h in ("08:00", "09:30", "14:00", "19:00")
        ),
    ]
    shortlisted = 0
    for case, window in enumerate(windows):
        need = Need(
            window=window,
            skills=frozenset(rng.sample(SKILLS, rng.randint(0, 2))),
            community_id=1,
            building="17",
            line="errands",
        )
        everyone = await people.load_candidates(
            [1, west.id], zones, window, need.skills, set(), now=now
        )
        reference = {r.candidate.volunteer_id: r for r in matcher.rank(need, everyone, Weights())}
        found = await shortlist([1, west.id], zones, need, Weights(), set(), now=now, k=200)
        assert found is not None and found.bound is None  # k is above the pool: all of it
        assert {c.volunteer_id for c in found.candidates} == set(reference), case
        for c, sql_score in zip(found.candidates, found.scores, strict=True):
            assert abs(sql_score - reference[c.volunteer_id].score) <= SCORE_SLACK, case
        shortlisted += len(found.candidates)
    assert shortlisted > 50


async def test_whoever_is_excluded_the_statement_reads_the_same(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request declined by one volunteer after another is matched again without them;
    who they are is bound, not written into the SQL, so each rematch reuses the prepared
    statement (on PostgreSQL a new text is a round trip and a plan of a dozen joins)."""
    principals = await _populate(api, random.Random(5))
    texts: list[str] = []
    run = shortlist_module._planned_as_written

    async def capture(raw: Any, sql: str, params: list[Any]) -> Any:
        texts.append(sql)
        return await run(raw, sql, params)

    monkeypatch.setattr(shortlist_module, "_planned_as_written", capture)
    window = Interval(wall(5, "09:00"), wall(5, "10:00"))
    need = Need(window=window, skills=frozenset(), community_id=1, line="errands")
    now = api.clock()
    everyone = await shortlist([1], {1: SH}, need, Weights(), set(), now=now, k=500)
    assert everyone is not None and len(everyone.candidates) > 3
    ids = [c.volunteer_id for c in everyone.candidates]
    for excluded in ({ids[0]}, {ids[1], ids[2]}, set(ids[:3]) | set(principals)):
        found = await shortlist([1], {1: SH}, need, Weights(), excluded, now=now, k=500)
        assert found is not None
        assert {c.volunteer_id for c in found.candidates} == set(ids) - excluded
    assert len(set(texts[1:])) == 1, "the excluded volunteers were written into the SQL"


async def test_a_transaction_begun_as_written_plans_every_statement_so(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A booking's transaction sends the planner limits with its BEGIN (one round trip
    less); any other keeps PostgreSQL's defaults, and so does one nested in it."""
    conn = connections.get("default")
    postgres = conn.capabilities.dialect == "postgres"

    async def limit(c: Any) -> str:
        return str(
            (await c.execute_query_dict("SHOW join_collapse_limit"))[0]["join_collapse_limit"]
        )

    async with transaction(as_written=True) as c:
        assert planned_as_written()
        if postgres:
            assert await limit(c) == "1"
    async with transaction() as c:
        assert not planned_as_written()
        async with transaction(as_written=True) as inner:  # a savepoint: no BEGIN
            assert not planned_as_written()
            if postgres:
                assert await limit(inner) == "8"
    # A booking is begun so: its shortlist runs with the limits already in force.
    seen: list[tuple[bool, str]] = []
    run = shortlist_module._planned_as_written

    async def watch(raw: Any, sql: str, params: list[Any]) -> Any:
        seen.append((planned_as_written(), await limit(raw.conn) if postgres else "-"))
        return await run(raw, sql, params)

    monkeypatch.setattr(shortlist_module, "_planned_as_written", watch)
    await api.post("/requests", "staff", groceries())
    assert seen == [(True, "1" if postgres else "-")]
