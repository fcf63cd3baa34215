"""Every list that grows with use comes a page at a time: ``limit`` and ``offset`` are
declared with their bounds in the OpenAPI document, a value out of bounds is refused with a
400 naming it (not quietly changed), and walking the pages reads each item exactly once."""

from __future__ import annotations

import re
from typing import Any

from plugins.afterschool.tests.test_afterschool import open_class
from plugins.patrol.tests.test_patrol import plan_id
from tests.support import Api, groceries

# Lists whose length is bounded by what staff set up by hand, or by one record, never by
# how long the compound has used the product: they come whole. Anything else is paged.
EXEMPT = {
    "/service-lines": "the installed plugins' lines",
    "/skills": "the installed plugins' skills",
    "/plugins": "the installed plugins",
    "/communities/{community_id}/service-lines": "one per installed line",
    "/requests/{request_id}/ratings": "one per volunteer who served the request (its seats)",
    "/afterschool/children": "a guardian's own children",
    "/afterschool/sessions/{session_id}/attendance": "one session's children (its seat limit)",
    "/cleaning/communities/{community_id}/fees": "one per cleaning service",
    "/cleaning/communities/{community_id}/equipment": "the machines staff registered",
    "/cleaning/communities/{community_id}/schedule": "a window of at most 31 days",
    "/patrol/communities/{community_id}/schools": "the schools staff registered",
    "/patrol/communities/{community_id}/routes": "the routes staff drew",
    "/patrol/shifts/{shift_id}/checkpoints": "one per checkpoint of the shift's route",
}


def list_operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every GET whose answer is a JSON array, by path."""
    found = {}
    for path, item in document["paths"].items():
        get = item.get("get")
        if get is None:
            continue
        ok = get.get("responses", {}).get("200", {})
        schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
        if schema.get("type") == "array":
            found[path] = get
    return found


def bounds(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        p["name"]: p["schema"]
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p["name"] in ("limit", "offset")
    }


async def test_every_growing_list_declares_its_page_bounds(api: Api) -> None:
    lists = list_operations(api.app.openapi_schema.to_schema())
    assert len(lists) > 25  # the core's and the four plugins' lists were all found
    stale = set(EXEMPT) - set(lists)
    assert not stale, f"exempt paths that are no longer lists: {stale}"
    unpaged = []
    for path, operation in lists.items():
        if path in EXEMPT:
            continue
        found = bounds(operation)
        limit, offset = found.get("limit", {}), found.get("offset", {})
        if not (
            limit.get("minimum") == 1
            and 1 <= limit.get("default", 0) <= limit.get("maximum", 0) <= 500
            and offset.get("minimum") == 0
            and offset.get("default") == 0
        ):
            unpaged.append(path)
    assert unpaged == [], f"lists without declared page bounds: {unpaged}"


async def test_page_bounds_are_enforced_on_every_list(api: Api) -> None:
    lists = list_operations(api.app.openapi_schema.to_schema())
    for path, operation in lists.items():
        if path in EXEMPT:
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)
        most = int(bounds(operation)["limit"]["maximum"])
        for query, field in (
            ("limit=0", "limit"),
            (f"limit={most + 1}", "limit"),
            ("offset=-1", "offset"),
        ):
            problem = await api.get(f"{url}?{query}", "admin", expect=400)
            assert [e["field"] for e in problem["errors"]] == [field], (path, query, problem)
        # The largest page is a page like any other (what the caller may see aside).
        response = await api.client.get(f"{url}?limit={most}&offset=0", headers=api.h("admin"))
        assert response.status_code in (200, 403, 404), (path, response.text)


async def walk(api: Api, url: str, who: str, size: int) -> list[Any]:
    """Every item of the list at ``url``, ``size`` at a time, until a short page."""
    items: list[Any] = []
    sep = "&" if "?" in url else "?"
    while True:
        page = await api.get(f"{url}{sep}limit={size}&offset={len(items)}", who)
        assert len(page) <= size
        items += page
        if len(page) < size:
            return items


async def test_walking_the_pages_reads_each_item_once(api: Api) -> None:
    # A class's sessions: two weeks of school days (a holiday and a make-up day included).
    k = await open_class(api)
    made = await api.post(
        f"/afterschool/classes/{k['id']}/sessions",
        "staff",
        {"start": "2026-11-23", "end": "2026-12-06"},
    )
    assert len(made) == 10
    sessions = f"/afterschool/classes/{k['id']}/sessions"
    whole = await api.get(sessions, "staff")
    assert [s["id"] for s in whole] == [s["id"] for s in made]  # in date order
    assert await walk(api, sessions, "staff", 3) == whole
    assert await api.get(f"{sessions}?limit=2&offset=4", "staff") == whole[4:6]
    assert await api.get(f"{sessions}?offset=10", "staff") == []

    # A patrol plan's shifts: a week of them.
    plan = await plan_id(api, "patrol")
    shifts = await api.post(
        f"/patrol/plans/{plan}/shifts", "staff", {"start": "2026-11-22", "end": "2026-11-28"}
    )
    listed = await walk(api, f"/patrol/plans/{plan}/shifts", "staff", 2)
    assert [s["id"] for s in listed] == [s["id"] for s in shifts] and len(listed) == 7

    # A request's candidates: everyone is judged, and a page of them shown.
    request = await api.post("/requests", "staff", groceries())
    candidates = f"/requests/{request['id']}/candidates"
    everyone = await api.get(candidates, "staff")
    assert len(everyone) == 3
    assert await walk(api, candidates, "staff", 1) == everyone
    assert await api.get(f"{candidates}?limit=2&offset=1", "staff") == everyone[1:]

    # A compound's requests, with a status filter kept across pages.
    for day in range(2, 7):
        await api.post("/requests", "staff", groceries(day=day))
    mine = "/requests?community_id=1&status=pending&status=unfilled"
    assert await walk(api, mine, "staff", 2) == await api.get(mine, "staff")
