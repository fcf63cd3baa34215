"""Alliances, batch runs, the hours ledger's decisions, notifications and the iCal feed."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from core.domain.access import Principal
from core.domain.commands import DecideHours, InviteCompound, NewAlliance
from core.domain.records import (
    AllianceRecord,
    BatchRunRecord,
    HoursEntryRecord,
    NotificationRecord,
)
from core.plugins.paging import Limit200, Offset
from core.services import Services


class AllianceController(Controller):
    path = "/alliances"
    tags = ["alliances"]

    @get("/", summary="Alliances your compounds are in or invited to (admins: all)")
    async def index(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        limit: Limit200 = 100,
        offset: Offset = 0,
    ) -> list[AllianceRecord]:
        return await services.communities.alliances(who, limit, offset)

    @post("/", summary="Staff: found an alliance with your compound (shares nothing yet)")
    async def create(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        data: JSONBody[NewAlliance],
    ) -> AllianceRecord:
        return await services.communities.create_alliance(who, data)

    @post("/{alliance_id:int}/invitations", summary="Staff of a member: invite a compound")
    async def invite(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        alliance_id: FromPath[int],
        data: JSONBody[InviteCompound],
    ) -> AllianceRecord:
        return await services.communities.invite(who, alliance_id, data)

    @post(
        "/{alliance_id:int}/members/{community_id:int}/accept",
        status_code=200,
        summary="Staff of the invited compound: accept; volunteer pools are shared from now",
    )
    async def accept(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        alliance_id: FromPath[int],
        community_id: FromPath[int],
    ) -> AllianceRecord:
        return await services.communities.join(who, alliance_id, community_id)

    @delete(
        "/{alliance_id:int}/members/{community_id:int}",
        status_code=200,
        summary="Staff: take your compound out of the alliance (or decline the invitation)",
    )
    async def leave(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        alliance_id: FromPath[int],
        community_id: FromPath[int],
    ) -> AllianceRecord:
        return await services.communities.leave(who, alliance_id, community_id)


class BatchRunController(Controller):
    path = "/batch-runs"
    tags = ["matching"]

    @get("/{run_id:int}", summary="Staff: one batch run with its inputs and every assignment")
    async def show(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        run_id: FromPath[int],
    ) -> BatchRunRecord:
        return await services.batch.get(who, run_id)


class HoursController(Controller):
    path = "/hours"
    tags = ["hours"]

    @post(
        "/{entry_id:int}/decision",
        status_code=200,
        summary="Staff: approve or reject a pending hours entry (once)",
    )
    async def decide(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        entry_id: FromPath[int],
        data: JSONBody[DecideHours],
    ) -> HoursEntryRecord:
        return await services.ledger.decide(who, entry_id, data)


class NotificationController(Controller):
    path = "/notifications"
    tags = ["notifications"]

    @get("/", summary="Your notifications that have fallen due (new offers, reminders)")
    async def index(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        unread: FromQuery[bool] = False,
        limit: Limit200 = 50,
        offset: Offset = 0,
    ) -> list[NotificationRecord]:
        return await services.notifications.mine(
            who, unread_only=unread, limit=limit, offset=offset
        )

    @post("/{notification_id:int}/read", status_code=204, summary="Mark one as read")
    async def read(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        notification_id: FromPath[int],
    ) -> None:
        await services.notifications.read(who, notification_id)


@get(
    "/calendar/{secret:str}",
    summary="A volunteer's accepted work as an iCal feed (the path is the secret)",
    tags=["volunteers"],
    security=[],
    media_type="text/calendar",
)
async def calendar_feed(
    services: NamedDependency[Services], secret: FromPath[str]
) -> Response[bytes]:
    if not secret.endswith(".ics"):
        from core.domain.errors import NotFound

        raise NotFound("calendar feeds end in .ics")
    body = await services.notifications.calendar(secret.removesuffix(".ics"))
    return Response(body, media_type="text/calendar; charset=utf-8")
