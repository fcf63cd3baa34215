from __future__ import annotations

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from core.domain.access import Principal
from core.domain.commands import Cancel, Complete, NewRequest, Rate, StaffOffer
from core.domain.enums import RequestStatus
from core.domain.records import OfferRecord, RatingRecord, RequestRecord
from core.plugins.paging import Limit200, Limit500, Offset
from core.services import Services


class CandidateView(msgspec.Struct, frozen=True, kw_only=True):
    seat: int
    volunteer_id: int
    community_id: int
    name: str
    eligible: bool
    reasons: list[str]  # why not, plugin vetoes included
    score: float | None  # for the eligible: the score an offer would carry
    breakdown: dict[str, float]


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
        limit: Limit200 = 50,
        offset: Offset = 0,
    ) -> list[RequestRecord]:
        return await services.bookings.requests(
            who, community_id=community_id, statuses=status, limit=limit, offset=offset
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
        limit: Limit500 = 100,
        offset: Offset = 0,
    ) -> list[CandidateView]:
        views = [
            CandidateView(
                seat=seat,
                volunteer_id=c.volunteer_id,
                community_id=c.community_id,
                name=c.name,
                eligible=not reasons,
                reasons=reasons,
                score=ranked.score if ranked else None,
                breakdown=ranked.breakdown if ranked else {},
            )
            for seat, c, reasons, ranked in await services.bookings.explain(who, request_id)
        ]
        # Every volunteer is judged (their ranks depend on one another); a page is shown.
        views.sort(key=lambda v: (v.seat, not v.eligible, -(v.score or 0), v.volunteer_id))
        return views[offset : offset + limit]

    @post(
        "/{request_id:int}/complete",
        status_code=200,
        summary="Resident (or staff): confirm the work was done; hours go to the ledger",
    )
    async def complete(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        request_id: FromPath[int],
        data: JSONBody[Complete],
    ) -> RequestRecord:
        return await services.bookings.complete_request(who, request_id, data)

    @post("/{request_id:int}/ratings", summary="Resident: rate a volunteer's finished work 1-5")
    async def rate(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        request_id: FromPath[int],
        data: JSONBody[Rate],
    ) -> RatingRecord:
        return await services.ledger.rate(who, request_id, data)

    @get("/{request_id:int}/ratings", summary="Ratings given on this request")
    async def ratings(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        request_id: FromPath[int],
    ) -> list[RatingRecord]:
        return await services.ledger.ratings(who, request_id)
