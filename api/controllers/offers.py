from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from core.domain.access import Principal
from core.domain.commands import Complete, Decline, NoShow
from core.domain.enums import OfferStatus
from core.domain.records import OfferRecord
from core.plugins.paging import Limit200, Offset
from core.services import Services


class OfferController(Controller):
    path = "/offers"
    tags = ["offers"]

    @get("/", summary="Offers made to you (staff: a community's with community_id)")
    async def index(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        community_id: FromQuery[int | None] = None,
        status: FromQuery[list[OfferStatus] | None] = None,
        limit: Limit200 = 50,
        offset: Offset = 0,
    ) -> list[OfferRecord]:
        return await services.bookings.offers(
            who, community_id=community_id, statuses=status, limit=limit, offset=offset
        )

    @get("/{offer_id:int}")
    async def show(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        offer_id: FromPath[int],
    ) -> OfferRecord:
        return await services.bookings.offer(who, offer_id)

    @post("/{offer_id:int}/accept", status_code=200, summary="Accept; 409 if taken or clashing")
    async def accept(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        offer_id: FromPath[int],
    ) -> OfferRecord:
        return await services.bookings.accept(who, offer_id)

    @post(
        "/{offer_id:int}/decline",
        status_code=200,
        summary="Decline; the seat goes to the next candidate",
    )
    async def decline(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        offer_id: FromPath[int],
        data: JSONBody[Decline],
    ) -> OfferRecord:
        return await services.bookings.decline(who, offer_id, data)

    @post("/{offer_id:int}/complete", status_code=200, summary="Mark your accepted job done")
    async def complete(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        offer_id: FromPath[int],
        data: JSONBody[Complete],
    ) -> OfferRecord:
        return await services.bookings.complete(who, offer_id, data)

    @post(
        "/{offer_id:int}/drop",
        status_code=200,
        summary="Give back a job you accepted, before it starts; a substitute is sought",
    )
    async def drop(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        offer_id: FromPath[int],
        data: JSONBody[Decline],
    ) -> OfferRecord:
        return await services.bookings.drop(who, offer_id, data)

    @post(
        "/{offer_id:int}/no-show",
        status_code=200,
        summary="Staff: the volunteer did not come; the seat goes back to the unfilled queue",
    )
    async def no_show(
        self,
        services: NamedDependency[Services],
        who: NamedDependency[Principal],
        offer_id: FromPath[int],
        data: JSONBody[NoShow],
    ) -> OfferRecord:
        return await services.bookings.no_show(who, offer_id, data)
