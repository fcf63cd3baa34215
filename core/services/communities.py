from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from core.domain.access import Principal
from core.domain.commands import ConfigureLine, CreateCommunity, InviteCompound, NewAlliance
from core.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceLineDisabled
from core.domain.etag import check
from core.domain.policy import CommunitySettings, decode_settings
from core.domain.records import (
    AllianceRecord,
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
    from core.storage.models import CommunityServiceLine


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

    async def visible(
        self, who: Principal, limit: int = 100, offset: int = 0
    ) -> list[CommunityRecord]:
        """The caller's compounds (admins: all, a page at a time: a city has 1,500)."""
        ids = None if who.is_admin else frozenset(who.roles)
        rows = await store.list_communities(ids, max(1, min(limit, 500)), max(offset, 0))
        return [await store.community_record(c) for c in rows]

    async def add_buildings(
        self, who: Principal, community_id: int, names: list[str], grid: str = ""
    ) -> CommunityRecord:
        community = await store.get_community(community_id)
        who.require_staff(community.id)
        async with transaction():
            await store.add_buildings(community.id, names, grid)
        return await store.community_record(community)

    # -- matching policy ------------------------------------------------------------------------

    async def settings(self, who: Principal, community_id: int) -> CommunitySettings:
        community = await store.get_community(community_id)
        who.require_member(community.id)
        return decode_settings(community.settings)

    async def set_settings(
        self,
        who: Principal,
        community_id: int,
        settings: CommunitySettings,
        if_match: str | None = None,
    ) -> CommunitySettings:
        community = await store.get_community(community_id)
        who.require_staff(community.id)
        async with transaction():
            await store.lock_community(community.id)
            if if_match is not None:
                current = decode_settings((await store.get_community(community.id)).settings)
                check(if_match, current, f"the settings of community {community.id}")
            await store.save_settings(community.id, msgspec.to_builtins(settings))
        return settings

    # -- alliances ------------------------------------------------------------------------------

    async def _alliance_record(self, alliance_id: int) -> AllianceRecord:
        alliance = await store.get_alliance(alliance_id)
        return AllianceRecord(
            id=alliance.id, name=alliance.name, members=await store.alliance_members(alliance.id)
        )

    async def _visible_alliance(self, who: Principal, alliance_id: int) -> dict[int, str]:
        members = await store.alliance_members(alliance_id)
        if not who.is_admin and not any(who.is_staff(c) for c in members):
            raise NotFound(f"alliance {alliance_id} not found")
        return members

    async def alliances(
        self, who: Principal, limit: int = 100, offset: int = 0
    ) -> list[AllianceRecord]:
        ids = None if who.is_admin else [c for c in who.roles if who.is_staff(c)]
        rows = await store.alliances_of(ids, max(1, min(limit, 200)), max(offset, 0))
        return [await self._alliance_record(a.id) for a in rows]

    async def create_alliance(self, who: Principal, cmd: NewAlliance) -> AllianceRecord:
        """Staff of the founding compound create an alliance; it shares nothing until
        another compound's staff accept an invitation."""
        who.require_staff((await store.get_community(cmd.community_id)).id)
        async with transaction():
            alliance = await store.create_alliance(cmd.name, cmd.community_id, who.account_id)
        return await self._alliance_record(alliance.id)

    async def invite(self, who: Principal, alliance_id: int, cmd: InviteCompound) -> AllianceRecord:
        """Staff of an active member invite another compound."""
        members = await self._visible_alliance(who, alliance_id)
        if not who.is_admin and not any(
            who.is_staff(c) for c, st in members.items() if st == store.ACTIVE
        ):
            raise Forbidden("only staff of an active member compound can invite")
        await store.get_community(cmd.community_id)
        async with transaction():
            await store.invite(alliance_id, cmd.community_id)
        return await self._alliance_record(alliance_id)

    async def join(self, who: Principal, alliance_id: int, community_id: int) -> AllianceRecord:
        """Staff of an invited compound accept: from now on the pools are shared."""
        who.require_staff(community_id)
        async with transaction():
            if not await store.set_member_status(
                alliance_id, community_id, store.INVITED, store.ACTIVE
            ):
                raise Conflict(f"community {community_id} has no open invitation to this alliance")
        return await self._alliance_record(alliance_id)

    async def leave(self, who: Principal, alliance_id: int, community_id: int) -> AllianceRecord:
        """Staff take their compound out (or decline an invitation). Work already accepted
        stands; new matching no longer crosses."""
        who.require_staff(community_id)
        await store.get_alliance(alliance_id)
        async with transaction():
            if not await store.remove_member(alliance_id, community_id):
                raise NotFound(f"community {community_id} is not in alliance {alliance_id}")
        return await self._alliance_record(alliance_id)

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

    async def enabled_settings(self, community_id: int, line_key: str) -> msgspec.Struct:
        """A line's settings in a compound, for the line's own use cases; 409
        ``service-line-disabled`` if its staff have not enabled it."""
        line = self.s.host.line(line_key)
        return self.settings_of(line, community_id, await store.line_config(community_id, line.key))

    def settings_of(
        self, line: ServiceLine, community_id: int, config: CommunityServiceLine | None
    ) -> msgspec.Struct:
        """``enabled_settings`` from a configuration row already read."""
        if config is None or not config.enabled:
            raise ServiceLineDisabled(
                f"service line {line.key!r} is not enabled in community {community_id}; "
                "staff can enable it"
            )
        return line.decode_settings(config.settings)

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
