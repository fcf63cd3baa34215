"""Pages of requests and offers, and a request's history, read with plain SQL straight
into records.

A page of twenty offers through the ORM built two hundred model objects (each offer with
its request, compound, building, volunteer, membership and account) to fill twenty records;
at load that, not the database, set the pace of ``GET /requests`` and ``GET /offers``. Here
one query reads the columns the records show, joined, with each request's volunteers
holding seats as a JSON list. The records are the ones
:func:`core.storage.bookings.request_record` and ``offer_record`` build for a single request
or offer (lists carry no history and reveal no door or phone); ``tests/test_listing.py``
holds the two to the same answer.

A request's history (every booking answers with it) is read the same way: one join with
the accounts that acted.

Filters and order are the ORM versions': a resident sees what they filed or what serves
them; a volunteer sees the offers made to them; staff see one compound; most urgent first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from core.domain.enums import EventKind, OfferStatus, RequestStatus
from core.domain.records import (
    AssignmentRecord,
    HistoryRecord,
    OfferedJob,
    OfferRecord,
    Place,
    RequestRecord,
    Window,
)
from core.storage.raw import Raw, as_datetime

_REQUEST = (
    "r.id, r.community_id, r.line, r.service, r.details, r.starts_at, r.ends_at, b.name, "
    "r.unit, r.room, r.resident_id, ra.name, r.filed_by_id, r.status, r.seats, r.filled, "
    "r.priority, r.required_skills, r.seat_skills, r.required_credentials, r.urgent, "
    "r.declines, r.notes, r.created_at, c.timezone"
)
_REQUEST_FROM = (
    "service_request r JOIN community c ON c.id = r.community_id "
    "LEFT JOIN building b ON b.id = r.building_id "
    "LEFT JOIN resident res ON res.id = r.resident_id "
    "LEFT JOIN membership rm ON rm.id = res.membership_id "
    "LEFT JOIN account ra ON ra.id = rm.account_id"
)
_OFFER = (
    "o.id, o.status, o.volunteer_id, va.id, va.name, o.score, o.score_breakdown, "
    "o.offered_at, o.expires_at, o.responded_at, o.decline_reason, o.completed_at, "
    "o.minutes, o.seat, o.broadcast, o.batch_run_id, "
    "r.id, r.community_id, r.line, r.service, r.details, r.starts_at, r.ends_at, b.name, "
    "r.priority, r.notes, c.timezone"
)
_OFFER_FROM = (
    "offer o JOIN service_request r ON r.id = o.request_id "
    "JOIN community c ON c.id = r.community_id "
    "LEFT JOIN building b ON b.id = r.building_id "
    "JOIN volunteer v ON v.id = o.volunteer_id "
    "JOIN membership vm ON vm.id = v.membership_id "
    "JOIN account va ON va.id = vm.account_id"
)
_HOLDING = (OfferStatus.ACCEPTED.value, OfferStatus.COMPLETED.value)


def _json(value: Any) -> Any:
    """A JSON column: text on SQLite (and from asyncpg without a codec), decoded otherwise."""
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


class _Where:
    """``WHERE`` conditions with their bound parameters."""

    def __init__(self, raw: Raw) -> None:
        self.raw = raw
        self.parts: list[str] = []
        self.params: list[Any] = []

    def bind(self, value: Any) -> str:
        self.params.append(value)
        return self.raw.param(len(self.params))

    def add(self, sql: str) -> None:
        self.parts.append(sql)

    def sql(self) -> str:
        return f" WHERE {' AND '.join(self.parts)}" if self.parts else ""

    def page(self, limit: int, offset: int) -> str:
        return f" LIMIT {self.bind(limit)} OFFSET {self.bind(offset)}"


async def requests(
    *,
    community_id: int | None = None,
    account_id: int | None = None,
    resident_ids: Sequence[int] | None = None,
    statuses: Sequence[RequestStatus] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[RequestRecord]:
    """A page of requests, most urgent first, each with the volunteers holding its seats.

    A compound's requests (by status or not) and an account's are read as parts in index
    order (``_parts``); an admin's list of every compound sorts its ids. An account's are
    what it filed and what serves each of its residents: ``resident_ids`` (as its principal
    carries them), or looked up here when not given."""
    raw = Raw()
    where = _Where(raw)
    order = "ORDER BY r.priority DESC, r.starts_at, r.id"
    if account_id is not None:
        if resident_ids is None:
            resident_ids = await _ids_of(raw, "resident", account_id)
        keys = [f"r.filed_by_id = {where.bind(account_id)}"]
        keys += [f"r.resident_id = {where.bind(int(rid))}" for rid in resident_ids]
        if community_id is not None:
            where.add(f"r.community_id = {where.bind(community_id)}")
        if statuses:
            where.add(f"r.status IN ({', '.join(where.bind(s.value) for s in statuses)})")
        page = _parts(
            "service_request", "r", [" AND ".join([k, *where.parts]) for k in keys], limit + offset
        )
    elif community_id is not None:
        # One part for the compound, or one for each status asked for.
        here = f"r.community_id = {where.bind(community_id)}"
        asked = dict.fromkeys(statuses or [])  # each once, in order
        keys = [f"{here} AND r.status = {where.bind(s.value)}" for s in asked]
        page = _parts("service_request", "r", keys or [here], limit + offset)
    else:
        if statuses:
            where.add(f"r.status IN ({', '.join(where.bind(s.value) for s in statuses)})")
        # The page's ids first, sorting narrow rows; then the joins for those rows only.
        page = f"SELECT r.id FROM service_request r{where.sql()} {order}"
    holding = _holding(raw, where)
    rows = await raw.rows(
        f"SELECT {_REQUEST}, {holding} FROM {_REQUEST_FROM} WHERE r.id IN ({page}"
        f"{where.page(limit, offset)}) {order}",
        where.params,
    )
    return [_request(row[:-1], _assignments(row[-1])) for row in rows]


async def _ids_of(raw: Raw, table: str, account_id: int) -> list[int]:
    """The ids of an account's rows in ``table`` (resident or volunteer: one a membership)."""
    rows = await raw.rows(
        f"SELECT x.id FROM {table} x JOIN membership xm ON xm.id = x.membership_id "
        f"WHERE xm.account_id = {raw.param(1)} ORDER BY x.id",
        [account_id],
    )
    return [int(x) for (x,) in rows]


def _parts(table: str, alias: str, keys: list[str], first: int) -> str:
    """SQL for the ids of the rows of ``table`` (as ``alias``) matching any of ``keys``,
    most urgent first, without sorting them all: the best ``first`` of each key, read in
    order from an index that starts with the key's columns and goes on (priority DESC,
    starts_at, id) (migrations 0006 for requests, 0008 for offers), then those few sorted.
    Any of the best ``first`` overall is among the best ``first`` of its own key, so the
    page is the same; a compound's or a resident's long history, what staff filed over
    years, or a volunteer's offers, is no longer sorted for each page."""
    order = f"ORDER BY {alias}.priority DESC, {alias}.starts_at, {alias}.id"
    parts = " UNION ".join(
        f"SELECT * FROM (SELECT {alias}.id, {alias}.priority, {alias}.starts_at "
        f"FROM {table} {alias} WHERE {key} {order} LIMIT {int(first)}) AS p{i}"
        for i, key in enumerate(keys)
    )
    return f"SELECT u.id FROM ({parts}) AS u ORDER BY u.priority DESC, u.starts_at, u.id"


def _holding(raw: Raw, where: _Where) -> str:
    """SQL for a column of the page's requests: the offers holding each one's seats
    (accepted or done), in the order they were made, as a JSON list of
    ``[offer, volunteer, account, name, party member, status]``; read with the page, not
    by a second statement (on PostgreSQL a round trip more for every page)."""
    statuses = ", ".join(where.bind(s) for s in _HOLDING)
    held = (
        "FROM offer o JOIN volunteer v ON v.id = o.volunteer_id "
        "JOIN membership vm ON vm.id = v.membership_id JOIN account va ON va.id = vm.account_id "
        f"WHERE o.request_id = r.id AND o.status IN ({statuses})"
    )
    if raw.sqlite:  # the rows in order first: json_group_array keeps the order it is fed
        return (
            "(SELECT json_group_array(json_array(h.id, h.volunteer_id, h.aid, h.name, "
            "h.party_member, h.status)) FROM (SELECT o.id, o.volunteer_id, va.id AS aid, "
            f"va.name, v.party_member, o.status {held} ORDER BY o.id) AS h)"
        )
    return (
        "(SELECT json_agg(json_build_array(o.id, o.volunteer_id, va.id, va.name, "
        f"v.party_member, o.status) ORDER BY o.id) {held})"
    )


def _assignments(value: Any) -> list[AssignmentRecord]:
    """The ``_holding`` column of one request (NULL on PostgreSQL when none hold a seat)."""
    return [
        AssignmentRecord(
            offer_id=int(oid),
            volunteer_id=int(vid),
            volunteer_account_id=int(aid),
            volunteer_name=name,
            party_member=bool(party),
            status=OfferStatus(status),
        )
        for oid, vid, aid, name, party, status in (_json(value) or [])
    ]


def _request(row: Sequence[Any], assignments: list[AssignmentRecord]) -> RequestRecord:
    (
        rid, cid, line, service, details, starts, ends, building, unit, room, resident_id,
        resident_name, filed_by, status, seats, filled, priority, skills, seat_skills,
        credentials, urgent, declines, notes, created, timezone,
    ) = row  # fmt: skip
    zone = ZoneInfo(timezone)  # cached by zoneinfo
    required = list(_json(skills) or [])
    return RequestRecord(
        id=int(rid),
        community_id=int(cid),
        line=line,
        service=service,
        details=_json(details) or {},
        window=Window(
            start=as_datetime(starts).astimezone(zone), end=as_datetime(ends).astimezone(zone)
        ),
        place=Place(building=building, unit=unit, room=room),
        resident_id=int(resident_id) if resident_id is not None else None,
        resident_name=resident_name,
        filed_by_account_id=int(filed_by),
        status=RequestStatus(status),
        seats=int(seats),
        filled=int(filled),
        priority=int(priority),
        required_skills=required,
        seat_skills=[list(x) for x in _json(seat_skills) or []] or [required] * int(seats),
        required_credentials=list(_json(credentials) or []),
        urgent=bool(urgent),
        declines=int(declines),
        notes=notes,
        created_at=as_datetime(created).astimezone(zone),
        assignments=assignments,
    )


async def offers(
    *,
    account_id: int | None = None,
    volunteer_ids: Sequence[int] | None = None,
    community_id: int | None = None,
    statuses: Sequence[OfferStatus] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[OfferRecord]:
    """A page of offers, their jobs most urgent first; no door, name or phone in them.

    An account's are the offers made to each of its volunteer profiles: ``volunteer_ids``
    (as its principal carries them), or looked up here when not given. They are read as
    parts in index order (``_parts``): the best of each profile (or of each profile and
    status asked for) from the offer table's page indexes, so a page does not sort a
    volunteer's whole history. ``community_id`` alone (staff) reads a compound's offers
    in the order of its requests' page index."""
    raw = Raw()
    where = _Where(raw)
    order = "ORDER BY o.priority DESC, o.starts_at, o.id"
    if account_id is not None:
        if volunteer_ids is None:
            volunteer_ids = await _ids_of(raw, "volunteer", account_id)
        if not volunteer_ids:
            return []
        keys = [f"o.volunteer_id = {where.bind(int(vid))}" for vid in volunteer_ids]
        if statuses:
            asked = dict.fromkeys(statuses)  # each once, in order
            keys = [f"{key} AND o.status = {where.bind(s.value)}" for key in keys for s in asked]
        if community_id is not None:
            # Offers of this compound's jobs (a volunteer may serve partner compounds too).
            keys = [
                f"{key} AND EXISTS (SELECT 1 FROM service_request xr "
                f"WHERE xr.id = o.request_id AND xr.community_id = {where.bind(community_id)})"
                for key in keys
            ]
        page = _parts("offer", "o", keys, limit + offset)
    else:
        if community_id is not None:
            where.add(f"r.community_id = {where.bind(community_id)}")
        if statuses:
            where.add(f"o.status IN ({', '.join(where.bind(s.value) for s in statuses)})")
        # In the requests' order (the same values as the offers' copies): read from the
        # compound's page index of requests (0006), each request's few offers sorted,
        # rather than every offer of the compound sorted.
        page = (
            "SELECT o.id FROM offer o JOIN service_request r ON r.id = o.request_id"
            f"{where.sql()} ORDER BY r.priority DESC, r.starts_at, o.id"
        )
    rows = await raw.rows(
        f"SELECT {_OFFER} FROM {_OFFER_FROM} WHERE o.id IN ({page}"
        f"{where.page(limit, offset)}) {order}",
        where.params,
    )
    return [_offer(row) for row in rows]


def _offer(row: Sequence[Any]) -> OfferRecord:
    (
        oid, status, vid, aid, name, score, breakdown, offered, expires, responded, reason,
        completed, minutes, seat, broadcast, batch_run_id,
        rid, cid, line, service, details, starts, ends, building, priority, notes, timezone,
    ) = row  # fmt: skip
    zone = ZoneInfo(timezone)  # cached by zoneinfo
    return OfferRecord(
        id=int(oid),
        status=OfferStatus(status),
        volunteer_id=int(vid),
        volunteer_account_id=int(aid),
        volunteer_name=name,
        score=float(score),
        score_breakdown=_json(breakdown) or {},
        offered_at=as_datetime(offered).astimezone(zone),
        expires_at=as_datetime(expires).astimezone(zone),
        responded_at=as_datetime(responded).astimezone(zone) if responded is not None else None,
        decline_reason=reason,
        completed_at=as_datetime(completed).astimezone(zone) if completed is not None else None,
        minutes=int(minutes) if minutes is not None else None,
        seat=int(seat),
        broadcast=bool(broadcast),
        batch_run_id=int(batch_run_id) if batch_run_id is not None else None,
        job=OfferedJob(
            request_id=int(rid),
            community_id=int(cid),
            line=line,
            service=service,
            details=_json(details) or {},
            window=Window(
                start=as_datetime(starts).astimezone(zone),
                end=as_datetime(ends).astimezone(zone),
            ),
            building=building,
            priority=int(priority),
            notes=notes,
        ),
    )


async def history(request_id: int, zone: ZoneInfo) -> list[HistoryRecord]:
    """A request's history, oldest first, with the name of whoever acted."""
    raw = Raw()
    return [
        HistoryRecord(
            at=as_datetime(at).astimezone(zone),
            event=EventKind(event),
            from_status=RequestStatus(frm) if frm else None,
            to_status=RequestStatus(to) if to else None,
            actor_account_id=int(actor) if actor is not None else None,
            actor_name=actor_name,
            volunteer_account_id=int(vaid) if vaid is not None else None,
            offer_id=int(offer_id) if offer_id is not None else None,
            note=note,
        )
        for at, event, frm, to, actor, actor_name, vaid, offer_id, note in await raw.rows(
            "SELECT h.at, h.event, h.from_status, h.to_status, h.actor_id, a.name, "
            "h.volunteer_account_id, h.offer_id, h.note FROM request_history h "
            f"LEFT JOIN account a ON a.id = h.actor_id WHERE h.request_id = {raw.param(1)} "
            "ORDER BY h.id",
            [request_id],
        )
    ]
