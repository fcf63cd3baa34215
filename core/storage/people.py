"""Residents and volunteers: profiles, availability, and the snapshots matching needs."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.expressions import F

from core.domain.enums import OfferStatus
from core.domain.errors import NotFound
from core.domain.records import ExtraTimeRecord, ResidentRecord, TimeOffRecord, VolunteerRecord
from core.domain.time import (
    SLOT,
    Interval,
    WeeklyWindow,
    expand_weekly,
    merge,
    minute_of_day,
    subtract,
    time_of_day,
    wall_window,
    week_start,
)
from core.matching import Candidate
from core.storage.models import (
    Account,
    AvailabilityWindow,
    Building,
    ExtraTime,
    Membership,
    Resident,
    TimeOff,
    Volunteer,
    VolunteerSkill,
)
from core.storage.raw import Raw, as_date, as_datetime, attach, instance, ints
from core.storage.raw import columns as raw_columns

# Misses and declines count half as much after this many days (reliability fades).
RELIABILITY_HALF_LIFE_DAYS = 60

# -- residents ------------------------------------------------------------------------------


async def create_resident(
    membership_id: int,
    building_id: int | None,
    unit: str,
    room: str,
    elderly: bool,
    lives_alone: bool,
    no_smartphone: bool,
) -> Resident:
    return await Resident.create(
        membership_id=membership_id,
        building_id=building_id,
        unit=unit,
        room=room,
        elderly=elderly,
        lives_alone=lives_alone,
        no_smartphone=no_smartphone,
    )


async def get_resident(resident_id: int) -> Resident:
    """One resident with their membership, account and building, in one hand-written join
    (through the ORM building the query cost more than running it)."""
    raw = Raw()
    rows = await raw.dicts(
        f"SELECT {resident_columns()} FROM {RESIDENT_JOIN} WHERE r.id = {raw.param(1)}",
        [resident_id],
    )
    found = resident_from_row(rows[0]) if rows else None
    if found is None:
        raise NotFound(f"resident {resident_id} not found")
    return found


def resident_columns() -> str:
    """The columns ``resident_from_row`` reads, from ``RESIDENT_JOIN``'s aliases."""
    return (
        f"{raw_columns(Resident, 'r')}, {raw_columns(Membership, 'm')}, "
        f"{raw_columns(Account, 'a')}, {raw_columns(Building, 'b')}"
    )


# A resident with their membership, account and building (r, m, a, b).
RESIDENT_JOIN = (
    "resident r JOIN membership m ON m.id = r.membership_id "
    "JOIN account a ON a.id = m.account_id LEFT JOIN building b ON b.id = r.building_id"
)


def resident_from_row(row: dict[str, Any]) -> Resident | None:
    """The resident in a row read with ``resident_columns`` (None: no resident in it)."""
    resident = instance(Resident, row, "r")
    if resident is None:
        return None
    membership = instance(Membership, row, "m")
    assert membership is not None
    attach(membership, "account", instance(Account, row, "a"))
    attach(resident, "membership", membership)
    attach(resident, "building", instance(Building, row, "b"))
    return resident


async def list_residents(
    community_id: int, limit: int, offset: int, *, phone: str | None = None
) -> list[Resident]:
    """A page of a compound's residents; ``phone`` (E.164): those with that number."""
    query = Resident.filter(membership__community_id=community_id)
    if phone is not None:
        query = query.filter(membership__account__phone=phone)
    return (
        await query.order_by("id")
        .offset(offset)
        .limit(limit)
        .prefetch_related("membership__account", "building")
    )


def resident_record(r: Resident) -> ResidentRecord:
    return ResidentRecord(
        id=r.id,
        account_id=r.membership.account.id,
        community_id=r.membership.community_id,
        name=r.membership.account.name,
        building=r.building.name if r.building else None,
        unit=r.unit,
        room=r.room,
        elderly=r.elderly,
        lives_alone=r.lives_alone,
        no_smartphone=r.no_smartphone,
    )


# -- volunteers -----------------------------------------------------------------------------


async def create_volunteer(
    membership_id: int, party_member: bool, cap_minutes: int, home_building_id: int | None
) -> Volunteer:
    return await Volunteer.create(
        membership_id=membership_id,
        party_member=party_member,
        weekly_cap_minutes=cap_minutes,
        home_building_id=home_building_id,
    )


async def set_skills(
    volunteer_id: int, skills: list[str], levels: dict[str, int] | None = None
) -> None:
    levels = levels or {}
    await VolunteerSkill.filter(volunteer_id=volunteer_id).delete()
    await VolunteerSkill.bulk_create(
        [
            VolunteerSkill(volunteer_id=volunteer_id, skill=s, level=levels.get(s, 3))
            for s in sorted(set(skills))
        ]
    )


async def skill_levels(volunteer_id: int) -> dict[str, int]:
    rows = await VolunteerSkill.filter(volunteer_id=volunteer_id).values_list("skill", "level")
    return {str(k): int(v) for k, v in rows}


async def set_availability(volunteer_id: int, windows: list[WeeklyWindow]) -> None:
    await AvailabilityWindow.filter(volunteer_id=volunteer_id).delete()
    await AvailabilityWindow.bulk_create(
        [
            AvailabilityWindow(
                volunteer_id=volunteer_id,
                weekday=w.weekday,
                start_minute=minute_of_day(w.start),
                end_minute=minute_of_day(w.end) or 24 * 60,
            )
            for w in windows
        ]
    )


def _weekly(w: AvailabilityWindow) -> WeeklyWindow:
    return WeeklyWindow(
        weekday=w.weekday, start=time_of_day(w.start_minute), end=time_of_day(w.end_minute)
    )


async def lock_volunteer(volunteer_id: int) -> None:
    """Take the volunteer's row first in an edit (a write that changes nothing)."""
    await Volunteer.filter(id=volunteer_id).update(active=F("active"))


async def update_volunteer(volunteer_id: int, **values: object) -> None:
    if values:
        await Volunteer.filter(id=volunteer_id).update(**values)


async def add_time_off(volunteer_id: int, window: Interval, reason: str) -> TimeOff:
    return await TimeOff.create(
        volunteer_id=volunteer_id, starts_at=window.start, ends_at=window.end, reason=reason
    )


async def delete_time_off(volunteer_id: int, time_off_id: int) -> None:
    if not await TimeOff.filter(id=time_off_id, volunteer_id=volunteer_id).delete():
        raise NotFound(f"time off {time_off_id} not found for volunteer {volunteer_id}")


async def add_extra_time(volunteer_id: int, window: Interval, note: str) -> ExtraTime:
    return await ExtraTime.create(
        volunteer_id=volunteer_id, starts_at=window.start, ends_at=window.end, note=note
    )


async def delete_extra_time(volunteer_id: int, extra_id: int) -> None:
    if not await ExtraTime.filter(id=extra_id, volunteer_id=volunteer_id).delete():
        raise NotFound(f"extra time {extra_id} not found for volunteer {volunteer_id}")


async def get_volunteer(volunteer_id: int) -> Volunteer:
    volunteer = await Volunteer.get_or_none(id=volunteer_id).prefetch_related(
        "membership__account", "membership__community", "home_building"
    )
    if volunteer is None:
        raise NotFound(f"volunteer {volunteer_id} not found")
    return volunteer


async def volunteer_of(account_id: int, community_id: int) -> Volunteer:
    """The account's volunteer profile in the community."""
    volunteer = await Volunteer.get_or_none(
        membership__account_id=account_id, membership__community_id=community_id
    )
    if volunteer is None:
        raise NotFound(f"you are not a volunteer of community {community_id}")
    return volunteer


async def list_volunteers(
    community_id: int, limit: int | None = None, offset: int = 0
) -> list[Volunteer]:
    query = Volunteer.filter(membership__community_id=community_id).order_by("id").offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return await query.prefetch_related(
        "membership__account", "membership__community", "home_building"
    )


async def volunteer_record(v: Volunteer) -> VolunteerRecord:
    zone = ZoneInfo(v.membership.community.timezone)
    skills = (
        await VolunteerSkill.filter(volunteer_id=v.id)
        .order_by("skill")
        .values_list("skill", flat=True)
    )
    windows = await AvailabilityWindow.filter(volunteer_id=v.id).order_by("weekday", "start_minute")
    offs = await TimeOff.filter(volunteer_id=v.id).order_by("starts_at")
    extras = await ExtraTime.filter(volunteer_id=v.id).order_by("starts_at")
    return VolunteerRecord(
        id=v.id,
        account_id=v.membership.account.id,
        community_id=v.membership.community_id,
        name=v.membership.account.name,
        party_member=v.party_member,
        active=v.active,
        skills=[str(s) for s in skills],
        credentials=sorted(v.credentials or []),
        skill_levels=await skill_levels(v.id),
        preferred_lines=list(v.preferred_lines),
        weekly_cap_hours=v.weekly_cap_minutes / 60,
        home_building=v.home_building.name if v.home_building else None,
        availability=[_weekly(w) for w in windows],
        time_off=[
            TimeOffRecord(
                id=t.id,
                start=t.starts_at.astimezone(zone),
                end=t.ends_at.astimezone(zone),
                reason=t.reason,
            )
            for t in offs
        ],
        extra_time=[
            ExtraTimeRecord(
                id=t.id,
                start=t.starts_at.astimezone(zone),
                end=t.ends_at.astimezone(zone),
                note=t.note,
            )
            for t in extras
        ],
        calendar_feed=v.calendar_token_hash is not None,
    )


async def load_candidates(
    community_ids: Iterable[int],
    zones: dict[int, ZoneInfo],
    window: Interval,
    skills: frozenset[str],
    exclude: set[int],
    *,
    now: datetime,
    resident_id: int | None = None,
    request_id: int | None = None,
    only_free: bool = False,
    relevant_skills: frozenset[str] | None = None,
) -> list[Candidate]:
    """Snapshots of the active volunteers of ``community_ids`` (the request's compound and
    its alliance partners) who hold every skill in ``skills``, as of ``now``.

    ``relevant_skills`` limits the skills (and levels) read per candidate to those the
    caller will ask about (the request's seats); by default all are read.

    ``only_free`` (instant matching) first narrows the pool in SQL to volunteers whose weekly
    pattern or one-off extra time covers the whole window, so a booking reads a few hundred
    rows, not the whole pool; staff's explanations and batch runs load everyone.
    """
    pool = list(community_ids)
    walls: dict[str, tuple[int, int, int] | None] = {}
    if only_free:
        for c in pool:
            walls[zones[c].key] = wall_window(window, zones[c])
        # A window across local midnight: no shortcut, expand the patterns below.
        only_free = all(w is not None for w in walls.values())
    raw = Raw()
    params: list[Any] = []

    def bind(value: Any) -> str:
        params.append(value)
        return raw.param(len(params))

    where = [
        "m.id = v.membership_id",
        f"m.community_id IN ({ints(pool)})",
        f"v.active = {bind(True)}",
        f"v.id NOT IN ({ints(exclude)})" if exclude else "1 = 1",
    ]

    def having(table: str, condition: str) -> str:
        """Volunteers with a row in ``table`` matching ``condition``, read once as a set."""
        return f"v.id IN (SELECT volunteer_id FROM {table} t WHERE {condition})"

    for skill in sorted(skills):  # every required skill
        where.append(having("volunteer_skill", f"t.skill = {bind(skill)}"))
    if only_free:
        covered = []
        for key, wall in walls.items():
            assert wall is not None
            weekday, start_minute, end_minute = wall
            cids = [c for c in pool if zones[c].key == key]
            pattern = having(
                "availability_window",
                f"t.weekday = {bind(weekday)} AND t.start_minute <= {bind(start_minute)} "
                f"AND t.end_minute >= {bind(end_minute)}",
            )
            covered.append(f"(m.community_id IN ({ints(cids)}) AND {pattern})")
        covered.append(
            having(
                "extra_time",
                f"t.starts_at <= {bind(raw.when(window.start))} "
                f"AND t.ends_at >= {bind(raw.when(window.end))}",
            )
        )
        where.append("(" + " OR ".join(covered) + ")")
    rows = await raw.rows(
        "SELECT v.id, m.account_id, m.community_id, a.name, b.name, b.grid, "
        "v.weekly_cap_minutes, v.preferred_lines, v.party_member, "
        "v.rel_answered, v.rel_accepted, v.rel_completed, v.rel_missed, v.credentials "
        # CROSS JOIN: SQLite walks volunteers (narrowed by the skill and free sets) and
        # looks each membership up, instead of walking the compound's memberships and
        # probing the sets per row; PostgreSQL plans it as an inner join.
        "FROM volunteer v CROSS JOIN membership m "
        "JOIN account a ON a.id = m.account_id "
        "LEFT JOIN building b ON b.id = v.home_building_id "
        "WHERE " + " AND ".join(where),
        params,
    )
    if not rows:
        return []
    held: dict[int, dict[str, int]] = defaultdict(dict)
    which, wanted = "", sorted(relevant_skills) if relevant_skills is not None else []
    if relevant_skills is not None:
        marks = ",".join(raw.param(n) for n in range(1, len(wanted) + 1))
        which = f" AND skill IN ({marks})" if wanted else " AND 1 = 0"
    found, found_ids = raw.any_of("volunteer_id", (r[0] for r in rows), len(wanted) + 1)
    for vid, skill, level in await raw.rows(
        f"SELECT volunteer_id, skill, level FROM volunteer_skill WHERE {found}{which}",
        [*wanted, *found_ids],
    ):
        held[vid][skill] = level
    rows = [r for r in rows if skills <= held[r[0]].keys()]
    if not rows:
        return []
    ids = [r[0] for r in rows]
    accounts = [r[1] for r in rows]
    # Each read below binds its own values first, then the ids: ``id_values`` (one array
    # on PostgreSQL), numbered after that read's own.
    of_ids, id_values = raw.any_of("volunteer_id", ids, 3)
    of_accounts, account_values = raw.any_of("account_id", accounts, 3)
    lo, hi = raw.when(window.start), raw.when(window.end)
    p1, p2 = raw.param(1), raw.param(2)

    off: dict[int, list[Interval]] = defaultdict(list)
    for vid, start, end in await raw.rows(
        f"SELECT volunteer_id, starts_at, ends_at FROM time_off WHERE {of_ids} "
        f"AND starts_at < {p1} AND ends_at > {p2}",
        [hi, lo, *id_values],
    ):
        off[vid].append(Interval(as_datetime(start), as_datetime(end)))
    extra: dict[int, list[Interval]] = defaultdict(list)
    for vid, start, end in await raw.rows(
        f"SELECT volunteer_id, starts_at, ends_at FROM extra_time WHERE {of_ids} "
        f"AND starts_at < {p1} AND ends_at > {p2}",
        [hi, lo, *id_values],
    ):
        extra[vid].append(Interval(as_datetime(start), as_datetime(end)))
    weekly: dict[int, list[WeeklyWindow]] = defaultdict(list)
    if not only_free:
        for w in await AvailabilityWindow.filter(volunteer_id__in=ids):
            weekly[w.volunteer_id].append(_weekly(w))
    busy: dict[int, list[Interval]] = defaultdict(list)
    for account_id, start in await raw.rows(
        f"SELECT account_id, starts_at FROM volunteer_slot WHERE {of_accounts} "
        f"AND starts_at >= {p1} AND starts_at < {p2}",
        [lo, hi, *account_values],
    ):
        begin = as_datetime(start)
        busy[account_id].append(Interval(begin, begin + SLOT))
    not_this = f" AND o.request_id <> {int(request_id)}" if request_id is not None else ""
    offered_to, _ = raw.any_of("o.volunteer_id", ids, 4)
    for account_id, start, end in await raw.rows(
        "SELECT m.account_id, o.starts_at, o.ends_at FROM offer o "
        "JOIN volunteer v ON v.id = o.volunteer_id "
        "JOIN membership m ON m.id = v.membership_id "
        f"WHERE o.status = {p1} AND {offered_to} "
        f"AND o.starts_at < {p2} AND o.ends_at > {raw.param(3)}{not_this}",
        [OfferStatus.OFFERED.value, hi, lo, *id_values],
    ):
        busy[account_id].append(Interval(as_datetime(start), as_datetime(end)))

    # Weekly loads: the request's week (for the cap) and the three before (for fairness).
    week_of = {c: week_start(window.start, zones[c]) for c in {r[2] for r in rows}}
    weeks = {r[0]: week_of[r[2]] for r in rows}
    earliest = min(weeks.values())
    loads: dict[tuple[int, date], int] = {}
    recent: dict[int, int] = defaultdict(int)
    loaded, _ = raw.any_of("volunteer_id", ids, 2)
    for vid, raw_week, minutes in await raw.rows(
        f"SELECT volunteer_id, week, minutes FROM volunteer_week_load WHERE {loaded} "
        f"AND week >= {p1}",
        [raw.day(earliest - timedelta(weeks=3)), *id_values],
    ):
        week = as_date(raw_week)
        loads[(vid, week)] = minutes
        if weeks[vid] - timedelta(weeks=3) <= week <= weeks[vid]:
            recent[vid] += minutes

    stars: dict[int, float] = {}
    if resident_id is not None:
        given: dict[int, list[int]] = defaultdict(list)
        rated, _ = raw.any_of("volunteer_id", ids, 2)
        for vid, n in await raw.rows(
            f"SELECT volunteer_id, stars FROM rating WHERE resident_id = {p1} AND {rated}",
            [int(resident_id), *id_values],
        ):
            given[vid].append(n)
        stars = {vid: sum(ns) / len(ns) for vid, ns in given.items()}

    span = Interval(window.start - timedelta(days=1), window.end + timedelta(days=1))
    scale = reliability_scale(now)
    out = []
    for row in rows:
        vid, account_id, cid, name, building, grid, cap, prefers, party = row[:9]
        answered, accepted, completed, missed = row[9:13]
        granted = json.loads(row[13]) if isinstance(row[13], str) else row[13] or []
        if only_free:  # the SQL above proved the weekly pattern (or extra time) covers it
            free = merge([window, *extra[vid]]) if vid in extra else [window]
        else:
            free = merge([*expand_weekly(weekly[vid], zones[cid], span), *extra[vid]])
        out.append(
            Candidate(
                volunteer_id=vid,
                account_id=account_id,
                community_id=cid,
                name=name,
                skills=frozenset(held[vid]),
                levels=dict(held[vid]),
                free=tuple(subtract(free, off[vid]) if vid in off else free),
                busy=tuple(busy[account_id]),
                week_minutes=loads.get((vid, weeks[vid]), 0),
                recent_minutes=recent[vid],
                weekly_cap_minutes=cap,
                building=building,
                grid=grid or "",
                reliability=reliability(answered, accepted, completed, missed, scale),
                resident_stars=stars.get(vid),
                preferred_lines=frozenset(
                    json.loads(prefers) if isinstance(prefers, str) else prefers or ()
                ),
                party_member=bool(party),
                credentials=frozenset(granted),
            )
        )
    return out


# Reliability weights double every half-life from this moment, so a fading sum is kept
# with plain additions (an atomic UPDATE, no read) and scaled down to "now" when read.
RELIABILITY_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _weight(at: datetime) -> float:
    days = (at - RELIABILITY_EPOCH).total_seconds() / 86400
    return float(2 ** (days / RELIABILITY_HALF_LIFE_DAYS))


def reliability_scale(now: datetime) -> float:
    """What the stored fading sums are multiplied by to read them as of ``now``."""
    return 1 / _weight(now)


async def count_answer(
    volunteer_id: int,
    at: datetime,
    *,
    answered: bool = False,
    accepted: bool = False,
    completed: bool = False,
    missed: bool = False,
) -> None:
    """Add one event to the volunteer's fading reliability record, in the caller's
    transaction (an offer answered, accepted, completed, or missed)."""
    w = _weight(at)
    values = {
        name: F(name) + w
        for name, flag in (
            ("rel_answered", answered),
            ("rel_accepted", accepted),
            ("rel_completed", completed),
            ("rel_missed", missed),
        )
        if flag
    }
    if values:
        await Volunteer.filter(id=volunteer_id).update(**values)


def reliability(
    answered: float, accepted: float, completed: float, missed: float, scale: float
) -> float:
    """0..1 from the fading record: each event counts half as much every
    ``RELIABILITY_HALF_LIFE_DAYS`` days.

    acceptance = (accepted + 1) / (answered + 2), where declines and expiries count against;
    completion = (completed + 2) / (completed + no-shows + 2); reliability is their mean.
    The +1/+2 terms are a prior, so a new volunteer starts at 0.75 rather than at an extreme.
    ``scale`` is ``reliability_scale(now)``.
    """
    n, a, done, miss = (x * scale for x in (answered, accepted, completed, missed))
    return round(((a + 1) / (n + 2) + (done + 2) / (done + miss + 2)) / 2, 4)
