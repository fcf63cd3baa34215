from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core.domain.errors import Conflict, InvalidInput, NotFound
from core.domain.records import CommunityRecord
from core.storage.models import (
    Alliance,
    AllianceMember,
    Building,
    Community,
    CommunityServiceLine,
    Resident,
)
from core.storage.people import RESIDENT_JOIN, resident_columns, resident_from_row
from core.storage.raw import Raw, columns, instance


async def create_community(slug: str, name: str, timezone: str, buildings: list[str]) -> Community:
    try:
        community = await Community.create(slug=slug, name=name, timezone=timezone)
    except IntegrityError:
        raise Conflict(f"a community with slug {slug!r} exists already") from None
    await add_buildings(community.id, buildings)
    return community


async def add_buildings(community_id: int, names: list[str], grid: str = "") -> None:
    if len(set(names)) != len(names):
        raise InvalidInput.field("buildings", "building names must be distinct")
    existing = set(
        await Building.filter(community_id=community_id, name__in=names).values_list(
            "name", flat=True
        )
    )
    if existing:
        raise Conflict(f"buildings already exist: {', '.join(sorted(map(str, existing)))}")
    await Building.bulk_create(
        [Building(community_id=community_id, name=n, grid=grid) for n in names]
    )


async def get_community(community_id: int) -> Community:
    # Read by nearly every call: hand-written, as building the ORM's query cost more.
    raw = Raw()
    rows = await raw.dicts(
        f"SELECT {columns(Community, 'c')} FROM community c WHERE c.id = {raw.param(1)}",
        [community_id],
    )
    community = instance(Community, rows[0], "c") if rows else None
    if community is None:
        raise NotFound(f"community {community_id} not found")
    return community


async def zone(community_id: int) -> ZoneInfo:
    """The compound's time zone, which its local times are read and shown in (404 for a
    compound that does not exist, as ``get_community``)."""
    return ZoneInfo((await get_community(community_id)).timezone)


async def list_communities(ids: frozenset[int] | None, limit: int, offset: int) -> list[Community]:
    query = Community.all().order_by("id")
    if ids is not None:
        query = query.filter(id__in=list(ids))
    return await query.offset(offset).limit(limit)


async def community_record(community: Community) -> CommunityRecord:
    rows = (
        await Building.filter(community_id=community.id).order_by("id").values_list("name", "grid")
    )
    return CommunityRecord(
        id=community.id,
        slug=community.slug,
        name=community.name,
        timezone=community.timezone,
        buildings=[str(n) for n, _ in rows],
        grids={str(n): str(g) for n, g in rows if g},
    )


async def building(community_id: int, name: str | None, field: str) -> Building | None:
    """The compound's building of that name (None for no name); a 422 naming ``field`` when
    there is none."""
    if name is None:
        return None
    found = await Building.get_or_none(community_id=community_id, name=name)
    if found is None:
        raise InvalidInput.field(field, f"no building {name!r} in community {community_id}")
    return found


async def building_id(community_id: int, name: str | None, field: str) -> int | None:
    found = await building(community_id, name, field)
    return found.id if found else None


async def booking_context(
    community_id: int, line: str, *, resident_id: int | None, account_id: int
) -> tuple[Community | None, CommunityServiceLine | None, Resident | None, list[int]]:
    """What a booking checks first, in one read: the compound, its configuration of
    ``line``, the resident (``resident_id``, in whichever compound; or else the one
    ``account_id`` is in this compound), and the pool it matches from (``pool_ids``). Each
    is None (the pool empty) when there is none."""
    raw = Raw()
    whose = (
        f"r.id = {raw.param(3)}"
        if resident_id is not None
        else f"m.account_id = {raw.param(3)} AND m.community_id = c.id"
    )
    partners = (
        "group_concat(p.community_id)" if raw.sqlite else "string_agg(p.community_id::text, ',')"
    )
    rows = await raw.dicts(
        f"SELECT {columns(Community, 'c')}, {columns(CommunityServiceLine, 'l')}, "
        f"{resident_columns()}, (SELECT {partners} FROM {_PARTNERS.format(raw.param(4))} "
        "WHERE am.community_id = c.id) AS partners FROM community c "
        "LEFT JOIN community_service_line l "
        f"ON l.community_id = c.id AND l.line = {raw.param(2)} "
        f"LEFT JOIN ({RESIDENT_JOIN}) ON {whose} WHERE c.id = {raw.param(1)}",
        [community_id, line, resident_id if resident_id is not None else account_id, ACTIVE],
    )
    if not rows:
        return None, None, None, []
    row = rows[0]
    pool = {community_id, *(int(c) for c in (row["partners"] or "").split(",") if c)}
    return (
        instance(Community, row, "c"),
        instance(CommunityServiceLine, row, "l"),
        resident_from_row(row),
        sorted(pool),
    )


async def line_config(community_id: int, line: str) -> CommunityServiceLine | None:
    raw = Raw()
    rows = await raw.dicts(
        f"SELECT {columns(CommunityServiceLine, 'l')} FROM community_service_line l "
        f"WHERE l.community_id = {raw.param(1)} AND l.line = {raw.param(2)}",
        [community_id, line],
    )
    return instance(CommunityServiceLine, rows[0], "l") if rows else None


async def line_configs(community_id: int) -> dict[str, CommunityServiceLine]:
    rows = await CommunityServiceLine.filter(community_id=community_id)
    return {row.line: row for row in rows}


async def save_line_config(
    community_id: int, line: str, enabled: bool, settings: dict[str, Any]
) -> None:
    """Insert or update one line's row; a concurrent insert of the same row becomes an update."""
    query = CommunityServiceLine.filter(community_id=community_id, line=line)
    if await query.update(enabled=enabled, settings=settings):
        return
    try:
        async with in_transaction():  # a savepoint: a clash must not end the caller's
            await CommunityServiceLine.create(
                community_id=community_id, line=line, enabled=enabled, settings=settings
            )
    except IntegrityError:  # created by someone else at the same moment
        await query.update(enabled=enabled, settings=settings)


async def lock_community(community_id: int) -> None:
    """Take the compound's row first in an edit (a write that changes nothing)."""
    await Community.filter(id=community_id).update(timezone=F("timezone"))


async def save_settings(community_id: int, settings: dict[str, Any]) -> None:
    await Community.filter(id=community_id).update(settings=settings)


# -- alliances --------------------------------------------------------------------------------

ACTIVE = "active"
INVITED = "invited"


# The compounds sharing an active alliance with ``am.community_id`` (``{}``: "active").
_PARTNERS = (
    "alliance_member am JOIN alliance_member p ON p.alliance_id = am.alliance_id "
    "AND p.status = {0} AND am.status = {0}"
)


async def pool_ids(community_id: int) -> list[int]:
    """The compound and every compound it shares an active alliance with."""
    raw = Raw()
    partners = await raw.rows(
        f"SELECT p.community_id FROM {_PARTNERS.format(raw.param(1))} "
        f"WHERE am.community_id = {raw.param(2)}",
        [ACTIVE, community_id],
    )
    return sorted({community_id, *(int(c) for (c,) in partners)})


async def create_alliance(name: str, founder: int, created_by: int) -> Alliance:
    alliance = await Alliance.create(name=name, created_by_id=created_by)
    await AllianceMember.create(alliance_id=alliance.id, community_id=founder, status=ACTIVE)
    return alliance


async def get_alliance(alliance_id: int) -> Alliance:
    found = await Alliance.get_or_none(id=alliance_id)
    if found is None:
        raise NotFound(f"alliance {alliance_id} not found")
    return found


async def alliance_members(alliance_id: int) -> dict[int, str]:
    rows = await AllianceMember.filter(alliance_id=alliance_id).values_list(
        "community_id", "status"
    )
    return {int(c): str(st) for c, st in rows}


async def invite(alliance_id: int, community_id: int) -> None:
    try:
        await AllianceMember.create(
            alliance_id=alliance_id, community_id=community_id, status=INVITED
        )
    except IntegrityError:
        raise Conflict(
            f"community {community_id} is already in or invited to this alliance"
        ) from None


async def set_member_status(alliance_id: int, community_id: int, frm: str, to: str) -> bool:
    return bool(
        await AllianceMember.filter(
            alliance_id=alliance_id, community_id=community_id, status=frm
        ).update(status=to)
    )


async def remove_member(alliance_id: int, community_id: int) -> bool:
    return bool(
        await AllianceMember.filter(alliance_id=alliance_id, community_id=community_id).delete()
    )


async def alliances_of(
    community_ids: list[int] | None, limit: int, offset: int = 0
) -> list[Alliance]:
    """A page of the alliances any of ``community_ids`` is in or invited to (None: all)."""
    query = Alliance.all().order_by("id")
    if community_ids is not None:
        query = query.filter(members__community_id__in=community_ids).distinct()
    return await query.offset(offset).limit(limit)


async def zones(community_ids: list[int]) -> dict[int, str]:
    rows = await Community.filter(id__in=community_ids).values_list("id", "timezone")
    return {int(i): str(tz) for i, tz in rows}
