"""Requests, offers and history. Capacity is taken with conditional UPDATEs whose row count
is checked, and overlapping work is refused by the unique slot index, inside the caller's
transaction: never read-then-write."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from core.domain.enums import EventKind, OfferStatus, RequestStatus
from core.domain.errors import Conflict, NotFound
from core.domain.events import RequestEvent
from core.domain.records import (
    AssignmentRecord,
    HistoryRecord,
    OfferedJob,
    OfferRecord,
    Place,
    RequestRecord,
    Window,
)
from core.domain.time import Interval, slot_starts, utcnow, week_start
from core.storage import listing, notices
from core.storage.models import (
    BatchRun,
    Offer,
    RevealLog,
    SchedulerLease,
    ServiceRequest,
    Volunteer,
    VolunteerSlot,
    VolunteerWeekLoad,
)
from core.storage.raw import Raw, new_row

REQUEST_RELATED = ("community", "building", "resident__membership__account")


async def insert_request(
    request: ServiceRequest,
    at: datetime,
    history: Sequence[tuple[EventKind, str | None, str, int | None, str]],
) -> list[RequestEvent]:
    """Write ``request`` (a new, unsaved instance; its id is set here) and the first rows
    of its history, each ``(kind, from status, to status, actor, note)`` at ``at``, inside
    the caller's transaction: the events to deliver after commit.

    The values are the ORM's own (``raw.new_row``), the statement hand-written: on
    PostgreSQL the request and its history are one statement (a data-modifying CTE), a
    round trip instead of two; on SQLite, where a statement costs no round trip, two."""
    raw = Raw()
    params: list[Any] = [raw.when(at)]
    at_mark = raw.param(1)
    rows = []
    for kind, from_status, to_status, actor_id, note in history:
        params += [str(kind), _text(from_status), _text(to_status), actor_id, note[:300]]
        marks = [raw.param(len(params) - 4 + i) for i in range(5)]
        if not raw.sqlite:
            marks = [f"CAST({m} AS {t})" for m, t in zip(marks, _HISTORY_TYPES, strict=True)]
        rows.append(marks)
    if raw.sqlite:
        await raw.insert(request)
        await raw.write(
            f"INSERT INTO request_history ({_HISTORY_COLUMNS}) VALUES "
            + ", ".join(
                f"({request.id}, {at_mark}, {', '.join(m[:4])}, NULL, NULL, {m[4]})" for m in rows
            ),
            params,
        )
    else:
        columns, values = new_row(request)  # numbered after the history's values
        places = ", ".join(raw.param(len(params) + 1 + i) for i in range(len(values)))
        # In the order given: a request's history reads in the order of its ids.
        listed = ", ".join(f"({i}, {', '.join(m)})" for i, m in enumerate(rows))
        [(request.id,)] = await raw.rows(
            f"WITH request AS (INSERT INTO service_request ({columns}) VALUES ({places}) "
            "RETURNING id), history AS ("
            f"INSERT INTO request_history ({_HISTORY_COLUMNS}) "
            f"SELECT request.id, CAST({at_mark} AS TIMESTAMPTZ), h.event, h.from_status, "
            "h.to_status, h.actor_id, NULL, NULL, h.note FROM request, "
            f"(VALUES {listed}) AS h(n, event, from_status, to_status, actor_id, note) "
            "ORDER BY h.n) SELECT id FROM request",
            [*params, *values],
        )
        request._saved_in_db = True
    return [
        await record_event(
            request,
            kind,
            at,
            from_status=from_status,
            to_status=to_status,
            actor_id=actor_id,
            note=note,
            written=True,
        )
        for kind, from_status, to_status, actor_id, note in history
    ]


_HISTORY_TYPES = ("VARCHAR", "VARCHAR", "VARCHAR", "INT", "VARCHAR")


def _text(status: str | None) -> str | None:
    return None if status is None else str(status)


async def get_request(request_id: int) -> ServiceRequest:
    found = await ServiceRequest.get_or_none(id=request_id).select_related(*REQUEST_RELATED)
    if found is None:
        raise NotFound(f"request {request_id} not found")
    return found


async def record_event(
    request: ServiceRequest,
    kind: EventKind,
    at: datetime,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    actor_id: int | None = None,
    volunteer_account_id: int | None = None,
    offer_id: int | None = None,
    note: str = "",
    written: bool = False,
) -> RequestEvent:
    """Append to the request's history and return the event to deliver after commit
    (``written``: the row is in already, written with the change it tells)."""
    if not written:
        raw = Raw()
        await raw.write(
            f"INSERT INTO request_history ({_HISTORY_COLUMNS}) VALUES ({raw.params(9)})",
            [
                request.id,
                raw.when(at),
                str(kind),
                from_status and str(from_status),
                to_status and str(to_status),
                actor_id,
                volunteer_account_id,
                offer_id,
                note[:300],
            ],
        )
    return RequestEvent(
        kind=kind,
        request_id=request.id,
        community_id=request.community_id,
        line=request.line,
        service=request.service,
        at=at,
        actor_account_id=actor_id,
        volunteer_account_id=volunteer_account_id,
        offer_id=offer_id,
        note=note or None,
        from_status=from_status and str(from_status),
        to_status=to_status and str(to_status),
    )


_HISTORY_COLUMNS = (
    "request_id, at, event, from_status, to_status, actor_id, volunteer_account_id, offer_id, note"
)


async def change_status(
    request: ServiceRequest,
    frm: set[RequestStatus],
    to: RequestStatus,
    kind: EventKind,
    at: datetime,
    *,
    actor_id: int | None = None,
    note: str = "",
) -> RequestEvent | None:
    """``set_status`` and, when it changed the request, its history row (``record_event``,
    from the status the request had): on PostgreSQL in one statement, a round trip fewer.
    None when the request was no longer in one of ``frm``."""
    raw = Raw()
    before = request.status
    if raw.sqlite:  # statements cost no round trip here
        if not await set_status(request, frm, to):
            return None
    else:
        states_from = sorted(map(str, frm))
        states = ", ".join(f"${8 + i}" for i in range(len(states_from)))
        changed = await raw.rows(
            "WITH changed AS (UPDATE service_request SET status = $1 "
            f"WHERE id = $2 AND status IN ({states}) RETURNING id) "
            f"INSERT INTO request_history ({_HISTORY_COLUMNS}) "
            "SELECT id, CAST($3 AS TIMESTAMPTZ), CAST($4 AS VARCHAR), CAST($5 AS VARCHAR), $1, "
            "CAST($6 AS INT), NULL, NULL, CAST($7 AS VARCHAR) FROM changed RETURNING request_id",
            [str(to), request.id, at, str(kind), str(before), actor_id, note[:300], *states_from],
        )
        if not changed:
            return None
        request.status = to
    return await record_event(
        request,
        kind,
        at,
        from_status=before,
        to_status=to,
        actor_id=actor_id,
        note=note,
        written=not raw.sqlite,
    )


def history_written(
    events: list[RequestEvent], zone: ZoneInfo, names: dict[int, str]
) -> list[HistoryRecord] | None:
    """The history rows ``record_event`` wrote for ``events``, as ``listing.history`` reads
    them back, for a request whose whole history these are (made in the caller's
    transaction); None when an actor's name is not in ``names``."""
    if any(e.actor_account_id is not None and e.actor_account_id not in names for e in events):
        return None
    return [
        HistoryRecord(
            at=e.at.astimezone(zone),
            event=e.kind,
            from_status=RequestStatus(e.from_status) if e.from_status else None,
            to_status=RequestStatus(e.to_status) if e.to_status else None,
            actor_account_id=e.actor_account_id,
            actor_name=names[e.actor_account_id] if e.actor_account_id is not None else None,
            volunteer_account_id=e.volunteer_account_id,
            offer_id=e.offer_id,
            note=(e.note or "")[:300],
        )
        for e in events
    ]


async def set_status(request: ServiceRequest, frm: set[RequestStatus], to: RequestStatus) -> bool:
    """Move the request to ``to`` if it is still in one of ``frm``; False if it was not."""
    raw = Raw()
    changed = await raw.write(
        f"UPDATE service_request SET status = {raw.param(1)} WHERE id = {raw.param(2)} "
        f"AND status IN ({', '.join(raw.param(3 + i) for i in range(len(frm)))})",
        [str(to), request.id, *sorted(map(str, frm))],
    )
    if changed:
        request.status = to
    return bool(changed)


async def update_open_request(request_id: int, **values: Any) -> bool:
    """Change a request that is still open or assigned; False if it is closed."""
    return bool(
        await ServiceRequest.filter(
            id=request_id,
            status__in=[RequestStatus.PENDING, RequestStatus.UNFILLED, RequestStatus.ASSIGNED],
        ).update(**values)
    )


async def claim_seat(request_id: int) -> bool:
    return bool(
        await ServiceRequest.filter(
            id=request_id,
            filled__lt=F("seats"),
            status__in=[RequestStatus.PENDING, RequestStatus.UNFILLED],
        ).update(filled=F("filled") + 1)
    )


async def release_seat(request_id: int) -> None:
    await ServiceRequest.filter(id=request_id, filled__gt=0).update(filled=F("filled") - 1)


async def take_week_minutes(volunteer: Volunteer, window: Interval, zone: ZoneInfo) -> bool:
    week = week_start(window.start, zone)
    await VolunteerWeekLoad.bulk_create(
        [VolunteerWeekLoad(volunteer_id=volunteer.id, week=week, minutes=0)], ignore_conflicts=True
    )
    return bool(
        await VolunteerWeekLoad.filter(
            volunteer_id=volunteer.id,
            week=week,
            minutes__lte=volunteer.weekly_cap_minutes - window.minutes,
        ).update(minutes=F("minutes") + window.minutes)
    )


async def give_back_week_minutes(volunteer_id: int, window: Interval, zone: ZoneInfo) -> None:
    await VolunteerWeekLoad.filter(
        volunteer_id=volunteer_id, week=week_start(window.start, zone), minutes__gte=window.minutes
    ).update(minutes=F("minutes") - window.minutes)


async def book_slots(account_id: int, offer_id: int, window: Interval) -> None:
    """Insert the 5-minute slots of accepted work; the unique index refuses any overlap."""
    try:
        await VolunteerSlot.bulk_create(
            [
                VolunteerSlot(account_id=account_id, offer_id=offer_id, starts_at=s)
                for s in slot_starts(window)
            ]
        )
    except IntegrityError:
        raise Conflict("this overlaps another job you have accepted") from None


async def free_slots(offer_id: int) -> None:
    await VolunteerSlot.filter(offer_id=offer_id).delete()


async def create_offer(
    request: ServiceRequest,
    volunteer_id: int,
    *,
    score: float,
    breakdown: dict[str, float],
    at: datetime,
    expires_at: datetime,
    offered_by: int | None,
    notify: int,
    actor_id: int | None,
    note: str,
    seat: int = 0,
    broadcast: bool = False,
    batch_run_id: int | None = None,
) -> tuple[Offer, RequestEvent]:
    """Offer ``request`` to ``volunteer_id``, inside the caller's transaction, with the
    notice to the volunteer's account ``notify`` and the request's OFFERED history row (by
    ``actor_id``, saying ``note``): the offer, and the event to deliver after commit. A
    second offer of the request to the same volunteer is a Conflict, and writes nothing.

    On PostgreSQL the three rows are one statement (a data-modifying CTE; the notice's key
    and body get the new offer's id there), a round trip instead of three; on SQLite, where
    a statement costs no round trip, three."""
    offer = Offer(
        request_id=request.id,
        volunteer_id=volunteer_id,
        status=OfferStatus.OFFERED,
        score=score,
        score_breakdown=breakdown,
        offered_at=at,
        expires_at=expires_at,
        offered_by_id=offered_by,
        seat=seat,
        broadcast=broadcast,
        batch_run_id=batch_run_id,
        starts_at=request.starts_at,
        ends_at=request.ends_at,
        priority=request.priority,
    )
    raw = Raw()
    try:
        if raw.sqlite:
            await raw.insert(offer)
            await notices.offer_made(offer, request, notify, at)
        else:
            await _offer_notice_history(raw, offer, request, notify, at, actor_id, note)
    except IntegrityError:
        raise Conflict(
            f"volunteer {volunteer_id} was already offered request {request.id}"
        ) from None
    event = await record_event(
        request,
        EventKind.OFFERED,
        at,
        actor_id=actor_id,
        offer_id=offer.id,
        volunteer_account_id=notify,
        note=note,
        written=not raw.sqlite,
    )
    return offer, event


async def _offer_notice_history(
    raw: Raw,
    offer: Offer,
    request: ServiceRequest,
    notify: int,
    at: datetime,
    actor_id: int | None,
    note: str,
) -> None:
    """PostgreSQL: ``offer``, its notice and its history row in one statement. The notice
    and the history row are VALUES, so each value takes its column's type, and read the
    offer's id from the offer's RETURNING."""
    notice = notices.offer_notice(request, notify, at)  # its key and body marked for the id
    values: list[Any] = []

    def placed(
        row: tuple[str, list[Any]], computed: dict[str, str | Callable[[str], str]]
    ) -> tuple[str, str]:
        """A row's columns and VALUES, each value a parameter; for a ``computed`` column,
        that SQL instead, or the SQL made from the column's parameter."""
        columns, row_values = row
        names = [c.strip('"') for c in columns.split(", ")]
        marks = []
        for name, value in zip(names, row_values, strict=True):
            sql = computed.get(name)
            if isinstance(sql, str):
                marks.append(sql)
                continue
            values.append(value)
            mark = raw.param(len(values))
            marks.append(sql(mark) if sql is not None else mark)
        return columns, ", ".join(marks)

    new_id = "(SELECT id FROM offer)"

    def with_id(mark: str) -> str:
        return f"REPLACE({mark}, '{notices.OFFER_ID}', (SELECT CAST(id AS TEXT) FROM offer))"

    offer_columns, offer_values = placed(new_row(offer), {})
    notice_columns, notice_values = placed(
        new_row(notice),
        {"dedupe_key": with_id, "body": with_id, "offer_id": new_id},
    )
    history = [request.id, at, str(EventKind.OFFERED), None, None, actor_id, notify, None]
    history_columns, history_values = placed(
        (_HISTORY_COLUMNS, [*history, note[:300]]), {"offer_id": new_id}
    )
    [(offer.id,)] = await raw.rows(
        f"WITH offer AS (INSERT INTO offer ({offer_columns}) VALUES ({offer_values}) "
        "RETURNING id), notice AS ("
        f"INSERT INTO notification ({notice_columns}) VALUES ({notice_values}) "
        "ON CONFLICT DO NOTHING), history AS ("
        f"INSERT INTO request_history ({history_columns}) VALUES ({history_values})) "
        "SELECT id FROM offer",
        values,
    )
    offer._saved_in_db = True


async def transition_offer(
    offer_id: int,
    frm: OfferStatus,
    to: OfferStatus,
    *,
    not_expired_at: datetime | None = None,
    **values: Any,
) -> bool:
    query = Offer.filter(id=offer_id, status=frm)
    if not_expired_at is not None:
        query = query.filter(expires_at__gt=not_expired_at)
    return bool(await query.update(status=to, **values))


async def take_offer_seat(offer: Offer, now: datetime) -> bool:
    """Accept ``offer`` if it is still open and unexpired, taking its seat's unique key;
    False if the offer is closed, Conflict if another offer already holds the seat."""
    try:
        return await transition_offer(
            offer.id,
            OfferStatus.OFFERED,
            OfferStatus.ACCEPTED,
            not_expired_at=now,
            responded_at=now,
            seat_key=f"{offer.request_id}:{offer.seat}",
        )
    except IntegrityError:
        raise Conflict(
            f"seat {offer.seat + 1} of request {offer.request_id} was just taken by someone else"
        ) from None


async def seats_with_offers(request_id: int, statuses: set[OfferStatus]) -> set[int]:
    seats = await Offer.filter(request_id=request_id, status__in=list(statuses)).values_list(
        "seat", flat=True
    )
    return set(cast("list[int]", seats))


async def offer_summary(request_id: int) -> list[tuple[int, int, OfferStatus]]:
    """(volunteer id, seat, status) of every offer ever made for the request."""
    rows = await Offer.filter(request_id=request_id).values_list("volunteer_id", "seat", "status")
    return [(int(v), int(seat), OfferStatus(st)) for v, seat, st in rows]


async def count_decline(request_id: int) -> None:
    await ServiceRequest.filter(id=request_id).update(declines=F("declines") + 1)


async def reset_declines(request: ServiceRequest) -> None:
    await ServiceRequest.filter(id=request.id).update(declines=0)
    request.declines = 0


async def get_offer(offer_id: int) -> Offer:
    found = await Offer.get_or_none(id=offer_id).select_related(
        "volunteer__membership__account", *(f"request__{r}" for r in REQUEST_RELATED)
    )
    if found is None:
        raise NotFound(f"offer {offer_id} not found")
    return found


async def offers_of_request(
    request_id: int, statuses: set[OfferStatus] | None = None
) -> list[Offer]:
    query = Offer.filter(request_id=request_id).order_by("id")
    if statuses is not None:
        query = query.filter(status__in=list(statuses))
    return await query.select_related("volunteer__membership__account")


async def count_offers(request_id: int, status: OfferStatus) -> int:
    return await Offer.filter(request_id=request_id, status=status).count()


async def due_offers(now: datetime, limit: int) -> list[tuple[int, int]]:
    """(offer, request) of offers past their expiry, most urgent requests first."""
    rows = (
        await Offer.filter(status=OfferStatus.OFFERED, expires_at__lte=now)
        .order_by("-request__priority", "expires_at")
        .limit(limit)
        .values_list("id", "request_id")
    )
    return [(int(o), int(r)) for o, r in rows]


async def lock_request(request_id: int) -> None:
    """Take the request's row first in a transaction that will change its offers.

    Every such transaction locks the request before any of its offers, so two of them
    (two accepts of one seat, an accept and a decline) queue on the request on PostgreSQL
    instead of deadlocking on each other's offers; on SQLite it is the write that takes the
    database's write lock, so the transaction never has to upgrade a read lock."""
    await ServiceRequest.filter(id=request_id).update(updated_at=utcnow())


async def open_requests_between(
    community_id: int, start: datetime, end: datetime, limit: int
) -> list[ServiceRequest]:
    return (
        await ServiceRequest.filter(
            community_id=community_id,
            status__in=[RequestStatus.PENDING, RequestStatus.UNFILLED],
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .order_by("-priority", "starts_at", "id")
        .limit(limit)
        .select_related(*REQUEST_RELATED)
    )


async def accepted_offers_of_account(
    account_id: int, since: datetime, limit: int = 500
) -> list[Offer]:
    return (
        await Offer.filter(
            volunteer__membership__account_id=account_id,
            status__in=[OfferStatus.ACCEPTED, OfferStatus.COMPLETED],
            request__ends_at__gte=since,
        )
        .order_by("request__starts_at")
        .limit(limit)
        .select_related(
            "volunteer__membership__account", *(f"request__{r}" for r in REQUEST_RELATED)
        )
    )


# -- records --------------------------------------------------------------------------------


def window_of(request: ServiceRequest) -> Interval:
    return Interval(request.starts_at, request.ends_at)


def _local_window(request: ServiceRequest) -> Window:
    zone = ZoneInfo(request.community.timezone)
    return Window(start=request.starts_at.astimezone(zone), end=request.ends_at.astimezone(zone))


async def request_record(
    request: ServiceRequest,
    *,
    with_history: bool = True,
    holders: list[Offer] | None = None,
    history: list[HistoryRecord] | None = None,
) -> RequestRecord:
    """The request as its owner and staff see it; ``history`` when the caller knows it
    (otherwise it is read, unless ``with_history`` is false)."""
    zone = ZoneInfo(request.community.timezone)
    offers = (
        holders
        if holders is not None
        else await offers_of_request(request.id, {OfferStatus.ACCEPTED, OfferStatus.COMPLETED})
    )
    if history is None:
        history = await listing.history(request.id, zone) if with_history else []
    account = request.resident.membership.account if request.resident else None
    return RequestRecord(
        id=request.id,
        community_id=request.community_id,
        line=request.line,
        service=request.service,
        details=request.details,
        window=_local_window(request),
        place=Place(
            building=request.building.name if request.building else None,
            unit=request.unit,
            room=request.room,
        ),
        resident_id=request.resident.id if request.resident else None,
        resident_name=account.name if account else None,
        filed_by_account_id=request.filed_by_id,
        status=RequestStatus(request.status),
        seats=request.seats,
        filled=request.filled,
        priority=request.priority,
        required_skills=list(request.required_skills),
        seat_skills=[list(x) for x in request.seat_skills]
        or [list(request.required_skills)] * request.seats,
        required_credentials=list(request.required_credentials),
        urgent=request.urgent,
        declines=request.declines,
        notes=request.notes,
        created_at=request.created_at.astimezone(zone),
        assignments=[
            AssignmentRecord(
                offer_id=o.id,
                volunteer_id=o.volunteer.id,
                volunteer_account_id=o.volunteer.membership.account.id,
                volunteer_name=o.volunteer.membership.account.name,
                party_member=o.volunteer.party_member,
                status=OfferStatus(o.status),
            )
            for o in offers
        ],
        history=history,
    )


def offer_record(offer: Offer, *, reveal: bool = False) -> OfferRecord:
    """The offer as its volunteer sees it. The resident's door, name and phone are in it
    only with ``reveal`` (one offer asked for by its accepted volunteer or staff; see
    ``BookingService.offer``), never in lists."""
    request = offer.request
    zone = ZoneInfo(request.community.timezone)
    revealed = reveal and offer.status in (OfferStatus.ACCEPTED, OfferStatus.COMPLETED)
    resident = request.resident.membership.account if request.resident else None
    account = offer.volunteer.membership.account
    return OfferRecord(
        id=offer.id,
        status=OfferStatus(offer.status),
        volunteer_id=offer.volunteer.id,
        volunteer_account_id=account.id,
        volunteer_name=account.name,
        score=offer.score,
        score_breakdown=offer.score_breakdown,
        offered_at=offer.offered_at.astimezone(zone),
        expires_at=offer.expires_at.astimezone(zone),
        responded_at=offer.responded_at.astimezone(zone) if offer.responded_at else None,
        decline_reason=offer.decline_reason,
        completed_at=offer.completed_at.astimezone(zone) if offer.completed_at else None,
        minutes=offer.minutes,
        seat=offer.seat,
        broadcast=offer.broadcast,
        batch_run_id=offer.batch_run_id,
        job=OfferedJob(
            request_id=request.id,
            community_id=request.community_id,
            line=request.line,
            service=request.service,
            details=request.details,
            window=_local_window(request),
            building=request.building.name if request.building else None,
            priority=request.priority,
            notes=request.notes,
            unit=request.unit if revealed else None,
            room=request.room if revealed else None,
            resident_name=resident.name if revealed and resident else None,
            resident_phone=resident.phone if revealed and resident else None,
        ),
    )


async def offered_pairs(request_ids: list[int]) -> set[tuple[int, int]]:
    rows = await Offer.filter(request_id__in=request_ids).values_list("request_id", "volunteer_id")
    return {(int(r), int(v)) for r, v in rows}


async def busy_seats(request_ids: list[int]) -> dict[int, set[int]]:
    """Seats under an open offer or held, per request."""
    out: dict[int, set[int]] = {}
    for rid, seat in await Offer.filter(
        request_id__in=request_ids,
        status__in=[OfferStatus.OFFERED, OfferStatus.ACCEPTED, OfferStatus.COMPLETED],
    ).values_list("request_id", "seat"):
        out.setdefault(int(rid), set()).add(int(seat))
    return out


async def week_loads(volunteer_ids: list[int], weeks: list[Any]) -> dict[tuple[int, Any], int]:
    rows = await VolunteerWeekLoad.filter(
        volunteer_id__in=volunteer_ids, week__in=weeks
    ).values_list("volunteer_id", "week", "minutes")
    return {(int(v), w): int(m) for v, w, m in rows}


async def save_batch_run(**values: Any) -> BatchRun:
    return await BatchRun.create(**values)


async def get_batch_run(run_id: int) -> BatchRun:
    found = await BatchRun.get_or_none(id=run_id)
    if found is None:
        raise NotFound(f"batch run {run_id} not found")
    return found


async def batch_runs(community_id: int, limit: int, offset: int = 0) -> list[BatchRun]:
    """A compound's batch runs, newest first."""
    query = BatchRun.filter(community_id=community_id).order_by("-id")
    return await query.offset(offset).limit(limit)


async def take_lease(name: str, holder: str, now: datetime, until: datetime) -> bool:
    """Take a named lease that has lapsed (or never existed); exactly one taker wins."""
    if await SchedulerLease.filter(name=name, expires_at__lte=now).update(
        holder=holder, expires_at=until
    ):
        return True
    try:
        await SchedulerLease.create(name=name, holder=holder, expires_at=until)
    except IntegrityError:
        return False
    return True


async def renew_lease(name: str, holder: str, until: datetime) -> bool:
    """Move the end of a lease ``holder`` holds (False: it is no longer theirs)."""
    return bool(await SchedulerLease.filter(name=name, holder=holder).update(expires_at=until))


async def log_reveal(offer: Offer, account_id: int, via: str, at: datetime) -> None:
    await RevealLog.create(
        community_id=offer.request.community_id,
        account_id=account_id,
        request_id=offer.request_id,
        offer_id=offer.id,
        via=via,
        at=at,
    )


async def reveals(community_id: int, limit: int, offset: int) -> list[RevealLog]:
    return (
        await RevealLog.filter(community_id=community_id)
        .order_by("-at", "-id")
        .offset(offset)
        .limit(limit)
    )
