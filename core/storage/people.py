"""Residents and volunteers: profiles, availability, and the snapshots matching needs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.expressions import Q, Subquery

from core.domain.enums import OfferStatus
from core.domain.errors import NotFound
from core.domain.records import ExtraTimeRecord, ResidentRecord, TimeOffRecord, VolunteerRecord
from core.domain.time import (
    SLOT,
    Interval,
    WeeklyWindow,
    expand_weekly,
    merge,
    subtract,
    week_start,
)
from core.matching import Candidate
from core.storage.models import (
    AvailabilityWindow,
    ExtraTime,
    Resident,
    TimeOff,
    Volunteer,
    VolunteerSkill,
)
from core.storage.raw import Raw, as_date, as_datetime, ints

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
    resident = await Resident.get_or_none(id=resident_id).prefetch_related(
        "membership__account", "building"
    )
    if resident is None:
        raise NotFound(f"resident {resident_id} not found")
    return resident


async def resident_of(account_id: int, community_id: int) -> Resident | None:
    return await Resident.get_or_none(
        membership__account_id=account_id, membership__community_id=community_id
    ).prefetch_related("membership__account", "building")


async def list_residents(community_id: int) -> list[Resident]:
    return (
        await Resident.filter(membership__community_id=community_id)
        .order_by("id")
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
                start_minute=_minute(w.start),
                end_minute=_minute(w.end) or 24 * 60,
            )
            for w in windows
        ]
    )


def _minute(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _time(minute: int) -> time:
    return time(0) if minute >= 24 * 60 else time(minute // 60, minute % 60)


def _weekly(w: AvailabilityWindow) -> WeeklyWindow:
    return WeeklyWindow(weekday=w.weekday, start=_time(w.start_minute), end=_time(w.end_minute))


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


async def list_volunteers(community_id: int) -> list[Volunteer]:
    return (
        await Volunteer.filter(membership__community_id=community_id)
        .order_by("id")
        .prefetch_related("membership__account", "membership__community", "home_building")
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


def _wall_window(window: Interval, zone: ZoneInfo) -> tuple[int, int, int] | None:
    """(weekday, start minute, end minute) of ``window`` in local wall time, or None when it
    does not fall within one local day."""
    start, end = window.start.astimezone(zone), window.end.astimezone(zone)
    end_minute = end.hour * 60 + end.minute
    if end.date() != start.date():
        if end.date() != start.date() + timedelta(days=1) or end_minute != 0:
            return None
        end_minute = 24 * 60
    return start.weekday(), start.hour * 60 + start.minute, end_minute


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
) -> list[Candidate]:
    """Snapshots of the active volunteers of ``community_ids`` (the request's compound and
    its alliance partners) who hold every skill in ``skills``, as of ``now``.

    ``only_free`` (instant matching) first narrows the pool in SQL to volunteers whose weekly
    pattern or one-off extra time covers the whole window, so a booking reads a few hundred
    rows, not the whole pool; staff's explanations and batch runs load everyone.
    """
    pool = list(community_ids)
    query = Volunteer.filter(membership__community_id__in=pool, active=True).exclude(
        id__in=list(exclude) or [0]
    )
    walls: dict[str, tuple[int, int, int] | None] = {}
    if only_free:
        for c in pool:
            walls[zones[c].key] = _wall_window(window, zones[c])
        # A window across local midnight: no shortcut, expand the patterns below.
        only_free = all(w is not None for w in walls.values())
    for skill in sorted(skills):  # every required skill, in SQL
        query = query.filter(
            id__in=Subquery(VolunteerSkill.filter(skill=skill).values("volunteer_id"))
        )
    if only_free:
        covered = Q()
        for key, wall in walls.items():
            assert wall is not None
            weekday, start_minute, end_minute = wall
            cids = [c for c in pool if zones[c].key == key]
            covered |= Q(
                id__in=Subquery(
                    AvailabilityWindow.filter(
                        weekday=weekday,
                        start_minute__lte=start_minute,
                        end_minute__gte=end_minute,
                    ).values("volunteer_id")
                ),
                membership__community_id__in=cids,
            )
        covered |= Q(
            id__in=Subquery(
                ExtraTime.filter(starts_at__lte=window.start, ends_at__gte=window.end).values(
                    "volunteer_id"
                )
            )
        )
        query = query.filter(covered)
    rows = await query.values_list(
        "id",
        "membership__account_id",
        "membership__community_id",
        "membership__account__name",
        "home_building__name",
        "home_building__grid",
        "weekly_cap_minutes",
        "preferred_lines",
        "party_member",
    )
    if not rows:
        return []
    ids = [r[0] for r in rows]
    accounts = [r[1] for r in rows]
    ids = [r[0] for r in rows]
    accounts = [r[1] for r in rows]
    raw = Raw()
    held: dict[int, dict[str, int]] = defaultdict(dict)
    for vid, skill, level in await raw.rows(
        "SELECT volunteer_id, skill, level FROM volunteer_skill "
        f"WHERE volunteer_id IN ({ints(ids)})"
    ):
        held[vid][skill] = level
    rows = [r for r in rows if skills <= held[r[0]].keys()]
    if not rows:
        return []
    ids = [r[0] for r in rows]
    accounts = [r[1] for r in rows]
    id_list, account_list = ints(ids), ints(accounts)
    lo, hi = raw.when(window.start), raw.when(window.end)
    p1, p2 = raw.param(1), raw.param(2)

    off: dict[int, list[Interval]] = defaultdict(list)
    for vid, start, end in await raw.rows(
        f"SELECT volunteer_id, starts_at, ends_at FROM time_off WHERE volunteer_id IN "
        f"({id_list}) AND starts_at < {p1} AND ends_at > {p2}",
        [hi, lo],
    ):
        off[vid].append(Interval(as_datetime(start), as_datetime(end)))
    extra: dict[int, list[Interval]] = defaultdict(list)
    for vid, start, end in await raw.rows(
        f"SELECT volunteer_id, starts_at, ends_at FROM extra_time WHERE volunteer_id IN "
        f"({id_list}) AND starts_at < {p1} AND ends_at > {p2}",
        [hi, lo],
    ):
        extra[vid].append(Interval(as_datetime(start), as_datetime(end)))
    weekly: dict[int, list[WeeklyWindow]] = defaultdict(list)
    if not only_free:
        for w in await AvailabilityWindow.filter(volunteer_id__in=ids):
            weekly[w.volunteer_id].append(_weekly(w))
    busy: dict[int, list[Interval]] = defaultdict(list)
    for account_id, start in await raw.rows(
        f"SELECT account_id, starts_at FROM volunteer_slot WHERE account_id IN "
        f"({account_list}) AND starts_at >= {p1} AND starts_at < {p2}",
        [lo, hi],
    ):
        begin = as_datetime(start)
        busy[account_id].append(Interval(begin, begin + SLOT))
    not_this = f" AND o.request_id <> {int(request_id)}" if request_id is not None else ""
    for account_id, start, end in await raw.rows(
        "SELECT m.account_id, r.starts_at, r.ends_at FROM offer o "
        "JOIN volunteer v ON v.id = o.volunteer_id "
        "JOIN membership m ON m.id = v.membership_id "
        "JOIN service_request r ON r.id = o.request_id "
        f"WHERE o.status = {p1} AND o.volunteer_id IN ({id_list}) "
        f"AND r.starts_at < {p2} AND r.ends_at > {raw.param(3)}{not_this}",
        [OfferStatus.OFFERED.value, hi, lo],
    ):
        busy[account_id].append(Interval(as_datetime(start), as_datetime(end)))

    # Weekly loads: the request's week (for the cap) and the three before (for fairness).
    weeks = {r[0]: week_start(window.start, zones[r[2]]) for r in rows}
    earliest = min(weeks.values())
    loads: dict[tuple[int, date], int] = {}
    recent: dict[int, int] = defaultdict(int)
    for vid, raw_week, minutes in await raw.rows(
        f"SELECT volunteer_id, week, minutes FROM volunteer_week_load WHERE volunteer_id IN "
        f"({id_list}) AND week >= {p1}",
        [raw.day(earliest - timedelta(weeks=3))],
    ):
        week = as_date(raw_week)
        loads[(vid, week)] = minutes
        if weeks[vid] - timedelta(weeks=3) <= week <= weeks[vid]:
            recent[vid] += minutes

    reliability = await _reliability(raw, id_list, now)
    stars: dict[int, float] = {}
    if resident_id is not None:
        given: dict[int, list[int]] = defaultdict(list)
        for vid, n in await raw.rows(
            f"SELECT volunteer_id, stars FROM rating WHERE resident_id = {int(resident_id)} "
            f"AND volunteer_id IN ({id_list})"
        ):
            given[vid].append(n)
        stars = {vid: sum(ns) / len(ns) for vid, ns in given.items()}

    span = Interval(window.start - timedelta(days=1), window.end + timedelta(days=1))
    out = []
    for vid, account_id, cid, name, building, grid, cap, prefers, party in rows:
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
                reliability=reliability.get(vid, 0.75),
                resident_stars=stars.get(vid),
                preferred_lines=frozenset(prefers or ()),
                party_member=bool(party),
            )
        )
    return out


async def _reliability(raw: Raw, id_list: str, now: datetime) -> dict[int, float]:
    """0..1 per volunteer from the last year of offers, each weighted by how recent it is.

    acceptance = (accepted + 1) / (answered + 2), where declines and expiries count against;
    completion = (completed + 2) / (completed + no-shows + 2); reliability is their mean.
    The +1/+2 terms are a prior, so a new volunteer starts at 0.75 rather than at an extreme.
    """
    counts: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    answered = (
        OfferStatus.ACCEPTED,
        OfferStatus.DECLINED,
        OfferStatus.EXPIRED,
        OfferStatus.COMPLETED,
        OfferStatus.NO_SHOW,
    )
    marks = ",".join(raw.param(n) for n in range(2, len(answered) + 2))
    rows = await raw.rows(
        f"SELECT volunteer_id, status, offered_at FROM offer WHERE volunteer_id IN ({id_list}) "
        f"AND offered_at >= {raw.param(1)} AND status IN ({marks})",
        [raw.when(now - timedelta(days=365)), *(s.value for s in answered)],
    )
    for vid, status, at in rows:
        age = max((now - as_datetime(at)).total_seconds() / 86400, 0.0)
        w = 0.5 ** (age / RELIABILITY_HALF_LIFE_DAYS)
        c = counts[vid]  # answered, accepted, completed, no-show
        c[0] += w
        if status != OfferStatus.DECLINED and status != OfferStatus.EXPIRED:
            c[1] += w
        if status == OfferStatus.COMPLETED:
            c[2] += w
        if status == OfferStatus.NO_SHOW:
            c[3] += w
    return {
        vid: round(((a + 1) / (n + 2) + (done + 2) / (done + miss + 2)) / 2, 4)
        for vid, (n, a, done, miss) in counts.items()
    }
