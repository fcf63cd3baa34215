"""The errands line: its rules as pure functions, and as a user meets them over HTTP."""

from __future__ import annotations

from typing import Any

import msgspec

from core.plugins import ResidentInfo
from plugins.errands import rules
from plugins.errands.schemas import CarryingDetails, ErrandsSettings, MedicineDetails
from tests.support import Api, groceries, local

SETTINGS = ErrandsSettings()


def carrying(weight: float) -> CarryingDetails:
    return msgspec.convert(
        {
            "items": [{"name": "rice", "quantity": 1, "unit": "bag"}],
            "weight_kg": weight,
            "pickup": "north gate",
        },
        CarryingDetails,
    )


def test_heavy_loads_need_two_volunteers() -> None:
    assert rules.carrying_team_size(carrying(20), SETTINGS) == 1
    assert rules.carrying_team_size(carrying(25), SETTINGS) == 2
    lighter = ErrandsSettings(heavy_team_threshold_kg=10)
    assert rules.carrying_team_size(carrying(15), lighter) == 2


def test_prescription_needs_a_reference() -> None:
    medicine = msgspec.convert(
        {
            "pharmacy": "Renmin Pharmacy",
            "items": [{"name": "insulin"}],
            "prescription_required": True,
        },
        MedicineDetails,
    )
    found = rules.problems(medicine, SETTINGS, "17")
    assert [p.field for p in found] == ["details.prescription_ref"]
    assert [p.field for p in rules.problems(medicine, SETTINGS, None)][0] == "place.building"


def test_elderly_living_alone_rank_first() -> None:
    alone = rules.priority(carrying(5), ResidentInfo(elderly=True, lives_alone=True))
    elderly = rules.priority(carrying(5), ResidentInfo(elderly=True))
    other = rules.priority(carrying(5), ResidentInfo())
    assert alone > elderly > other


def _carry(weight: float, **kw: Any) -> dict[str, Any]:
    return groceries(
        service="carrying",
        details={
            "items": [
                {"name": "rice", "quantity": 2, "unit": "bag"},
                {"name": "cooking oil", "quantity": 1, "unit": "bucket"},
            ],
            "weight_kg": weight,
            "pickup": "north gate",
            "floor": 5,
            "has_lift": False,
        },
        **kw,
    )


async def test_heavy_carrying_is_offered_to_two_and_needs_both(api: Api) -> None:
    req = await api.post("/requests", "staff", _carry(30, resident_id=2))
    assert req["seats"] == 2 and req["required_skills"] == ["carrying"]
    offers = await api.get("/offers?community_id=1&status=offered", "staff")
    names = sorted(o["volunteer_name"] for o in offers)
    assert names == ["Liu Yang", "Zhao Min"]  # the two who carry
    by_name = {o["volunteer_name"]: o for o in offers}
    await api.post(f"/offers/{by_name['Liu Yang']['id']}/accept", "volunteer_liu", expect=200)
    half = await api.get(f"/requests/{req['id']}", "staff")
    assert (half["status"], half["filled"]) == ("pending", 1)
    await api.post(f"/offers/{by_name['Zhao Min']['id']}/accept", "volunteer_zhao", expect=200)
    full = await api.get(f"/requests/{req['id']}", "staff")
    assert (full["status"], full["filled"]) == ("assigned", 2)
    assert {a["volunteer_name"]: a["party_member"] for a in full["assignments"]} == {
        "Liu Yang": False,
        "Zhao Min": True,
    }


async def test_light_carrying_needs_one(api: Api) -> None:
    req = await api.post("/requests", "staff", _carry(10))
    assert req["seats"] == 1


async def test_medicine_and_queue_order(api: Api) -> None:
    # Zhang Wei (not elderly) books first, Grandma Li (elderly, alone) second: hers ranks first.
    zhang = await api.post("/requests", "resident", groceries(resident_id=None, day=3))
    li = await api.post(
        "/requests",
        "staff",
        groceries(
            resident_id=1,
            day=3,
            service="medicine",
            details={
                "pharmacy": "Renmin Pharmacy",
                "items": [{"name": "blood-pressure pills"}],
                "prescription_required": True,
                "prescription_ref": "Rx 2211 at the counter",
            },
        ),
    )
    assert li["window"]["end"] == local(3, "17:00")
    queue = await api.get("/requests?community_id=1", "staff")
    assert [r["id"] for r in queue] == [li["id"], zhang["id"]]
    assert li["priority"] == 110


async def test_errand_details_schema_is_published(api: Api) -> None:
    lines = await api.get("/service-lines", "resident")
    errands = next(line for line in lines if line["key"] == "errands")
    services = {s["key"]: s for s in errands["services"]}
    assert set(services) == {"groceries", "carrying", "medicine"}
    schema = services["groceries"]["details_schema"]
    assert "items" in str(schema) and "budget_yuan" in str(schema)
    assert "heavy_team_threshold_kg" in str(errands["settings_schema"])
