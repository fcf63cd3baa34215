"""Two people acting at once never double-book a volunteer or overfill a request."""

from __future__ import annotations

import asyncio

from core.storage.models import Offer, ServiceRequest, VolunteerSlot
from tests.support import Api, groceries


def _outcome(body: dict[str, object]) -> str:
    """'accepted' for an offer, or the problem title ('Conflict') for an error."""
    return str(body["title"] if "type" in body else body["status"])


async def _volunteer_ids(api: Api) -> dict[str, int]:
    return {v["name"]: v["id"] for v in await api.get("/communities/1/volunteers", "staff")}


async def test_two_simultaneous_accepts_of_one_seat(api: Api) -> None:
    req = await api.post("/requests", "staff", groceries())
    ids = await _volunteer_ids(api)
    await api.post(f"/requests/{req['id']}/offers", "staff", {"volunteer_id": ids["Liu Yang"]})
    chen = (await api.get("/offers", "volunteer_chen"))[0]
    liu = (await api.get("/offers", "volunteer_liu"))[0]
    results = await asyncio.gather(
        api.call("POST", f"/offers/{chen['id']}/accept", "volunteer_chen", expect=None),
        api.call("POST", f"/offers/{liu['id']}/accept", "volunteer_liu", expect=None),
    )
    statuses = sorted(_outcome(r) for r in results)
    assert statuses == ["Conflict", "accepted"], results
    final = await api.get(f"/requests/{req['id']}", "staff")
    assert final["filled"] == 1 and len(final["assignments"]) == 1
    assert await Offer.filter(request_id=req["id"], status="accepted").count() == 1


async def test_one_volunteer_accepting_two_overlapping_offers(api: Api) -> None:
    ids = await _volunteer_ids(api)
    first = await api.post("/requests", "staff", groceries(start="15:00", end="17:00"))
    second = await api.post(
        "/requests", "staff", groceries(resident_id=2, start="16:00", end="18:00")
    )
    # Chen holds the first offer, so matching passed her over for the second; staff insist.
    await api.post(f"/requests/{second['id']}/offers", "staff", {"volunteer_id": ids["Chen Jing"]})
    offers = await api.get("/offers?status=offered", "volunteer_chen")
    assert {o["job"]["request_id"] for o in offers} == {first["id"], second["id"]}
    results = await asyncio.gather(
        *(
            api.call("POST", f"/offers/{o['id']}/accept", "volunteer_chen", expect=None)
            for o in offers
        )
    )
    assert sorted(_outcome(r) for r in results) == ["Conflict", "accepted"]
    conflict = next(r for r in results if r.get("status") == 409)
    assert "overlaps" in conflict["detail"]
    assert await Offer.filter(status="accepted").count() == 1


async def test_database_refuses_overlapping_slots_without_the_service(api: Api) -> None:
    """The unique (account, slot) index is the last line of defence: even a writer that skips
    every check cannot store two overlapping jobs for one person."""
    from tortoise.exceptions import IntegrityError

    from core.storage import bookings

    await api.post("/requests", "staff", groceries())
    offer = (await api.get("/offers", "volunteer_chen"))[0]
    await api.post(f"/offers/{offer['id']}/accept", "volunteer_chen", expect=200)
    slot = await VolunteerSlot.filter(offer_id=offer["id"]).order_by("starts_at").first()
    assert slot is not None
    try:
        await VolunteerSlot.create(
            account_id=slot.account_id, offer_id=offer["id"], starts_at=slot.starts_at
        )
    except IntegrityError:
        pass
    else:  # pragma: no cover - the index is missing
        raise AssertionError("a second slot at the same time was stored")
    # And a seat cannot be claimed past the request's size.
    request = await ServiceRequest.get(id=offer["job"]["request_id"])
    assert request.filled == request.seats
    assert await bookings.claim_seat(request.id) is False
