from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from core.domain.access import Principal
from core.domain.commands import ConfigureLine, CreateCommunity
from core.domain.errors import Forbidden, InvalidInput
from core.domain.records import (
    CommunityLineRecord,
    CommunityRecord,
    ServiceLineRecord,
    ServiceTypeRecord,
    SkillRecord,
)
from core.plugins.line import ServiceLine
from core.storage import communities as store
from core.storage.database import transaction

if TYPE_CHECKING:
    from core.services import Services


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput.field("timezone", f"unknown IANA time zone {name!r}") from None


def line_record(line: ServiceLine) -> ServiceLineRecord:
    return ServiceLineRecord(
        key=line.key,
        title=line.title,
        description=line.description,
        max_duration_minutes=int(line.max_duration.total_seconds() // 60),
        settings_schema=msgspec.json.schema(line.settings),
        services=[
            ServiceTypeRecord(
                key=s.key,
                title=s.title,
                description=s.description,
                required_skills=sorted(s.required_skills),
                team_size=s.team_size,
                default_duration_minutes=int(s.default_duration.total_seconds() // 60),
                details_schema=msgspec.json.schema(s.details),
            )
            for s in line.services
        ],
    )


class CommunityService:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def create(self, who: Principal, cmd: CreateCommunity) -> CommunityRecord:
        if not who.is_admin:
            raise Forbidden("only admins create communities")
        zone_of(cmd.timezone)
        async with transaction():
            community = await store.create_community(
                cmd.slug, cmd.name, cmd.timezone, cmd.buildings
            )
        return await store.community_record(community)

    async def get(self, who: Principal, community_id: int) -> CommunityRecord:
        community = await store.get_community(community_id)
        who.require_member(community.id)
        return await store.community_record(community)

    async def visible(self, who: Principal) -> list[CommunityRecord]:
        ids = None if who.is_admin else frozenset(who.roles)
        return [await store.community_record(c) for c in await store.list_communities(ids)]

    async def add_buildings(
        self, who: Principal, community_id: int, names: list[str]
    ) -> CommunityRecord:
        community = await store.get_community(community_id)
        who.require_staff(community.id)
        async with transaction():
            await store.add_buildings(community.id, names)
        return await store.community_record(community)

    # -- service lines per community ----------------------------------------------------------

    def catalogue(self) -> list[ServiceLineRecord]:
        return [line_record(line) for line in self.s.host.lines.values()]

    def skills(self) -> list[SkillRecord]:
        return [
            SkillRecord(key=s.key, title=s.title, description=s.description)
            for s in sorted(self.s.host.skills.values(), key=lambda s: s.key)
        ]

    async def lines(self, who: Principal, community_id: int) -> list[CommunityLineRecord]:
        community = await store.get_community(community_id)
        who.require_member(community.id)
        configs = await store.line_configs(community.id)
        out = []
        for line in self.s.host.lines.values():
            row = configs.get(line.key)
            settings = line.decode_settings(row.settings) if row else line.default_settings()
            out.append(
                CommunityLineRecord(
                    community_id=community.id,
                    line=line.key,
                    title=line.title,
                    enabled=bool(row and row.enabled),
                    settings=msgspec.to_builtins(settings),
                )
            )
        return out

    async def configure_line(
        self, who: Principal, community_id: int, key: str, cmd: ConfigureLine
    ) -> CommunityLineRecord:
        community = await store.get_community(community_id)
        who.require_staff(community.id)
        line = self.s.host.line(key)
        row = await store.line_config(community.id, line.key)
        raw = cmd.settings if cmd.settings is not None else (row.settings if row else {})
        settings = msgspec.to_builtins(line.decode_settings(raw))
        async with transaction():
            await store.save_line_config(community.id, line.key, cmd.enabled, settings)
        return CommunityLineRecord(
            community_id=community.id,
            line=line.key,
            title=line.title,
            enabled=cmd.enabled,
            settings=settings,
        )
