"""Input no schema describes is refused before it reaches the database, alike on both
databases: NUL in text (PostgreSQL cannot store it: it was a 500), and query values that
name no status."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, get
from litestar.params import FromQuery
from litestar.testing import AsyncTestClient

from api.app import MAX_BODY_BYTES
from api.errors import EXCEPTION_HANDLERS, LARGEST_ID
from api.inputs import NUL_MESSAGE, check_inputs
from tests.support import Api, groceries, local


async def test_nul_in_any_text_of_a_body_is_a_400_naming_it(api: Api) -> None:
    before = await api.get("/requests?community_id=1", "staff")
    cases: list[tuple[dict[str, Any], str]] = [
        (groceries(notes="ring\u0000twice"), "notes"),
        (
            groceries(details={"items": [{"name": "tofu\u0000"}], "budget_yuan": 5}),
            "details.items[0].name",
        ),
        (
            groceries(details={"items": [{"name": "tofu"}], "budget_yuan": 5, "k\u0000": 1}),
            "details.k\u0000",
        ),
    ]
    for body, field in cases:
        problem = await api.post("/requests", "staff", body, expect=400)
        assert problem["errors"] == [{"field": field, "message": NUL_MESSAGE}], problem
    assert await api.get("/requests?community_id=1", "staff") == before  # nothing written
    # The same in a plugin's body, and in a PATCH.
    problem = await api.post(
        "/patrol/incidents",
        "volunteer_zhao",
        {"community_id": 1, "what": "a car\u0000 parked on the gate", "where": "north gate"},
        expect=400,
    )
    assert problem["errors"][0]["field"] == "what"
    problem = await api.patch("/volunteers/1", "staff", {"skills": ["shop\u0000ping"]}, expect=400)
    assert problem["errors"][0]["field"] == "skills[0]"
    # A backslash followed by "u0000" is text like any other.
    made = await api.post("/requests", "staff", groceries(notes="C:\\u0000"), expect=201)
    assert made["notes"] == "C:\\u0000"


async def test_nul_in_a_query_parameter_is_a_400_naming_it() -> None:
    @get("/echo", sync_to_thread=False)
    def echo(q: FromQuery[str] = "") -> dict[str, str]:
        return {"q": q}

    app = Litestar([echo], before_request=check_inputs, exception_handlers=EXCEPTION_HANDLERS)
    async with AsyncTestClient(app) as client:
        assert (await client.get("/echo?q=tea")).json() == {"q": "tea"}
        refused = await client.get("/echo?q=te%00a")
        assert refused.status_code == 400
        assert refused.json()["errors"] == [{"field": "q", "message": NUL_MESSAGE}]


async def test_an_integer_query_parameter_past_the_largest_id_is_a_422_naming_it() -> None:
    """An id or count the database cannot hold is refused by name; a text parameter that is
    all digits (a phone number typed without +) is text, passed on."""

    @get("/echo", sync_to_thread=False)
    def echo(
        n: FromQuery[int | None] = None,
        ids: FromQuery[list[int] | None] = None,
        q: FromQuery[str] = "",
    ) -> dict[str, Any]:
        return {"n": n, "ids": ids, "q": q}

    app = Litestar([echo], before_request=check_inputs, exception_handlers=EXCEPTION_HANDLERS)
    big = str(LARGEST_ID + 1)
    async with AsyncTestClient(app) as client:
        for query, field in ((f"n={big}", "n"), (f"ids=1&ids={big}", "ids")):
            refused = await client.get(f"/echo?{query}")
            assert refused.status_code == 422, query
            assert refused.json()["errors"] == [
                {"field": field, "message": f"at most {LARGEST_ID}"}
            ]
        assert (await client.get(f"/echo?n={LARGEST_ID}")).json()["n"] == LARGEST_ID
        assert (await client.get("/echo?q=865640000017")).json()["q"] == "865640000017"


async def test_an_hours_status_that_names_none_is_a_400(api: Api) -> None:
    for url in ("/communities/1/hours", "/volunteers/1/hours"):
        problem = await api.get(f"{url}?status=a%00b", "staff", expect=400)
        assert problem["errors"][0]["field"] == "status"
        await api.get(f"{url}?status=bogus", "staff", expect=400)
        assert await api.get(f"{url}?status=approved", "staff") == []


async def test_a_body_over_the_size_limit_is_a_413_before_anything_reads_it(api: Api) -> None:
    huge = groceries(notes="x" * (MAX_BODY_BYTES + 1))
    problem = await api.post("/requests", "staff", huge, expect=413)
    assert problem["type"] == "/problems/request-body-too-large"
    await api.patch("/volunteers/1", "staff", {"bio": "x" * (MAX_BODY_BYTES + 1)}, expect=413)
    # Just under the limit the body is read and judged on what it says.
    under = groceries(notes="x" * (MAX_BODY_BYTES - 2048))
    problem = await api.post("/requests", "staff", under, expect=400)
    assert problem["errors"][0]["field"] == "notes"  # too long for a note, not too large


async def test_dates_at_the_ends_of_the_calendar_are_refused_naming_them(api: Api) -> None:
    far = groceries(window={"start": "9999-12-31T23:00:00"})
    problem = await api.post("/requests", "staff", far, expect=422)
    assert problem["errors"][0]["field"] == "window.start"
    later = groceries(window={"start": local(367, "15:00")})
    problem = await api.post("/requests", "staff", later, expect=422)
    assert problem["errors"] == [
        {"field": "window.start", "message": "requests are filed at most a year ahead"}
    ]
    await api.post("/requests", "staff", groceries(day=300), expect=201)
    for url in (
        "/communities/1/stats?start=0001-01-01&end=2026-12-31",
        "/communities/1/hours.csv?start=0001-01-01&end=2026-12-31",
    ):
        problem = await api.get(url, "staff", expect=422)
        assert problem["errors"] == [{"field": "start", "message": "out of range"}], url
    await api.put("/communities/1/service-lines/cleaning", "staff", {"enabled": True})
    schedule = "/cleaning/communities/1/schedule?start=0001-01-01&end=0001-01-08"
    problem = await api.get(schedule, "staff", expect=422)
    assert problem["errors"][0]["field"] == "start"
