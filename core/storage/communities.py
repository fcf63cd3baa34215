from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError

from core.domain.errors import Conflict, InvalidInput, NotFound
from core.domain.records import CommunityRecord
from core.storage.models import Building, Community, CommunityServiceLine


async def create_community(slug: str, name: str, timezone: str, buildings: list[str]) -> Community:
    try:
        community = await Community.create(slug=slug, name=name, timezone=timezone)
    except IntegrityError:
        raise Conflict(f"a community with slug {slug!r} exists already") from None
    await add_buildings(community.id, buildings)
    return community


async def add_buildings(community_id: int, names: list[str]) -> None:
    if len(set(names)) != len(names):
        raise InvalidInput.field("buildings", "building names must be distinct")
    existing = set(
        await Building.filter(community_id=community_id, name__in=names).values_list(
            "name", flat=True
        )
    )
    if existing:
        raise Conflict(f"buildings already exist: {', '.join(sorted(map(str, existing)))}")
    await Building.bulk_create([Building(community_id=community_id, name=n) for n in names])


async def get_community(community_id: int) -> Community:
    community = await Community.get_or_none(id=community_id)
    if community is None:
        raise NotFound(f"community {community_id} not found")
    return community


async def list_communities(ids: frozenset[int] | None) -> list[Community]:
    query = Community.all().order_by("id")
    if ids is not None:
        query = query.filter(id__in=list(ids))
    return await query


async def community_record(community: Community) -> CommunityRecord:
    names = (
        await Building.filter(community_id=community.id)
        .order_by("id")
        .values_list("name", flat=True)
    )
    return CommunityRecord(
        id=community.id,
        slug=community.slug,
        name=community.name,
        timezone=community.timezone,
        buildings=[str(n) for n in names],
    )


async def building_id(community_id: int, name: str | None, field: str) -> int | None:
    if name is None:
        return None
    found = await Building.get_or_none(community_id=community_id, name=name)
    if found is None:
        raise InvalidInput.field(field, f"no building {name!r} in community {community_id}")
    return found.id


async def line_config(community_id: int, line: str) -> CommunityServiceLine | None:
    return await CommunityServiceLine.get_or_none(community_id=community_id, line=line)


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
        await CommunityServiceLine.create(
            community_id=community_id, line=line, enabled=enabled, settings=settings
        )
    except IntegrityError:
        await query.update(enabled=enabled, settings=settings)
