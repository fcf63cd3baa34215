"""School-gate posts and patrols end to end: recurring shifts, sign-ups, teams of two,
substitutes, checkpoints in order, incident reports."""

from __future__ import annotations

from datetime import date, time

from plugins.patrol import rules
from tests.support import Api, local

CHEN, LIU, ZHAO = 1, 2, 3
TOKENS = {CHEN: "volunteer_chen", LIU: "volunteer_liu", ZHAO: "volunteer_zhao"}


def test_shift_days_skip_holidays_and_add_makeup_days() -> None:
    days = rules.shift_days(
        [0, 1, 2, 3, 4],
        date(2026, 9, 28),
        None,
        skip=[date(2026, 10, 1), date(2026, 10, 2)],
        extra=[date(2026, 10, 10)],
        start=date(2026, 9, 28),
        end=date(2026, 10, 11),
    )
    assert date(2026, 10, 1) not in days and date(2026, 10, 10) in days
    assert len(days) == 10 - 2 + 1  # two weeks of school days, two off, one make-up


async def plan_id(api: Api, kind: str) -> int:
    plans = await api.get("/patrol/communities/1/plans", "staff")
    return next(p["id"] for p in plans if p["kind"] == kind)  # type: ignore[no-any-return]


async def test_patrol_shift_from_sign_up_to_checkpoints_and_incident(api: Api) -> None:
    patrol = await plan_id(api, "patrol")
    await api.patch(
        f"/volunteers/{LIU}", "staff", {"skills": ["shopping", "delivery", "carrying", "patrol"]}
    )
    await api.patch(
        f"/volunteers/{CHEN}",
        "staff",
        {"skills": ["shopping", "delivery", "medicine-pickup", "patrol"]},
    )
    signed = await api.post(f"/patrol/plans/{patrol}/signups", "volunteer_zhao")
    assert signed["signed_up"] == [ZHAO]
    await api.post(f"/patrol/plans/{patrol}/signups", "volunteer_zhao", expect=409)
    await api.post(f"/patrol/plans/{patrol}/signups", "resident", expect=403)

    (shift,) = await api.post(
        f"/patrol/plans/{patrol}/shifts", "staff", {"start": "2026-11-22", "end": "2026-11-22"}
    )
    assert shift["start"] == "2026-11-22T19:00:00+08:00"
    request = await api.get(f"/requests/{shift['request_id']}", "staff")
    assert request["seats"] == 2 and request["resident_id"] is None
    out = await api.get("/offers?community_id=1&status=offered", "staff")
    offered = {o["volunteer_id"]: o["id"] for o in out if o["job"]["request_id"] == request["id"]}
    assert ZHAO in offered and len(offered) >= 2  # the signed-up volunteer, and matching's
    for vid, oid in list(offered.items())[:2]:
        await api.post(f"/offers/{oid}/accept", TOKENS[vid], expect=200)
    on_duty = list(offered)[:2]
    assert (await api.get(f"/requests/{request['id']}", "staff"))["status"] == "assigned"

    sid = shift["id"]
    zhao = TOKENS[ZHAO]
    await api.post(f"/patrol/shifts/{sid}/checkpoints", zhao, {"checkpoint": 0}, expect=409)
    api.clock.now = api.clock.now.replace(day=22, hour=11, minute=5)  # 19:05 in Shanghai
    first = await api.post(f"/patrol/shifts/{sid}/checkpoints", zhao, {"checkpoint": 0})
    assert first["name"] == "North gate" and first["at"].startswith("2026-11-22T19:05")
    skipped = await api.post(
        f"/patrol/shifts/{sid}/checkpoints", zhao, {"checkpoint": 2}, expect=422
    )
    assert "Building 17" in skipped["detail"]
    await api.post(f"/patrol/shifts/{sid}/checkpoints", zhao, {"checkpoint": 1})
    outsider = next(v for v in TOKENS if v not in on_duty)
    await api.post(
        f"/patrol/shifts/{sid}/checkpoints", TOKENS[outsider], {"checkpoint": 0}, expect=403
    )
    logged = await api.get(f"/patrol/shifts/{sid}/checkpoints", "staff")
    assert [c["name"] for c in logged] == ["North gate", "Building 17"]

    report = await api.post(
        "/patrol/incidents",
        zhao,
        {
            "community_id": 1,
            "shift_id": sid,
            "what": "Car blocking the fire lane",
            "where": "Building 20, east side",
            "photo_ref": "photos/2026-11-22/fire-lane.jpg",
        },
    )
    assert report["reporter_name"] == "Zhao Min"
    await api.post(
        "/patrol/incidents",
        "resident",
        {"community_id": 1, "what": "noise", "where": "here"},
        expect=403,
    )
    seen = await api.get("/patrol/communities/1/incidents", "staff")
    assert [i["what"] for i in seen] == ["Car blocking the fire lane"]
    await api.get("/patrol/communities/1/incidents", zhao, expect=403)

    # The shift is done and recorded: the hours go to the ledger under the patrol line.
    api.clock.now = api.clock.now.replace(hour=13, minute=5)  # 21:05
    await api.post(f"/offers/{offered[ZHAO]}/complete", zhao, {}, expect=200)
    (entry,) = await api.get(f"/volunteers/{ZHAO}/hours", zhao)
    assert (entry["line"], entry["minutes"]) == ("patrol", 120)


async def test_a_volunteer_who_cannot_make_it_asks_for_a_substitute(api: Api) -> None:
    post = await plan_id(api, "school-post")
    for vid in (CHEN, LIU):
        await api.patch(f"/volunteers/{vid}", "staff", {"skills": ["shopping", "school-post"]})
    # Chen and Liu are free in the afternoon; Zhao from 14:00.
    plans = await api.get("/patrol/communities/1/plans", "staff")
    afternoon = next(p["id"] for p in plans if p["name"].endswith("afternoon"))
    (shift,) = await api.post(
        f"/patrol/plans/{afternoon}/shifts", "staff", {"start": "2026-11-23", "end": "2026-11-23"}
    )
    offers = [
        o
        for o in await api.get("/offers?community_id=1&status=offered", "staff")
        if o["job"]["request_id"] == shift["request_id"]
    ]
    assert len(offers) == 2
    for o in offers:
        await api.post(f"/offers/{o['id']}/accept", TOKENS[o["volunteer_id"]], expect=200)
    leaving = offers[0]
    await api.post(
        f"/offers/{leaving['id']}/drop",
        TOKENS[leaving["volunteer_id"]],
        {"reason": "grandson is ill"},
        expect=200,
    )
    after = [
        o
        for o in await api.get("/offers?community_id=1&status=offered", "staff")
        if o["job"]["request_id"] == shift["request_id"]
    ]
    assert [o["volunteer_id"] for o in after] == [
        next(v for v in TOKENS if v not in {o["volunteer_id"] for o in offers})
    ]
    assert post


async def test_plans_are_validated(api: Api) -> None:
    routes = await api.get("/patrol/communities/1/routes", "resident")
    body = {
        "kind": "patrol",
        "name": "Solo",
        "route_id": routes[0]["id"],
        "weekdays": [5],
        "start": "19:00:00",
        "end": "21:00:00",
        "volunteers": 1,
        "starts_on": "2026-11-21",
    }
    bad = await api.post("/patrol/communities/1/plans", "staff", body, expect=422)
    assert bad["errors"][0]["field"] == "volunteers"
    await api.post(
        "/patrol/communities/1/plans",
        "staff",
        dict(body, kind="school-post", volunteers=2),
        expect=422,
    )  # no gate
    await api.post(
        "/patrol/communities/1/plans", "volunteer_zhao", dict(body, volunteers=2), expect=403
    )
    await api.post(
        "/patrol/communities/1/routes",
        "staff",
        {"name": "x", "checkpoints": ["A", "A"]},
        expect=422,
    )
    booked = await api.post(
        "/requests",
        "resident",
        {
            "community_id": 1,
            "line": "patrol",
            "service": "patrol",
            "window": {"start": local(1, "19:00"), "end": local(1, "21:00")},
            "details": {"plan_id": 1, "name": "mine", "volunteers": 2},
        },
        expect=422,
    )
    assert "planned by staff" in booked["detail"]
    traffic = await plan_id(api, "traffic")
    (shift,) = await api.post(
        f"/patrol/plans/{traffic}/shifts", "staff", {"start": "2026-11-23", "end": "2026-11-23"}
    )
    assert (await api.get(f"/requests/{shift['request_id']}", "staff"))["seats"] == 40
    assert time(16) < time(17)


async def test_endpoints_are_in_the_openapi_docs(api: Api) -> None:
    paths = (await api.client.get("/schema/openapi.json")).json()["paths"]
    assert {"/patrol/shifts/{shift_id}/checkpoints", "/patrol/incidents"} <= set(paths)
