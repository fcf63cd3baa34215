"""Two compounds: every role of the second tries every route with an id in its path on the
first compound's objects. All are refused and nothing of the first compound leaks
(OWASP API1 broken object level authorisation, API3 excessive data exposure)."""

from __future__ import annotations

import re
from typing import Any

from tests.support import Api, groceries, local

SECRET = "Grandma Li"  # the first compound's resident: must never appear in an answer


async def second_compound(api: Api) -> dict[str, str]:
    b = await api.post(
        "/communities", "admin", {"slug": "qinghe", "name": "Qinghe Garden", "buildings": ["1"]}
    )
    tokens: dict[str, str] = {}
    for role, extra in (
        ("staff", {}),
        ("resident", {"resident": {"building": "1", "unit": "1", "room": "101"}}),
        ("volunteer", {"volunteer": {"skills": ["shopping", "delivery"]}}),
    ):
        added = await api.post(
            f"/communities/{b['id']}/members",
            "admin",
            {"role": role, "name": f"B {role}", "issue_token": True, **extra},
        )
        tokens[role] = added["token"]["token"]
    return tokens


async def first_compound_objects(api: Api) -> dict[str, Any]:
    """One object of each kind in the first compound (the demo), by path parameter."""
    req = await api.post("/requests", "staff", groceries(day=1))
    (offer,) = await api.get("/offers", "volunteer_chen")
    await api.post(f"/offers/{offer['id']}/accept", "volunteer_chen", expect=200)
    time_off = await api.post(
        "/volunteers/1/time-off",
        "volunteer_chen",
        {"start": local(3, "08:00"), "end": local(3, "09:00")},
    )
    extra = await api.post(
        "/volunteers/1/extra-time",
        "volunteer_chen",
        {"start": local(4, "06:00"), "end": local(4, "07:00")},
    )
    alliance = await api.post("/alliances", "staff", {"name": "A only", "community_id": 1})
    run = await api.post("/communities/1/batch-runs", "staff", {})
    classes = await api.get("/afterschool/communities/1/classes", "staff")
    enrolments = await api.get(f"/afterschool/classes/{classes[0]['id']}/enrolments", "staff")
    sessions = await api.post(
        f"/afterschool/classes/{classes[0]['id']}/sessions",
        "staff",
        {"start": "2026-11-23", "end": "2026-11-23"},
    )
    equipment = await api.get("/cleaning/communities/1/equipment", "staff")
    plans = await api.get("/patrol/communities/1/plans", "staff")
    shifts = await api.post(
        f"/patrol/plans/{plans[2]['id']}/shifts",
        "staff",
        {"start": "2026-11-23", "end": "2026-11-23"},
    )
    api.clock.advance(days=2)
    await api.post(f"/offers/{offer['id']}/complete", "volunteer_chen", {}, expect=200)
    (entry,) = await api.get("/volunteers/1/hours", "volunteer_chen")
    notes = await api.get("/notifications", "volunteer_chen")
    residents = await api.get("/communities/1/residents", "staff")
    grandma = next(r["account_id"] for r in residents if r["name"] == SECRET)
    return {
        "community_id": 1,
        "request_id": req["id"],
        "offer_id": offer["id"],
        "volunteer_id": 1,
        "account_id": grandma,  # her account: read, corrected, given tokens
        "time_off_id": time_off["id"],
        "extra_id": extra["id"],
        "alliance_id": alliance["id"],
        "run_id": run["id"],
        "class_id": classes[0]["id"],
        "enrolment_id": enrolments[0]["id"],
        "child_id": enrolments[0]["child_id"],
        "session_id": sessions[0]["id"],
        "equipment_id": equipment[0]["id"],
        "plan_id": plans[2]["id"],
        "shift_id": shifts[0]["id"],
        "entry_id": entry["id"],
        "notification_id": notes[0]["id"],
        "line": "errands",
    }


REFUSED = {400, 401, 403, 404, 405}


async def test_no_role_of_another_compound_reaches_anything_here(api: Api) -> None:
    ids = await first_compound_objects(api)
    tokens = await second_compound(api)
    routes = [
        (method, route.path)
        for route in api.app.routes
        if "{" in route.path and not route.path.startswith(("/schema", "/calendar"))
        for method in sorted(getattr(route, "methods", ()) or ())
        if method not in ("HEAD", "OPTIONS")
    ]
    assert len(routes) > 50
    leaks = []
    for role, token in tokens.items():
        for method, path in routes:
            url = re.sub(r"{(\w+):\w+}", lambda m: str(ids[m.group(1)]), path)
            response = await api.client.request(
                method,
                url,
                headers={"Authorization": f"Bearer {token}"},
                json={} if method in ("POST", "PUT", "PATCH") else None,
            )
            if response.status_code not in REFUSED or SECRET in response.text:
                leaks.append((role, method, url, response.status_code, response.text[:120]))
    assert leaks == []
