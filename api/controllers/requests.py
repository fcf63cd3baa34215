from __future__ import annotations

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from core.domain.access import Principal
from core.domain.commands import Cancel, NewRequest, StaffOffer
from core.domain.enums import RequestStatus
from core.domain.records import OfferRecord, RequestRecord
from core.services import Services


class CandidateView(msgspec.Struct, frozen=True, kw_only=True):
    volunteer_id: int
    name: str
    eligible: bool
    reasons: list[str]


class RequestController(Controller):
    path = "/requests"
    tags = ["requests"]

    @post("/", summary="Book a service; it is offered to the best volunteer before this returns")
    async def create(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        data: JSONBody[NewRequest],
    ) -> RequestRecord:
        return await services.bookings.create(who, data)

    @get("/", summary="Requests you filed or that serve you; staff: a community's, by priority")
    async def index(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromQuery[int | None] = None,
        status: FromQuery[list[RequestStatus] | None] = None,
        limit: FromQuery[int] = 50,
        offset: FromQuery[int] = 0,
    ) -> list[RequestRecord]:
        return await services.bookings.requests(
            who, community_id=community_id, statuses=status, limit=limit, offset=max(offset, 0)
        )

    @get("/{request_id:int}", summary="A request with its volunteers and full history")
    async def show(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        request_id: FromPath[int],
    ) -> RequestRecord:
        return await services.bookings.get(who, request_id)

    @post("/{request_id:int}/cancel", status_code=200, summary="Cancel (resident or staff)")
    async def cancel(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        request_id: FromPath[int],
        data: JSONBody[Cancel],
    ) -> RequestRecord:
        return await services.bookings.cancel(who, request_id, data)

    @post(
        "/{request_id:int}/rematch",
        status_code=200,
        summary="Staff: look for volunteers again (e.g. for an unfilled request)",
    )
    async def rematch(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        request_id: FromPath[int],
    ) -> RequestRecord:
        return await services.bookings.rematch(who, request_id)

    @post("/{request_id:int}/offers", summary="Staff: offer the request to a chosen volunteer")
    async def offer_to(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        request_id: FromPath[int],
        data: JSONBody[StaffOffer],
    ) -> OfferRecord:
        return await services.bookings.offer_to(who, request_id, data)

    @get(
        "/{request_id:int}/candidates",
        summary="Staff: every volunteer with the skills, and why each is or is not eligible",
    )
    async def candidates(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        request_id: FromPath[int],
    ) -> list[CandidateView]:
        return [
            CandidateView(
                volunteer_id=c.volunteer_id, name=c.name, eligible=not reasons, reasons=reasons
            )
            for c, reasons in await services.bookings.explain(who, request_id)
        ]
