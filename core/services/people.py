from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from msgspec import UNSET

from core.domain import phone
from core.domain.access import Principal
from core.domain.commands import (
    AddExtraTime,
    AddMember,
    AddTimeOff,
    SetCredentials,
    UpdateVolunteer,
    VolunteerFields,
)
from core.domain.enums import Role
from core.domain.errors import Forbidden, InvalidInput, NotFound
from core.domain.etag import check
from core.domain.records import (
    CalendarFeed,
    ExtraTimeRecord,
    IssuedToken,
    MemberAdded,
    ResidentRecord,
    TimeOffRecord,
    VolunteerRecord,
)
from core.domain.time import Interval
from core.services.accounts import hash_token, new_token
from core.storage import accounts, communities, people
from core.storage.database import transaction
from core.storage.models import Volunteer

if TYPE_CHECKING:
    from core.services import Services


MAX_PAGE = 500


def _page(limit: int) -> int:
    """A page size between 1 and ``MAX_PAGE``."""
    return max(1, min(limit, MAX_PAGE))


def aware(moment: datetime, zone: ZoneInfo) -> datetime:
    """Read a datetime without an offset as wall time in the community's zone."""
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


class PeopleService:
    def __init__(self, services: Services) -> None:
        self.s = services

    def _check_skills(self, skills: list[str], field: str) -> None:
        unknown = self.s.host.unknown_skills(skills)
        if unknown:
            raise InvalidInput.field(field, f"unknown skills {unknown}; see GET /skills")

    def _check_levels(self, skills: list[str], levels: dict[str, int], field: str) -> None:
        stray = sorted(set(levels) - set(skills))
        if stray:
            raise InvalidInput.field(field, f"levels given for skills not held: {stray}")

    def _check_lines(self, lines: list[str], field: str) -> None:
        unknown = sorted(set(lines) - self.s.host.lines.keys())
        if unknown:
            raise InvalidInput.field(field, f"unknown service lines {unknown}")

    async def add_member(self, who: Principal, community_id: int, cmd: AddMember) -> MemberAdded:
        community = await communities.get_community(community_id)
        who.require_staff(community.id)
        if cmd.role is not Role.RESIDENT and cmd.resident is not None:
            raise InvalidInput.field("resident", f"only for role resident, not {cmd.role}")
        if cmd.role is not Role.VOLUNTEER and cmd.volunteer is not None:
            raise InvalidInput.field("volunteer", f"only for role volunteer, not {cmd.role}")
        if cmd.account_id is None and cmd.name is None:
            raise InvalidInput.field("name", "a new member needs a name (or give account_id)")
        if cmd.account_id is not None:
            # An existing account keeps its own name and phone: not silently ignored.
            for field in ("name", "phone"):
                if getattr(cmd, field) is not None:
                    raise InvalidInput.field(
                        field, "only for a new account; an existing account keeps its own"
                    )
        number = phone.checked(cmd.phone, "phone")
        if cmd.volunteer:
            self._check_skills(cmd.volunteer.skills, "volunteer.skills")
            self._check_levels(
                cmd.volunteer.skills, cmd.volunteer.skill_levels, "volunteer.skill_levels"
            )
            self._check_lines(cmd.volunteer.preferred_lines, "volunteer.preferred_lines")
        resident_fields = cmd.resident
        if cmd.role is Role.RESIDENT and resident_fields is None:
            raise InvalidInput.field(
                "resident", "a resident needs a household (building, unit, room)"
            )
        async with transaction():
            if cmd.account_id is not None:
                account = await accounts.get_account(cmd.account_id)
            else:
                account = await accounts.create_account(cmd.name or "", number)
            membership = await accounts.add_membership(account.id, community.id, cmd.role)
            resident = volunteer = None
            if resident_fields is not None:
                building = await communities.building_id(
                    community.id, resident_fields.building, "resident.building"
                )
                resident = await people.create_resident(
                    membership.id,
                    building,
                    resident_fields.unit,
                    resident_fields.room,
                    resident_fields.elderly,
                    resident_fields.lives_alone,
                    resident_fields.no_smartphone,
                )
            if cmd.role is Role.VOLUNTEER:
                vf = cmd.volunteer or VolunteerFields()
                home = await communities.building_id(
                    community.id, vf.home_building, "volunteer.home_building"
                )
                volunteer = await people.create_volunteer(
                    membership.id, vf.party_member, round(vf.weekly_cap_hours * 60), home
                )
                await people.set_skills(volunteer.id, vf.skills, vf.skill_levels)
                await people.set_availability(volunteer.id, vf.availability)
                await people.update_volunteer(
                    volunteer.id, preferred_lines=sorted(set(vf.preferred_lines))
                )
            same_phone = (
                await accounts.on_phone(community.id, number, besides=account.id)
                if number is not None
                else []
            )
            token = None
            if cmd.issue_token:
                token = new_token()
                await accounts.add_token(account.id, hash_token(token), "issued on joining")

        return MemberAdded(
            account=await accounts.account_record(account, full_phone=True),  # as just typed
            resident=people.resident_record(await people.get_resident(resident.id))
            if resident
            else None,
            volunteer=await people.volunteer_record(await people.get_volunteer(volunteer.id))
            if volunteer
            else None,
            token=IssuedToken(account_id=account.id, token=token, label="issued on joining")
            if token
            else None,
            same_phone=same_phone,
        )

    async def residents(
        self,
        who: Principal,
        community_id: int,
        limit: int = 100,
        offset: int = 0,
        *,
        phone_number: str | None = None,
    ) -> list[ResidentRecord]:
        """A page of the compound's residents (staff); ``phone_number``: those on that
        number, typed any way (who is calling the duty phone)."""
        who.require_staff((await communities.get_community(community_id)).id)
        number = phone.checked(phone_number, "phone")
        rows = await people.list_residents(community_id, _page(limit), max(offset, 0), phone=number)
        return [people.resident_record(r) for r in rows]

    async def volunteers(
        self, who: Principal, community_id: int, limit: int = 100, offset: int = 0
    ) -> list[VolunteerRecord]:
        who.require_staff((await communities.get_community(community_id)).id)
        rows = await people.list_volunteers(community_id, _page(limit), max(offset, 0))
        return [await people.volunteer_record(v) for v in rows]

    async def _volunteer_for(self, who: Principal, volunteer_id: int) -> Volunteer:
        """The volunteer's own profile, or any in a community ``who`` staffs; else 404."""
        volunteer = await people.get_volunteer(volunteer_id)
        mine = volunteer.membership.account.id == who.account_id
        if not mine and not who.is_staff(volunteer.membership.community_id):
            raise NotFound(f"volunteer {volunteer_id} not found")
        return volunteer

    async def volunteer(self, who: Principal, volunteer_id: int) -> VolunteerRecord:
        return await people.volunteer_record(await self._volunteer_for(who, volunteer_id))

    async def update_volunteer(
        self,
        who: Principal,
        volunteer_id: int,
        cmd: UpdateVolunteer,
        if_match: str | None = None,
    ) -> VolunteerRecord:
        volunteer = await self._volunteer_for(who, volunteer_id)
        community_id = volunteer.membership.community_id
        values: dict[str, Any] = {}
        if cmd.weekly_cap_hours is not UNSET:
            values["weekly_cap_minutes"] = round(cmd.weekly_cap_hours * 60)
        if cmd.party_member is not UNSET:
            values["party_member"] = cmd.party_member
        if cmd.active is not UNSET:
            values["active"] = cmd.active
        if cmd.home_building is not UNSET:
            values["home_building_id"] = await communities.building_id(
                community_id, cmd.home_building, "home_building"
            )
        if cmd.preferred_lines is not UNSET:
            self._check_lines(cmd.preferred_lines, "preferred_lines")
            values["preferred_lines"] = sorted(set(cmd.preferred_lines))
        skills: list[str] | None = None
        levels: dict[str, int] | None = None
        if cmd.skills is not UNSET:
            self._check_skills(cmd.skills, "skills")
            skills = cmd.skills
        if cmd.skill_levels is not UNSET:
            levels = cmd.skill_levels
        if skills is not None or levels is not None:
            current = await people.skill_levels(volunteer.id)
            skills = skills if skills is not None else sorted(current)
            if levels is None:  # new skills keep the levels they had
                levels = {k: v for k, v in current.items() if k in skills}
            self._check_levels(skills, levels, "skill_levels")
        async with transaction():
            await people.lock_volunteer(volunteer.id)
            if if_match is not None:
                shown = await people.volunteer_record(await people.get_volunteer(volunteer.id))
                check(if_match, shown, f"volunteer {volunteer.id}")
            await people.update_volunteer(volunteer.id, **values)
            if skills is not None:
                await people.set_skills(volunteer.id, skills, levels)
            if cmd.availability is not UNSET:
                await people.set_availability(volunteer.id, cmd.availability)
        return await people.volunteer_record(await people.get_volunteer(volunteer.id))

    async def add_time_off(
        self, who: Principal, volunteer_id: int, cmd: AddTimeOff
    ) -> TimeOffRecord:
        volunteer = await self._volunteer_for(who, volunteer_id)
        zone = ZoneInfo(volunteer.membership.community.timezone)
        start, end = aware(cmd.start, zone), aware(cmd.end, zone)
        if end <= start:
            raise InvalidInput.field("end", "time off must end after it starts")
        async with transaction():
            off = await people.add_time_off(volunteer.id, Interval(start, end), cmd.reason)
        return TimeOffRecord(
            id=off.id, start=start.astimezone(zone), end=end.astimezone(zone), reason=cmd.reason
        )

    async def delete_time_off(self, who: Principal, volunteer_id: int, time_off_id: int) -> None:
        volunteer = await self._volunteer_for(who, volunteer_id)
        async with transaction():
            await people.delete_time_off(volunteer.id, time_off_id)

    async def add_extra_time(
        self, who: Principal, volunteer_id: int, cmd: AddExtraTime
    ) -> ExtraTimeRecord:
        """One-off free time beyond the weekly pattern."""
        volunteer = await self._volunteer_for(who, volunteer_id)
        zone = ZoneInfo(volunteer.membership.community.timezone)
        start, end = aware(cmd.start, zone), aware(cmd.end, zone)
        if end <= start:
            raise InvalidInput.field("end", "extra time must end after it starts")
        if end - start > timedelta(days=14):
            raise InvalidInput.field("end", "one-off extra time lasts at most 14 days")
        async with transaction():
            extra = await people.add_extra_time(volunteer.id, Interval(start, end), cmd.note)
        return ExtraTimeRecord(
            id=extra.id, start=start.astimezone(zone), end=end.astimezone(zone), note=cmd.note
        )

    async def delete_extra_time(self, who: Principal, volunteer_id: int, extra_id: int) -> None:
        volunteer = await self._volunteer_for(who, volunteer_id)
        async with transaction():
            await people.delete_extra_time(volunteer.id, extra_id)

    async def issue_calendar_feed(self, who: Principal, volunteer_id: int) -> CalendarFeed:
        """A new secret iCal address for the volunteer's accepted work (the old one stops
        working). Calendar apps cannot send a bearer token, so the secret is in the path."""
        volunteer = await self._volunteer_for(who, volunteer_id)
        secret = new_token("cal_")
        async with transaction():
            await people.update_volunteer(volunteer.id, calendar_token_hash=hash_token(secret))
        return CalendarFeed(volunteer_id=volunteer.id, path=f"/calendar/{secret}.ics")

    async def set_credentials(
        self, who: Principal, volunteer_id: int, cmd: SetCredentials
    ) -> VolunteerRecord:
        """Staff only: a volunteer cannot vet themselves."""
        volunteer = await people.get_volunteer(volunteer_id)
        if not who.is_staff(volunteer.membership.community_id):
            if volunteer.membership.account.id == who.account_id:
                raise Forbidden("credentials are granted by staff")
            raise NotFound(f"volunteer {volunteer_id} not found")
        async with transaction():
            await people.update_volunteer(volunteer.id, credentials=sorted(set(cmd.credentials)))
        return await people.volunteer_record(await people.get_volunteer(volunteer.id))
