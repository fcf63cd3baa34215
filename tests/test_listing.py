"""Pages of requests and offers and a request's history (``core.storage.listing``, plain
SQL into records) against the ORM, on a compound with history: every page holds what the
filters allow, in the documented order, and each row equals the record a single read builds
(without history; no door or phone in offers); each history equals the ORM's reading of
the same rows. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tortoise.expressions import Q

from core.domain.access import Principal
from core.domain.commands import Cancel, Decline
from core.domain.enums import EventKind, OfferStatus, RequestStatus, Role
from core.domain.records import HistoryRecord
from core.storage import bookings as store
from core.storage import listing
from core.storage.models import (
    Community,
    Membership,
    Offer,
    RequestHistory,
    Resident,
    ServiceRequest,
    Volunteer,
)
from core.storage.raw import Raw
from tests.support import Api, groceries
from tests.test_shortlist import _history, _populate

STAFF = Principal(account_id=0, name="staff", roles={1: frozenset({Role.STAFF})})


async def _expected_requests(query: object) -> list[object]:
    rows = await query  # type: ignore[misc]
    rows.sort(key=lambda r: (-r.priority, r.starts_at, r.id))
    return [
        await store.request_record(await store.get_request(r.id), with_history=False) for r in rows
    ]


async def _expected_offers(query: object) -> list[object]:
    rows = await query  # type: ignore[misc]
    rows.sort(key=lambda o: (-o.request.priority, o.request.starts_at, o.id))
    return [store.offer_record(await store.get_offer(o.id)) for o in rows]


async def _orm_history(request_id: int, zone: ZoneInfo) -> list[HistoryRecord]:
    return [
        HistoryRecord(
            at=h.at.astimezone(zone),
            event=EventKind(h.event),
            from_status=RequestStatus(h.from_status) if h.from_status else None,
            to_status=RequestStatus(h.to_status) if h.to_status else None,
            actor_account_id=h.actor.id if h.actor else None,
            actor_name=h.actor.name if h.actor else None,
            volunteer_account_id=h.volunteer_account_id,
            offer_id=h.offer_id,
            note=h.note,
        )
        for h in await RequestHistory.filter(request_id=request_id)
        .order_by("id")
        .select_related("actor")
    ]


async def _errand(
    community_id: int, when: datetime, hours: int, filed_by: int, status: RequestStatus, **more: Any
) -> ServiceRequest:
    """A grocery errand stored as it stands (no matching), starting ``when``."""
    return await ServiceRequest.create(
        community_id=community_id,
        line="errands",
        service="groceries",
        starts_at=when,
        ends_at=when + timedelta(hours=hours),
        filed_by_id=filed_by,
        status=status,
        **{"seats": 1, **more},
    )


async def _offer_of(
    request: ServiceRequest, volunteer_id: int, status: OfferStatus, **more: Any
) -> Offer:
    """An offer of ``request`` stored as it stands, made when the job starts, with the
    request's window and priority as the application copies them."""
    return await Offer.create(
        request_id=request.id,
        volunteer_id=volunteer_id,
        status=status,
        offered_at=request.starts_at,
        expires_at=request.starts_at,
        starts_at=request.starts_at,
        ends_at=request.ends_at,
        priority=request.priority,
        **more,
    )


async def _pages_are_slices(
    whole: list[Any], read: Callable[..., Awaitable[list[Any]]], who: Principal, **filters: Any
) -> None:
    """Every page ``read`` gives ``who`` (limits 1, 4 and 9, to one past the end), joined,
    is ``whole``."""
    for limit in (1, 4, 9):
        pages = [
            await read(who, limit=limit, offset=offset, **filters)
            for offset in range(0, len(whole) + limit, limit)
        ]
        assert [row for page in pages for row in page] == whole


async def test_pages_equal_single_reads(api: Api) -> None:
    rng = random.Random(11)
    principals = await _populate(api, rng, count=40)
    await _history(api, rng, principals)
    await Volunteer.filter(id__in=list(principals)[::2]).update(party_member=True)
    services = api.app.state.services
    staff = await services.accounts.authenticate(api.tokens["staff"])
    # More variety: declined offers (a reason, an answer time) and cancelled requests.
    for offer in await Offer.filter(status=OfferStatus.OFFERED).limit(6):
        if offer.volunteer_id in principals:
            await services.bookings.decline(
                principals[offer.volunteer_id], offer.id, Decline(reason="away that day")
            )
    for request in await ServiceRequest.filter(status=RequestStatus.PENDING).limit(3):
        await services.bookings.cancel(staff, request.id, Cancel(reason="not needed"))
    statuses = {r.status for r in await ServiceRequest.all()}
    assert {RequestStatus.CANCELLED, RequestStatus.COMPLETED} <= statuses
    # A team: three seats, held by offers made in an order their ids do not follow by
    # seat, one done; offers that hold no seat (declined, dropped) are not its holders.
    when = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    team = await _errand(1, when, 2, staff.account_id, RequestStatus.ASSIGNED, seats=3, filled=3)
    for seat, (vid, status) in zip(
        (2, None, 0, None, 1),
        zip(
            list(principals)[:5],
            [
                OfferStatus.ACCEPTED,
                OfferStatus.DECLINED,
                OfferStatus.COMPLETED,
                OfferStatus.DROPPED,
                OfferStatus.ACCEPTED,
            ],
            strict=True,
        ),
        strict=True,
    ):
        await _offer_of(
            team,
            vid,
            status,
            seat=seat or 0,
            seat_key=f"{team.id}:{seat}" if seat is not None else None,
        )

    # Staff: a compound's requests, all of them and by status.
    everything = await services.bookings.requests(
        staff, community_id=1, statuses=None, limit=500, offset=0
    )
    assert everything == await _expected_requests(ServiceRequest.filter(community_id=1))
    held = [a for r in everything for a in r.assignments]
    assert {a.party_member for a in held} == {True, False}
    [teamed] = [r for r in everything if r.id == team.id]
    assert [a.status for a in teamed.assignments] == ["accepted", "completed", "accepted"]
    picked = [RequestStatus.ASSIGNED, RequestStatus.CANCELLED]
    assert await services.bookings.requests(
        staff, community_id=1, statuses=picked, limit=500, offset=0
    ) == await _expected_requests(ServiceRequest.filter(community_id=1, status__in=picked))
    # Pages are slices of the whole, in the same order.
    pages = [
        await services.bookings.requests(
            staff, community_id=1, statuses=None, limit=7, offset=offset
        )
        for offset in range(0, len(everything), 7)
    ]
    assert [r for page in pages for r in page] == everything

    # A resident: what they filed or what serves them (staff filed all of these).
    resident = await services.accounts.authenticate(api.tokens["resident"])
    mine = await services.bookings.requests(
        resident, community_id=None, statuses=None, limit=500, offset=0
    )
    assert mine and mine == await _expected_requests(
        ServiceRequest.filter(resident__membership__account_id=resident.account_id)
    )
    # Staff who filed them also see them as their own when no compound is named.
    assert await services.bookings.requests(
        staff, community_id=None, statuses=None, limit=500, offset=0
    ) == await _expected_requests(ServiceRequest.filter(filed_by_id=staff.account_id))

    # Volunteers: the offers made to them, with every status an offer can have.
    seen: set[OfferStatus] = set()
    for vid, who in list(principals.items())[:25]:
        page = await services.bookings.offers(
            who, community_id=None, statuses=None, limit=500, offset=0
        )
        assert page == await _expected_offers(
            Offer.filter(volunteer_id=vid).select_related("request")
        )
        seen |= {o.status for o in page}
        assert all(o.job.unit is None and o.job.resident_phone is None for o in page)
    assert {OfferStatus.OFFERED, OfferStatus.ACCEPTED, OfferStatus.DECLINED} <= seen
    # Staff: a compound's offers, filtered by status, and paged.
    open_or_done = [OfferStatus.OFFERED, OfferStatus.COMPLETED]
    offers = await services.bookings.offers(
        staff, community_id=1, statuses=open_or_done, limit=500, offset=0
    )
    assert offers == await _expected_offers(
        Offer.filter(request__community_id=1, status__in=open_or_done).select_related("request")
    )
    assert (
        await services.bookings.offers(
            staff, community_id=1, statuses=open_or_done, limit=5, offset=5
        )
        == offers[5:10]
    )

    # Each request's history, as every booking and single read answers it.
    zone = ZoneInfo("Asia/Shanghai")
    kinds: set[EventKind] = set()
    for request in everything:
        found = await listing.history(request.id, zone)
        assert found == await _orm_history(request.id, zone)
        kinds |= {h.event for h in found}
    assert {EventKind.CREATED, EventKind.OFFERED, EventKind.ACCEPTED, EventKind.CANCELLED} <= kinds


async def test_a_booking_answers_what_a_read_of_it_shows(api: Api) -> None:
    """``POST /requests`` builds its answer from what its transaction wrote (no read back):
    it must equal ``GET /requests/{id}``, history included, whatever matching did."""
    rng = random.Random(5)
    await _populate(api, rng, count=12)
    kinds: set[str] = set()
    for i in range(24):
        body = groceries(
            None if i % 4 == 3 else rng.choice([1, 2, 3]),
            day=rng.randint(1, 3),
            start=(start := rng.choice(["09:00", "10:00", "15:00"])),
            end=f"{int(start[:2]) + rng.choice([1, 2]):02d}:00",
            urgent=i % 5 == 0,
            notes="please knock twice " * (i % 3) * 5,
        )
        who = "resident" if i % 4 == 3 else "staff"
        api.clock.advance(microseconds=rng.randint(1, 999_999))  # times as stored, exactly
        booked = await api.post("/requests", who, body)
        assert booked == await api.get(f"/requests/{booked['id']}", who)
        kinds |= {h["event"] for h in booked["history"]}
    assert {"created", "offered", "unfilled"} <= kinds


async def test_pages_read_in_index_order_are_slices_of_the_whole_list(api: Api) -> None:
    """Pages are read as the best of each part in index order: for an account, what it
    filed and what serves each of its residents (here in two compounds); for staff, the
    compound's requests or each status asked for. Every page, filtered or not, is the
    slice of the whole the ORM finds. Ties in priority and start, requests filed for
    oneself (in two parts), statuses named twice and rows not to be seen are all there."""
    services = api.app.state.services
    staff = await services.accounts.authenticate(api.tokens["staff"])
    assert staff is not None
    before = await services.accounts.authenticate(api.tokens["resident"])
    assert before is not None
    me = before.account_id
    here = await Resident.get(membership__account_id=me, membership__community_id=1)
    assert before.resident_ids == (here.id,)
    other = await Community.create(slug="qinghe", name="Qinghe Garden", timezone="Asia/Shanghai")
    member = await Membership.create(account_id=me, community_id=other.id, role=Role.RESIDENT)
    there = await Resident.create(membership=member, unit="3", room="402")
    # Read as each call reads it, with the compounds just joined: a principal carries the
    # account's resident ids as they were when its token was looked up.
    resident = await services.accounts.authenticate(api.tokens["resident"])
    assert resident is not None and resident.account_id == me
    assert resident.resident_ids == (here.id, there.id)
    stranger = await Resident.exclude(id=here.id).filter(membership__community_id=1).first()
    assert stranger is not None
    rng = random.Random(7)
    start = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)
    for _ in range(120):
        served = rng.choice([here, there, stranger, None])
        when = start + timedelta(minutes=5 * rng.randint(0, 30))
        await _errand(
            other.id if served is there else 1,
            when,
            1,
            rng.choice([me, staff.account_id]),
            rng.choice(list(RequestStatus)),
            resident_id=served.id if served else None,
            priority=rng.choice([100, 110, 1100]),
        )
    mine = Q(filed_by_id=me) | Q(resident__membership__account_id=me)
    waiting = [RequestStatus.PENDING, RequestStatus.UNFILLED]
    for who, community_id, statuses, query in (
        (resident, None, None, ServiceRequest.filter(mine)),
        (resident, other.id, None, ServiceRequest.filter(mine, community_id=other.id)),
        (resident, None, waiting, ServiceRequest.filter(mine, status__in=waiting)),
        (staff, 1, None, ServiceRequest.filter(community_id=1)),
        (
            staff,
            1,
            [*waiting, RequestStatus.CANCELLED, RequestStatus.PENDING],
            ServiceRequest.filter(community_id=1, status__in=[*waiting, "cancelled"]),
        ),
    ):
        whole = await _expected_requests(query)
        assert 3 < len(whole) < 150
        await _pages_are_slices(
            whole, services.bookings.requests, who, community_id=community_id, statuses=statuses
        )


async def test_a_volunteers_offers_are_read_in_index_order(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A volunteer's offers are read as the best of each of their profiles (here in two
    compounds), or of each profile and status asked for, from the offer table's own page
    indexes (each offer carries its request's priority and start). Every page, filtered or
    not, is the slice of the whole the ORM finds by the requests' order; the ids the
    principal carries and the ids looked up give the same pages; offers to others are never
    in them. On SQLite the page's plan is checked to read those indexes."""
    services = api.app.state.services
    chen = await services.accounts.authenticate(api.tokens["volunteer_chen"])
    assert chen is not None
    other = await Community.create(slug="qinghe", name="Qinghe Garden", timezone="Asia/Shanghai")
    member = await Membership.create(
        account_id=chen.account_id, community_id=other.id, role=Role.VOLUNTEER
    )
    second = await Volunteer.create(membership=member)
    home = await Volunteer.get(membership__account_id=chen.account_id, membership__community_id=1)
    stranger = await Volunteer.exclude(id=home.id).filter(membership__community_id=1).first()
    assert stranger is not None
    chen = await services.accounts.authenticate(api.tokens["volunteer_chen"])
    assert chen is not None and chen.volunteer_ids == (home.id, second.id)
    by_hand = Principal(account_id=chen.account_id, name="Chen", roles=chen.roles)
    rng = random.Random(3)
    start = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)
    for _ in range(90):
        when = start + timedelta(minutes=5 * rng.randint(0, 20))
        community_id = rng.choice([1, other.id])
        request = await _errand(
            community_id,
            when,
            1,
            chen.account_id,
            RequestStatus.PENDING,
            priority=rng.choice([100, 110, 1100]),
        )
        for volunteer in rng.sample([home, second, stranger], rng.randint(1, 2)):
            await _offer_of(request, volunteer.id, rng.choice(list(OfferStatus)))
    mine = [home.id, second.id]
    some = [OfferStatus.OFFERED, OfferStatus.EXPIRED, OfferStatus.OFFERED]
    for community_id, statuses, query in (
        (None, None, Offer.filter(volunteer_id__in=mine)),
        (None, some, Offer.filter(volunteer_id__in=mine, status__in=some)),
        (other.id, None, Offer.filter(volunteer_id__in=mine, request__community_id=other.id)),
        (1, some, Offer.filter(volunteer_id__in=mine, request__community_id=1, status__in=some)),
    ):
        whole = await _expected_offers(query.select_related("request"))
        assert 3 < len(whole) < 150
        for who in (chen, by_hand):
            await _pages_are_slices(
                whole, services.bookings.offers, who, community_id=community_id, statuses=statuses
            )

    raw = Raw()
    if not raw.sqlite:
        return  # PostgreSQL's planner chooses by the table's size (see the load benchmark)
    seen: list[tuple[str, list[Any]]] = []
    rows = Raw.rows

    async def noting(self: Raw, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        seen.append((sql, list(params)))
        return await rows(self, sql, params)

    monkeypatch.setattr(Raw, "rows", noting)
    for statuses in (None, some):
        seen.clear()
        await listing.offers(
            account_id=chen.account_id, volunteer_ids=mine, statuses=statuses, limit=20
        )
        [(sql, params)] = seen
        plan = " | ".join(
            str(row[-1]) for row in await rows(raw, f"EXPLAIN QUERY PLAN {sql}", params)
        )
        index = "offer_volunteer_status_page" if statuses else "offer_volunteer_page"
        # One index read a part, each in the index's order: only the few rows the parts
        # found are sorted (the union's order, then the page's); a part that sorted a
        # volunteer's offers would add a sort of its own.
        assert plan.count(f"INDEX {index} (") == len(mine) * (2 if statuses else 1), plan
        assert plan.count("USE TEMP B-TREE FOR ORDER BY") == 2, plan
    # Staff: a compound's offers come in the order of its requests' page index, each
    # request's few offers sorted (the right part of the order), only the page sorted whole.
    seen.clear()
    await listing.offers(community_id=1, limit=20)
    [(sql, params)] = seen
    plan = " | ".join(str(row[-1]) for row in await rows(raw, f"EXPLAIN QUERY PLAN {sql}", params))
    assert "INDEX service_request_community_page (" in plan, plan
    assert plan.count("USE TEMP B-TREE FOR ORDER BY") == 1, plan


async def test_id_lists_are_one_bound_array_on_postgresql(api: Api) -> None:
    """A read over a list of ids (a page's offers, a pool's time off) reads the same text
    whatever the ids on PostgreSQL: asyncpg prepares each text it has not seen (a round
    trip and a plan) and keeps only the last 100, so written-in ids made every page a new
    statement. SQLite writes them in. Either way the same rows come back."""
    raw = Raw()
    volunteers = sorted(v.id for v in await Volunteer.all())
    assert len(volunteers) >= 3
    texts = set()
    for ids in (volunteers[:2], volunteers[1:], [volunteers[0], 10**6]):
        where, values = raw.any_of("v.id", ids, 2)
        texts.add(where)
        rows = await raw.rows(
            f"SELECT v.id FROM volunteer v WHERE v.active = {raw.param(1)} AND {where} "
            "ORDER BY v.id",
            [True, *values],
        )
        assert [r[0] for r in rows] == sorted(set(ids) & set(volunteers))
    assert len(texts) == (3 if raw.sqlite else 1)
