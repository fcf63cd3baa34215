"""The cleaning line end to end: published fees confirmed at booking, shared equipment
that two bookings can never hold at once, the staff's schedule."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support import Api, local


def carpet(start: str, end: str, fee: float, pieces: int = 1, day: int = 1) -> dict[str, Any]:
    return {
        "community_id": 1,
        "line": "cleaning",
        "service": "carpet",
        "window": {"start": local(day, start), "end": local(day, end)},
        "details": {"pieces": pieces, "confirmed_fee_yuan": fee},
    }


async def test_fee_is_published_confirmed_and_kept(api: Api) -> None:
    fees = {f["service"]: f for f in await api.get("/cleaning/communities/1/fees", "resident")}
    assert fees["carpet"]["per_unit_yuan"] == 15 and fees["carpet"]["unit"] == "carpet"
    assert [i["item"] for i in fees["carpet"]["items"]] == ["carpet detergent", "water and power"]
    assert fees["ebike"]["per_unit_yuan"] == 0  # zero is a fee too, and it is shown

    wrong = await api.post(
        "/requests", "resident", carpet("10:00", "12:00", 20, pieces=2), expect=422
    )
    assert wrong["errors"][0]["field"] == "details.confirmed_fee_yuan"
    assert "30" in wrong["errors"][0]["message"]
    req = await api.post("/requests", "resident", carpet("10:00", "12:00", 30, pieces=2))
    booking = await api.get(f"/cleaning/bookings/{req['id']}", "resident")
    assert booking["fee_total_yuan"] == 30
    assert [(i["item"], i["yuan"]) for i in booking["fee_items"]] == [
        ("carpet detergent x2", 24),
        ("water and power x2", 6),
    ]
    assert booking["equipment"] == ["High-pressure washer (property office)"]
    # A later change to the fee list does not touch what was confirmed.
    await api.put(
        "/communities/1/service-lines/cleaning",
        "staff",
        {
            "enabled": True,
            "settings": {"fees": {"carpet": [{"item": "carpet detergent", "yuan": 20}]}},
        },
    )
    assert (await api.get(f"/cleaning/bookings/{req['id']}", "staff"))["fee_total_yuan"] == 30
    await api.get(f"/cleaning/bookings/{req['id']}", "volunteer_chen", expect=404)
    # Liu Yang washes carpets in the demo: the booking was offered to him.
    assert [o["job"]["request_id"] for o in await api.get("/offers", "volunteer_liu")] == [
        req["id"]
    ]


async def test_one_machine_is_never_held_twice(api: Api) -> None:
    first = await api.post("/requests", "resident", carpet("10:00", "12:00", 15))
    clash = await api.post(
        "/requests", "staff", dict(carpet("11:00", "12:00", 15), resident_id=1), expect=409
    )
    assert "pressure-washer" in clash["detail"]
    assert len(await api.get("/requests?community_id=1", "staff")) == 1  # nothing half-written
    second = await api.post("/requests", "staff", dict(carpet("12:00", "13:00", 15), resident_id=2))

    schedule = await api.get(
        "/cleaning/communities/1/schedule?start=2026-11-22&end=2026-11-23", "staff"
    )
    assert [(r["request_id"], r["start"][11:16], r["end"][11:16]) for r in schedule] == [
        (first["id"], "10:00", "12:00"),
        (second["id"], "12:00", "13:00"),
    ]
    await api.get(
        "/cleaning/communities/1/schedule?start=2026-11-22&end=2026-11-23", "resident", expect=403
    )

    await api.post(f"/requests/{first['id']}/cancel", "resident", {}, expect=200)
    assert (await api.get(f"/cleaning/bookings/{first['id']}", "staff"))["cancelled"] is True
    await api.post("/requests", "staff", dict(carpet("11:00", "12:00", 15), resident_id=1))


async def test_simultaneous_bookings_of_the_last_machine(api: Api) -> None:
    results = await asyncio.gather(
        *(
            api.call(
                "POST",
                "/requests",
                "staff",
                expect=None,
                json=dict(carpet("15:00", "16:00", 15), resident_id=r),
            )
            for r in (1, 2, 3)
        )
    )
    assert sorted(str(r.get("status")) for r in results) == ["409", "409", "pending"]
    schedule = await api.get(
        "/cleaning/communities/1/schedule?start=2026-11-22&end=2026-11-23", "staff"
    )
    assert len(schedule) == 1


async def test_equipment_is_managed_by_staff(api: Api) -> None:
    await api.post(
        "/cleaning/communities/1/equipment",
        "resident",
        {"kind": "pressure-washer", "label": "x"},
        expect=403,
    )
    await api.post(
        "/cleaning/communities/1/equipment",
        "staff",
        {"kind": "Pressure Washer!", "label": "x"},
        expect=400,
    )
    second = await api.post(
        "/cleaning/communities/1/equipment",
        "staff",
        {"kind": "pressure-washer", "label": "Borrowed washer (alliance)"},
    )
    await api.post("/requests", "resident", carpet("10:00", "12:00", 15))
    both = await api.post("/requests", "staff", dict(carpet("10:00", "12:00", 15), resident_id=1))
    booking = await api.get(f"/cleaning/bookings/{both['id']}", "staff")
    assert booking["equipment"] == ["Borrowed washer (alliance)"]
    retired = await api.post(f"/cleaning/equipment/{second['id']}/retire", "staff", expect=200)
    assert retired["active"] is False
    kinds = [e["kind"] for e in await api.get("/cleaning/communities/1/equipment", "resident")]
    assert kinds.count("pressure-washer") == 2


async def test_endpoints_are_in_the_openapi_docs(api: Api) -> None:
    paths = (await api.client.get("/schema/openapi.json")).json()["paths"]
    assert {"/cleaning/communities/{community_id}/fees", "/cleaning/bookings/{request_id}"} <= set(
        paths
    )
