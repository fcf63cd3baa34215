"""Residents and volunteers: profiles, availability, and the snapshots matching needs."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, time, timedelta
from zoneinfo import ZoneInfo

from core.domain.enums import OfferStatus
from core.domain.errors import NotFound
from core.domain.records import ResidentRecord, TimeOffRecord, VolunteerRecord
from core.domain.time import SLOT, Interval, WeeklyWindow, expand_weekly, subtract, week_start
from core.matching import Candidate
from core.storage.models import (
    AvailabilityWindow,
    Offer,
    Resident,
    TimeOff,
    Volunteer,
    VolunteerSkill,
    VolunteerSlot,
    VolunteerWeekLoad,
)

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


async def set_skills(volunteer_id: int, skills: list[str]) -> None:
    await VolunteerSkill.filter(volunteer_id=volunteer_id).delete()
    await VolunteerSkill.bulk_create(
        [VolunteerSkill(volunteer_id=volunteer_id, skill=s) for s in sorted(set(skills))]
    )


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
    return VolunteerRecord(
        id=v.id,
        account_id=v.membership.account.id,
        community_id=v.membership.community_id,
        name=v.membership.account.name,
        party_member=v.party_member,
        active=v.active,
        skills=[str(s) for s in skills],
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
    )


async def load_candidates(
    community_id: int, zone: ZoneInfo, window: Interval, skills: frozenset[str], exclude: set[int]
) -> list[Candidate]:
    """Snapshots of the community's active volunteers who hold every skill in ``skills``."""
    volunteers = (
        await Volunteer.filter(membership__community_id=community_id, active=True)
        .exclude(id__in=list(exclude) or [0])
        .prefetch_related("membership__account", "home_building")
    )
    if not volunteers:
        return []
    ids = [v.id for v in volunteers]
    held: dict[int, set[str]] = defaultdict(set)
    for vid, skill in await VolunteerSkill.filter(volunteer_id__in=ids).values_list(
        "volunteer_id", "skill"
    ):
        held[vid].add(skill)
    volunteers = [v for v in volunteers if skills <= held[v.id]]
    if not volunteers:
        return []
    ids = [v.id for v in volunteers]
    accounts = [v.membership.account.id for v in volunteers]

    weekly: dict[int, list[WeeklyWindow]] = defaultdict(list)
    for w in await AvailabilityWindow.filter(volunteer_id__in=ids):
        weekly[w.volunteer_id].append(_weekly(w))
    off: dict[int, list[Interval]] = defaultdict(list)
    for t in await TimeOff.filter(
        volunteer_id__in=ids, starts_at__lt=window.end, ends_at__gt=window.start
    ):
        off[t.volunteer_id].append(Interval(t.starts_at, t.ends_at))
    busy: dict[int, list[Interval]] = defaultdict(list)
    for account_id, start in await VolunteerSlot.filter(
        account_id__in=accounts, starts_at__gte=window.start, starts_at__lt=window.end
    ).values_list("account_id", "starts_at"):
        busy[account_id].append(Interval(start.astimezone(UTC), start.astimezone(UTC) + SLOT))
    for account_id, start, end in await Offer.filter(
        status=OfferStatus.OFFERED,
        volunteer__membership__account_id__in=accounts,
        request__starts_at__lt=window.end,
        request__ends_at__gt=window.start,
    ).values_list("volunteer__membership__account_id", "request__starts_at", "request__ends_at"):
        busy[account_id].append(Interval(start, end))
    week = week_start(window.start, zone)
    loads = dict(
        await VolunteerWeekLoad.filter(volunteer_id__in=ids, week=week).values_list(
            "volunteer_id", "minutes"
        )
    )
    span = Interval(window.start - timedelta(days=1), window.end + timedelta(days=1))
    return [
        Candidate(
            volunteer_id=v.id,
            account_id=v.membership.account.id,
            name=v.membership.account.name,
            skills=frozenset(held[v.id]),
            free=tuple(subtract(expand_weekly(weekly[v.id], zone, span), off[v.id])),
            busy=tuple(busy[v.membership.account.id]),
            week_minutes=loads.get(v.id, 0),
            weekly_cap_minutes=v.weekly_cap_minutes,
            building=v.home_building.name if v.home_building else None,
        )
        for v in volunteers
    ]
